"""The course map, read from ``course/syllabus.toml``.

The syllabus is defined once; the start page renders it and the tests check the
files against it.

>>> syllabus = load_syllabus()
>>> first = syllabus.modules[0]
>>> first.lesson_path.as_posix(), first.exercise_id
('lessons/01_how_ml_projects_differ.ipynb', 'ex01_how_ml_projects_differ')
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mlteam_utils.paths import SYLLABUS_RELATIVE_PATH, find_course_root

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
STATUSES = ("available", "planned")


class SyllabusError(ValueError):
    """The syllabus file is missing a field or has an invalid value."""


@dataclass(frozen=True)
class Module:
    """One module: a lesson notebook and its graded exercise."""

    number: int
    slug: str
    title: str
    minutes: int
    exercise_minutes: int
    status: str
    objectives: tuple[str, ...]
    #: grade_id of each graded question of the exercise -> the objective it assesses (its text).
    question_objectives: tuple[tuple[str, str], ...] = ()

    def objective_of(self, grade_id: str) -> str | None:
        """The objective a graded question assesses, or None if the syllabus does not say.

        >>> load_syllabus().module(1).objective_of("q1_crisp_dm_loops")
        "Point out where CRISP-DM's feedback loops send a project back, and why"
        """
        return dict(self.question_objectives).get(grade_id)

    @property
    def lesson_name(self) -> str:
        """File stem of the lesson, e.g. ``01_how_ml_projects_differ``."""
        return f"{self.number:02d}_{self.slug}"

    @property
    def exercise_id(self) -> str:
        """nbgrader assignment id, e.g. ``ex01_how_ml_projects_differ``."""
        return f"ex{self.number:02d}_{self.slug}"

    @property
    def lesson_path(self) -> Path:
        """Lesson notebook, relative to the course root."""
        return Path("lessons") / f"{self.lesson_name}.ipynb"

    @property
    def solution_path(self) -> Path:
        """Instructor notebook (nbgrader source), relative to the course root."""
        return Path("solutions") / self.exercise_id / f"{self.exercise_id}.ipynb"

    @property
    def exercise_path(self) -> Path:
        """Learner notebook (nbgrader release), relative to the course root."""
        return Path("exercises") / self.exercise_id / f"{self.exercise_id}.ipynb"

    @property
    def available(self) -> bool:
        return self.status == "available"


@dataclass(frozen=True)
class CompletionRules:
    """What completing a module and the course means (``[completion]`` in the syllabus).

    ``modules`` is ``"all"`` (every available module) or the module numbers a
    learner must complete; ``late_pass_counts`` says whether a pass handed in
    after the due date completes a module.
    """

    modules: str | tuple[int, ...] = "all"
    late_pass_counts: bool = True


def _completion_from_table(table: object, modules: tuple[Module, ...], source: Path) -> CompletionRules:
    """Validate ``[completion]``; a bad rule is a :class:`SyllabusError` naming the field.

    >>> mods = load_syllabus().modules
    >>> _completion_from_table({"modules": [1, 2], "late_pass_counts": False}, mods, Path("s.toml"))
    CompletionRules(modules=(1, 2), late_pass_counts=False)
    >>> _completion_from_table({"modules": [1, 99]}, mods, Path("s.toml"))
    Traceback (most recent call last):
    ...
    mlteam_utils.syllabus.SyllabusError: s.toml: [completion] modules must be "all" or a list of available module numbers; 99 is not one (available: 1-10)
    """
    if not isinstance(table, dict):
        raise SyllabusError(f"{source}: [completion] must be a table")
    unknown = sorted(set(table) - {"modules", "late_pass_counts", "module", "course"})
    if unknown:
        raise SyllabusError(f"{source}: [completion] has unknown field(s) {', '.join(unknown)} (known: modules, late_pass_counts)")
    # "module" and "course" only document the rule for readers of the file; they must say what the code does.
    if table.get("module", "exercise passed") != "exercise passed":
        raise SyllabusError(f"{source}: [completion] module must be \"exercise passed\" (the only rule the course implements), got {table['module']!r}")
    available = [m.number for m in modules if m.available]
    span = f"{available[0]}-{available[-1]}" if available else "none"
    wanted = table.get("modules", "all")
    if wanted != "all":
        if not isinstance(wanted, list) or not wanted:
            raise SyllabusError(f'{source}: [completion] modules must be "all" or a non-empty list of module numbers, got {wanted!r}')
        for number in wanted:
            if not isinstance(number, int) or isinstance(number, bool) or number not in available:
                raise SyllabusError(
                    f'{source}: [completion] modules must be "all" or a list of available module numbers; {number!r} is not one (available: {span})'
                )
        wanted = tuple(sorted(set(wanted)))
    late = table.get("late_pass_counts", True)
    if not isinstance(late, bool):
        raise SyllabusError(f"{source}: [completion] late_pass_counts must be true or false, got {late!r}")
    return CompletionRules(modules=wanted, late_pass_counts=late)


@dataclass(frozen=True)
class Syllabus:
    """The whole course map."""

    title: str
    audience: str
    modules: tuple[Module, ...]
    source: Path
    #: An exercise is passed with this share (in %) of the points that need no code.
    pass_percent: float = 60.0
    #: What the policy on code questions says, for learners (README, start page, selfgrade).
    passing_rule: str = ""
    #: What "module completed" and "course completed" mean (``[completion]``).
    completion: CompletionRules = dataclasses.field(default_factory=lambda: CompletionRules())
    #: Module number -> when its exercise is due (``[due]``, a site's: ``ex01 = 2027-01-15T17:00:00Z``).
    due_dates: tuple[tuple[int, datetime], ...] = ()

    def due_date(self, number: int) -> datetime | None:
        """When module ``number``'s exercise is due, or None if the syllabus sets no date.

        >>> load_syllabus().due_date(1) is None
        True
        """
        return dict(self.due_dates).get(number)

    @property
    def required_modules(self) -> tuple[Module, ...]:
        """The modules a learner completes to complete the course (``[completion] modules``).

        >>> [m.number for m in load_syllabus().required_modules] == [m.number for m in load_syllabus().available_modules]
        True
        """
        wanted = self.completion.modules
        return tuple(m for m in self.available_modules if wanted == "all" or m.number in wanted)

    def completion_rule_text(self) -> str:
        """The completion rules in plain words, for the start page and the progress table.

        >>> print(load_syllabus().completion_rule_text())  # doctest: +ELLIPSIS
        A module is completed when you pass its exercise (60% of the points that need no code)...
        """
        rules = self.completion
        required = self.required_modules
        if rules.modules == "all":
            which = f"every available module ({len(required)})"
        else:
            which = "modules " + ", ".join(str(m.number) for m in required)
        late = ("A pass handed in after the due date counts (any late penalty of your instructor's is taken off first)."
                if rules.late_pass_counts else "A pass handed in after the due date does not count: hand in on time.")
        return (
            f"A module is completed when you pass its exercise ({self.pass_percent:g}% of the points that need no code); "
            f"its date is when you handed in (or self-graded) the passing version. "
            f"The course is completed when you have completed {which}, on the date the last of them was completed. "
            f"{late} The lesson's knowledge checks count toward your progress, not toward completion: try them all."
        )

    def pass_mark(self, points_without_code: float) -> float:
        """The points that pass an exercise whose questions that need no code are worth ``points_without_code``.

        Code questions are optional extras: their points count when earned, but the
        pass mark is reached without them.

        >>> load_syllabus().pass_mark(12)
        7.2
        """
        return round(points_without_code * self.pass_percent / 100, 2)

    @property
    def available_modules(self) -> tuple[Module, ...]:
        return tuple(m for m in self.modules if m.available)

    def module(self, number: int) -> Module:
        """The module with this number.

        >>> load_syllabus().module(1).title
        'How ML projects differ from Waterfall and Agile'
        """
        for module in self.modules:
            if module.number == number:
                return module
        raise KeyError(f"no module {number} in {self.source}")

    def as_markdown_table(self, link_prefix: str = "../") -> str:
        """A Markdown table of the course map, with links relative to ``link_prefix``.

        An exercise's link reads as a person says it ("Exercise 1"), not as its file is named.

        >>> table = load_syllabus().as_markdown_table().splitlines()
        >>> print(table[0])
        | Module | Lesson | Exercise | Time | You will be able to |
        >>> "| [Exercise 1](../exercises/ex01_how_ml_projects_differ/ex01_how_ml_projects_differ.ipynb) |" in table[2]
        True
        """
        rows = [
            "| Module | Lesson | Exercise | Time | You will be able to |",
            "|---|---|---|---|---|",
        ]
        for m in self.modules:
            if m.available:
                lesson = f"[{m.title}]({link_prefix}{m.lesson_path.as_posix()})"
                exercise = f"[Exercise {m.number}]({link_prefix}{m.exercise_path.as_posix()})"
            else:
                lesson = f"{m.title} *(coming soon)*"
                exercise = "—"
            time = f"{m.minutes} + {m.exercise_minutes} min"
            objectives = "<br>".join(f"• {o}" for o in m.objectives)
            rows.append(f"| {m.number} | {lesson} | {exercise} | {time} | {objectives} |")
        return "\n".join(rows)


def _due_dates_from_table(table: object, modules: tuple[Module, ...], source: Path) -> tuple[tuple[int, datetime], ...]:
    """Validate ``[due]``: ``exNN = <date and time with its offset>`` for available modules.

    >>> from datetime import timezone
    >>> mods = load_syllabus().modules
    >>> _due_dates_from_table({"ex02": datetime(2027, 1, 15, 17, tzinfo=timezone.utc)}, mods, Path("s.toml"))
    ((2, datetime.datetime(2027, 1, 15, 17, 0, tzinfo=datetime.timezone.utc)),)
    >>> _due_dates_from_table({"ex02": datetime(2027, 1, 15, 17)}, mods, Path("s.toml"))
    Traceback (most recent call last):
    ...
    mlteam_utils.syllabus.SyllabusError: s.toml: [due] ex02 must be a date and time with its offset, e.g. 2027-01-15T17:00:00Z, got datetime.datetime(2027, 1, 15, 17, 0)
    """
    if not isinstance(table, dict):
        raise SyllabusError(f"{source}: [due] must be a table of exNN = date and time")
    available = {f"ex{m.number:02d}": m.number for m in modules if m.available}
    dates = []
    for key, when in table.items():
        if key not in available:
            raise SyllabusError(f"{source}: [due] {key} is not an available exercise (known: {', '.join(available)})")
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise SyllabusError(f"{source}: [due] {key} must be a date and time with its offset, e.g. 2027-01-15T17:00:00Z, got {when!r}")
        dates.append((available[key], when))
    return tuple(sorted(dates))


def _module_from_table(table: dict, index: int, source: Path) -> Module:
    where = f"{source}, module #{index + 1}"
    required = {
        "number": int,
        "slug": str,
        "title": str,
        "minutes": int,
        "exercise_minutes": int,
        "status": str,
        "objectives": list,
    }
    for field, kind in required.items():
        if field not in table:
            raise SyllabusError(f"{where}: missing field '{field}'")
        if not isinstance(table[field], kind) or isinstance(table[field], bool):
            raise SyllabusError(f"{where}: field '{field}' must be {kind.__name__}, got {table[field]!r}")
    if not SLUG_PATTERN.match(table["slug"]):
        raise SyllabusError(f"{where}: slug {table['slug']!r} must be lowercase letters, digits and _")
    if table["status"] not in STATUSES:
        raise SyllabusError(f"{where}: status must be one of {STATUSES}, got {table['status']!r}")
    if not 1 <= table["number"] <= 99:
        raise SyllabusError(f"{where}: number must be 1-99, got {table['number']}")
    if not table["objectives"] or not all(isinstance(o, str) and o for o in table["objectives"]):
        raise SyllabusError(f"{where}: objectives must be a non-empty list of sentences")
    mapping = table.get("question_objectives", {})
    if not isinstance(mapping, dict):
        raise SyllabusError(f"{where}: question_objectives must be a table of grade_id = objective number")
    question_objectives = []
    for grade_id, number in mapping.items():
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= len(table["objectives"]):
            raise SyllabusError(
                f"{where}: question_objectives.{grade_id} must be an objective number from 1 to {len(table['objectives'])}, got {number!r}"
            )
        question_objectives.append((grade_id, table["objectives"][number - 1]))
    return Module(
        number=table["number"],
        slug=table["slug"],
        title=table["title"],
        minutes=table["minutes"],
        exercise_minutes=table["exercise_minutes"],
        status=table["status"],
        objectives=tuple(table["objectives"]),
        question_objectives=tuple(question_objectives),
    )


#: A site's own course policy, beside the syllabus and ignored by git: what it sets wins.
SITE_SYLLABUS_NAME = "syllabus.site.toml"
#: The tables a site may set in it. ``[passing]`` is not one: every exercise states the pass mark
#: in its own text (tests/test_syllabus.py checks them), so changing it is a change to the course.
SITE_TABLES = ("completion", "due")


def site_syllabus_path(source: Path) -> Path:
    """The site's override of the syllabus ``source``: ``syllabus.site.toml`` in the same folder.

    >>> site_syllabus_path(Path("course/syllabus.toml")).as_posix()
    'course/syllabus.site.toml'
    """
    return source.with_name(SITE_SYLLABUS_NAME)


def _read_toml(source: Path) -> dict:
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SyllabusError(f"{source}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise SyllabusError(f"{source}: not valid TOML ({error})") from None


def merge_site_policy(data: dict, site: dict, site_source: Path) -> dict:
    """``data`` (the course's syllabus) with the site's tables laid over it, field by field.

    A site sets only the course policy of :data:`SITE_TABLES`; anything else is refused by name,
    so that a typo never passes silently.

    >>> merge_site_policy({"completion": {"modules": "all", "late_pass_counts": True}},
    ...                   {"completion": {"modules": [1, 2]}}, Path("s.toml"))["completion"]
    {'modules': [1, 2], 'late_pass_counts': True}
    >>> merge_site_policy({}, {"passing": {"percent": 50}}, Path("s.toml"))
    Traceback (most recent call last):
    ...
    mlteam_utils.syllabus.SyllabusError: s.toml: a site may set only [completion], [due], not [passing] (the pass mark is stated in every exercise's text: change it in course/syllabus.toml and the exercises)
    """
    merged = dict(data)
    for table, fields in site.items():
        if table not in SITE_TABLES:
            why = (" (the pass mark is stated in every exercise's text: change it in course/syllabus.toml and the exercises)"
                   if table == "passing" else "")
            raise SyllabusError(f"{site_source}: a site may set only {', '.join(f'[{t}]' for t in SITE_TABLES)}, not [{table}]{why}")
        if not isinstance(fields, dict):
            raise SyllabusError(f"{site_source}: [{table}] must be a table")
        merged[table] = {**merged.get(table, {}), **fields}
    return merged


def load_syllabus(path: Path | str | None = None) -> Syllabus:
    """Read and validate the syllabus (default: the course's ``course/syllabus.toml``).

    A site's ``syllabus.site.toml`` beside it, if there is one, sets the site's own course policy
    (:func:`merge_site_policy`); it is ignored by git, so a ``git pull`` of the course never
    conflicts with it.
    """
    source = Path(path) if path is not None else find_course_root() / SYLLABUS_RELATIVE_PATH
    data = _read_toml(source)
    site_source = site_syllabus_path(source)
    site = _read_toml(site_source) if site_source.is_file() else {}
    data = merge_site_policy(data, site, site_source)
    tables = data.get("module")
    if not isinstance(tables, list) or not tables:
        raise SyllabusError(f"{source}: needs at least one [[module]] table")
    modules = tuple(_module_from_table(t, i, source) for i, t in enumerate(tables))
    numbers = [m.number for m in modules]
    if numbers != list(range(1, len(modules) + 1)):
        raise SyllabusError(f"{source}: modules must be numbered 1..{len(modules)} in order, got {numbers}")
    passing = data.get("passing", {})
    if not isinstance(passing, dict):
        raise SyllabusError(f"{source}: [passing] must be a table")
    pass_percent = passing.get("percent", 60)
    if isinstance(pass_percent, bool) or not isinstance(pass_percent, (int, float)) or not 0 < pass_percent <= 100:
        raise SyllabusError(f"{source}: [passing] percent must be a number from 1 to 100, got {pass_percent!r}")
    return Syllabus(
        title=str(data.get("title", "")),
        audience=str(data.get("audience", "")),
        modules=modules,
        source=source,
        pass_percent=float(pass_percent),
        passing_rule=str(passing.get("rule", "")),
        # An error in the rules a site set names the site's file, where it is to be mended.
        completion=_completion_from_table(data.get("completion", {}), modules, site_source if "completion" in site else source),
        due_dates=_due_dates_from_table(data.get("due", {}), modules, site_source if "due" in site else source),
    )
