"""What a person does in JupyterLab, as Playwright steps: open, run, read what is shown.

Every wait is on UI state (an element, a class, a text, the run queue seen by a DOM
observer), never a sleep.
Selectors are JupyterLab's and ipywidgets' own classes plus the course's
``mlteam-question``/``mlteam-feedback`` classes (mlteam_utils/questions).

No side effects at import; Playwright is needed only when a helper runs.

>>> widget_cell_indexes({"cells": [{"cell_type": "code", "outputs": [
...     {"output_type": "execute_result", "data": {WIDGET_MIME: {}}}]}, {"cell_type": "markdown"}]})
[0]
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Locator, Page

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ERROR_MIME = "application/vnd.jupyter.stderr"
# A rendered widget view is the output's direct child with ipywidgets' class; a widget
# that failed to render shows text ("Error displaying widget") instead.
RENDERED_WIDGET = ".jp-OutputArea-output > .jupyter-widgets"


def widget_cell_indexes(notebook: Mapping[str, Any]) -> list[int]:
    """Indexes of the cells whose stored outputs include a widget view."""
    return [
        index for index, cell in enumerate(notebook["cells"])
        if cell.get("cell_type") == "code"
        and any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def workspace_url(workspace: str, path: str) -> str:
    """A URL that opens ``path`` in a fresh JupyterLab workspace of its own.

    JupyterLab keeps the open tabs of a workspace on the server; a test with its own
    workspace does not reopen another test's notebooks (and start their kernels).

    >>> workspace_url("learner", "exercises/ex01/ex01.ipynb")
    '/lab/workspaces/learner/tree/exercises/ex01/ex01.ipynb?reset'
    """
    return f"/lab/workspaces/{workspace}/tree/{path}?reset"


def notebook_panel(page: Page) -> Locator:
    """The notebook on show (JupyterLab hides the other tabs' panels)."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def cells(page: Page) -> Locator:
    return notebook_panel(page).locator(".jp-Notebook .jp-Cell")


def wait_for_notebook(page: Page, path: str) -> Locator:
    """Wait until the notebook at ``path`` is the current tab, rendered, with its kernel idle."""
    from playwright.sync_api import expect

    name = path.rsplit("/", 1)[-1]
    expect(page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel")).to_have_text(name)
    panel = notebook_panel(page)
    expect(panel.locator(".jp-Notebook .jp-Cell").first).to_be_visible()
    # Before its kernel starts, a new panel shows "No Kernel" and a status of idle: wait
    # for a named kernel that is idle, read in one go.
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const name = panel?.querySelector('.jp-KernelName')?.textContent.trim();
            const status = panel?.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
            return name && name !== 'No Kernel' && status === 'idle';
        }"""
    )
    return panel


def menu(page: Page, top: str, command: str) -> None:
    """Click a main-menu entry, e.g. ``menu(page, "Run", "runmenu:run-all")``."""
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
    page.locator(f'.lm-Menu li[data-command="{command}"]').click()


# Run All marks every cell it queues "[*]" at once. An observer set up before the click
# records that a run was queued; the run is over when no "[*]" is left and the kernel is
# idle. (The toolbar's "Executed N cells" summary is not shown after short runs.) A cell whose
# input is hidden has no prompt on the page (JupyterLab detaches its input area): on a page
# of such cells only (the start page), the toolbar's execution indicator turning busy (it
# stays busy until every scheduled cell has run) is the sign.
_WATCH_FOR_QUEUED_CELLS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const queued = () => [...panel.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('[*]'))
        || panel.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'busy';
    window.__mlteamRunQueued = false;
    const observer = new MutationObserver(() => {
        if (queued()) { window.__mlteamRunQueued = true; observer.disconnect(); }
    });
    observer.observe(panel, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ['data-status']});
}"""
_RUN_IS_OVER = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const queued = [...panel.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('[*]'));
    const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
    return window.__mlteamRunQueued === true && !queued && status === 'idle';
}"""


def run_all(page: Page) -> None:
    """Run ▸ Run All Cells, and wait until the run is over."""
    page.evaluate(_WATCH_FOR_QUEUED_CELLS)
    menu(page, "Run", "runmenu:run-all")
    page.wait_for_function(_RUN_IS_OVER)


def restart_and_run_all(page: Page) -> None:
    """Kernel ▸ Restart Kernel and Run All Cells, confirmed, and wait until the run is over."""
    page.evaluate(_WATCH_FOR_QUEUED_CELLS)
    menu(page, "Kernel", "runmenu:restart-and-run-all")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function(_RUN_IS_OVER)


def save_notebook(page: Page) -> None:
    """File ▸ Save, then wait until the tab no longer shows unsaved changes."""
    from playwright.sync_api import expect

    menu(page, "File", "docmanager:save")
    expect(page.locator(".lm-TabBar-tab.jp-mod-current")).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"))


def rendered_widget_cells(page: Page) -> list[int]:
    """Indexes of the cells that show a rendered widget view."""
    return cells(page).evaluate_all(
        f"cells => cells.flatMap((cell, i) => cell.querySelector({RENDERED_WIDGET!r}) ? [i] : [])"
    )


def wait_for_widgets(page: Page, expected: list[int]) -> None:
    """Wait until exactly the cells ``expected`` show a rendered widget view."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    script = f"""expected => JSON.stringify([...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')].flatMap(
        (cell, i) => cell.querySelector({RENDERED_WIDGET!r}) ? [i] : [])) === JSON.stringify(expected)"""
    with contextlib.suppress(PlaywrightTimeout):  # the assertion below says which cells differ
        page.wait_for_function(script, arg=expected)
    assert rendered_widget_cells(page) == expected, "cells with a rendered widget (left) vs expected (right)"


def error_outputs(page: Page) -> Locator:
    """Tracebacks and anything written to stderr."""
    return notebook_panel(page).locator(f'.jp-OutputArea-output[data-mime-type="{ERROR_MIME}"]')


def output_texts(page: Page, cell_index: int) -> list[str]:
    return cells(page).nth(cell_index).locator(".jp-OutputArea-output").all_inner_texts()


def show(locator: Locator, *, at_top: bool = False) -> Locator:
    """Scroll ``locator`` into view (``at_top``: to the top of the notebook's view) and
    wait until it is on screen and painted.

    JupyterLab does not render off-screen cells (CSS ``content-visibility: auto``) and
    sizes them by estimate, so cells scrolled past take their real height and can push
    the target out of view again: scroll until it stays, then wait for two frames.
    """
    from playwright.sync_api import expect

    for _ in range(5):
        if at_top:
            locator.evaluate("element => element.scrollIntoView({block: 'start'})")
        else:
            locator.scroll_into_view_if_needed()
        try:
            expect(locator).to_be_in_viewport(timeout=3_000)
            break
        except AssertionError:
            continue
    expect(locator).to_be_in_viewport()
    locator.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return locator


def question(page: Page, question_id: str) -> Locator:
    """The widget of one course question, found by the id its prompt shows."""
    return notebook_panel(page).locator(f".mlteam-question.mlteam-q-{question_id}")


def feedback(box: Locator) -> Locator:
    """A question's feedback line (``QuestionBox.feedback``: the box's last-but-one child)."""
    return box.locator(":scope > .widget-html:nth-last-child(2)")


# --------------------------------------------------------------------------- themes and what a reader sees

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
THEME_PLUGIN = "@jupyterlab/apputils-extension:themes"


def choose_theme(page: Page, name: str) -> None:
    """Settings ▸ Theme ▸ NAME, and wait until JupyterLab has switched."""
    from playwright.sync_api import expect

    if page.locator("body").get_attribute("data-jp-theme-name") == name:
        return
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.get_by_role("menuitem", name=name, exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", name)
    # JupyterLab covers the page with its splash screen while it loads the theme.
    expect(page.locator("#jupyterlab-splash")).to_have_count(0)


#: Words a person would not say: a name_with_underscores (a question id, an option's key, a
#: column of a data frame), pandas' NaN, a Python list of numbers, a "(question ...)" reference.
_MACHINE_WORDS = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b|\bNaN\b|\[\d+(?:\.\d+)?(?:, \d+(?:\.\d+)?)+\]|\(question ")


def machine_words(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The words in ``text`` that come from code rather than from a person (``allowed`` ones aside).

    >>> machine_words("p_on_time is NaN for [240, 210], Waterfall: 18% on time (question q1_x)")
    ['p_on_time', 'NaN', '[240, 210]', '(question ', 'q1_x']
    >>> machine_words("Open ex01_how_ml_projects_differ.", allowed=("ex01_how_ml_projects_differ",))
    []
    """
    return [word for word in _MACHINE_WORDS.findall(text) if word not in allowed]


_CLIPPED_SELECTS = """root => {
    const canvas = document.createElement('canvas').getContext('2d');
    return [...root.querySelectorAll('.jp-OutputArea-output select')].flatMap(select => {
        if (select.multiple || select.size > 1 || !select.offsetWidth) { return []; }
        const style = getComputedStyle(select);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        // Room for text: the box less its padding and the arrow (about 1.5 em).
        const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
                     - 1.5 * parseFloat(style.fontSize);
        return [...select.options].filter(option => canvas.measureText(option.text).width > room)
                                  .map(option => option.text);
    });
}"""


def clipped_options(scope: Locator) -> list[str]:
    """The options of the drop-downs in ``scope``'s outputs whose text does not fit the closed drop-down."""
    return scope.evaluate(_CLIPPED_SELECTS)


def scrolls_sideways(locator: Locator) -> bool:
    """Whether ``locator`` (an output, say) holds more than its width shows (a reader must scroll)."""
    return locator.evaluate(
        "element => [element, ...element.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1"
        " && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))"
    )
