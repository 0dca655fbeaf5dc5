"""Lay out a course folder for the hub: the instructor's clone closed, a learners' copy beside it.

``make hub-course COURSE_DIR=DIR GRADER=USER REPO=URL`` runs this file as root. It

1. clones ``REPO`` (the course's *private* repository: it holds ``solutions/``) as the
   grader account into ``DIR``, or keeps the clone that is already there (the grader pulls
   updates), and closes it: owner the grader, group ``INSTRUCTORS_GROUP`` (default: the
   grader's own group), folders ``2750``, files ``0640`` (``0750`` if executable; never more
   than they were), nothing for other users. ``.git``, ``solutions/``, ``tests/fixtures/``, ``course/`` (submissions,
   autograded copies with the hidden tests, feedback, reports, the roster, the gradebook) and
   ``course/nbgrader_site_config.py`` are inside, so no learner reaches any of them. git
   keeps the objects it writes later at ``0640`` (``core.sharedRepository``); an SQLite
   gradebook and the certificate key stay ``0600``, the grader's alone;
2. with ``HUB_SETTINGS``, writes the site's ``course/nbgrader_site_config.py`` (the shared
   exchange and the gradebook) into that clone, checking that the settings name this
   folder and this grader;
3. builds the **learners' copy** (``LEARNER_DIR``, default ``DIR-learners``; the hub's
   ``learner_course_root``): only what a learner opens, the start page, the syllabus, the
   lessons and the released exercises (``LEARNER_FILES``), as tracked by git in the clone,
   with no ``.git``: no key, no hidden test, no history that holds them. Owner root,
   folders ``0755``, files ``0644``. It is rebuilt at each run, so run the command again
   after ``git pull`` and ``mlteam-course release`` in the clone;
4. prints the permissions it left (path, owner, group, mode).

Linux only, as root (it makes files for another user and runs ``git`` as that user with
``runuser``). Python's standard library only: run it with any ``python3``.
"""

from __future__ import annotations

import argparse
import fnmatch
import grp
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: What learners get, relative to the clone: the start page, the syllabus (the workspace and
#: the progress table read it), the learner's Lab settings, the lessons and the release.
#: ``nbgrader_config.py`` is there because a folder without it is not a course folder
#: (mlteam_utils.paths); it names no secret.
LEARNER_FILES = ("nbgrader_config.py", "course/index.ipynb", "course/syllabus.toml", "course/jupyterlab",
                 "lessons", "exercises")
#: Never in the learners' copy, whatever the list above comes to hold: keys, answers, feedback pages.
NEVER_FOR_LEARNERS = ("*.key.json", "*.answers.json", "*.answers.json.*", "*.feedback.html", "solutions/*",
                      "tests/*", "course/submitted/*", "course/autograded/*", "course/feedback/*", "course/*.db")
#: Files of the instructor's course that only the grader reads, not even the instructors' group.
GRADER_ONLY = ("course/gradebook.db", "course/gradebook.db-journal", "course/gradebook.db-wal",
               "course/certificate.key")
SITE_CONFIG = Path("course") / "nbgrader_site_config.py"
#: The site's syllabus override (mlteam_utils.syllabus.SITE_SYLLABUS_NAME), untracked: copied for learners when present.
SITE_SYLLABUS = Path("course") / "syllabus.site.toml"


class LayoutError(RuntimeError):
    """Something the command cannot do; the message says what to do instead."""


@dataclass(frozen=True)
class Layout:
    course: Path
    learners: Path
    grader: pwd.struct_passwd
    group: grp.struct_group
    repo: str
    settings_file: Path | None = None
    #: The hub's settings (hub_settings.HubSettings) read from ``settings_file``.
    settings: Any = None


# --------------------------------------------------------------------------- helpers


def as_grader(layout: Layout, *command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``command`` as the grader account, with its home (git reads its config and keys there)."""
    environment = {"HOME": layout.grader.pw_dir, "USER": layout.grader.pw_name, "LOGNAME": layout.grader.pw_name,
                   "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return subprocess.run(["runuser", "-u", layout.grader.pw_name, "--", "env", "-i",
                           *[f"{key}={value}" for key, value in environment.items()], *command],
                          cwd=cwd or "/", capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)


def checked(done: subprocess.CompletedProcess[str], what: str) -> str:
    if done.returncode != 0:
        raise LayoutError(f"{what} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def walk(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``root`` (``root`` included), never following a link."""
    yield root, root.lstat()
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(folder) / name
            yield path, path.lstat()


def private_mode(info: os.stat_result) -> int:
    """The mode of an entry in the instructor's course: the owner's bits, the group's read (and run), no more.

    Nothing is widened: what the group could not read (a roster written with umask 077) it
    still cannot; folders keep the setgid bit, so what is made in them later has the group too.

    >>> def mode(bits): return oct(private_mode(os.stat_result((bits,) + (0,) * 9)))
    >>> mode(0o100644), mode(0o100755), mode(0o100600), mode(0o100664)
    ('0o640', '0o750', '0o600', '0o640')
    >>> mode(0o40755), mode(0o40700), mode(0o40777)
    ('0o2750', '0o2700', '0o2750')
    """
    group = info.st_mode & 0o050
    return (0o2000 if stat.S_ISDIR(info.st_mode) else 0) | (info.st_mode & 0o700) | group


def grader_only(relative: str) -> bool:
    return relative in GRADER_ONLY


# --------------------------------------------------------------------------- the instructor's course


def clone(layout: Layout) -> bool:
    """Clone the repository as the grader into an empty, closed folder; False if a clone is there already."""
    course = layout.course
    if (course / ".git").is_dir():
        return False
    if course.exists() and (not course.is_dir() or any(course.iterdir())):
        raise LayoutError(f"{course} exists and is not a clone of the course: move it away, or name another COURSE_DIR")
    if not course.parent.is_dir():
        course.parent.mkdir(parents=True, mode=0o755)
    course.mkdir(mode=0o700, exist_ok=True)  # closed from its first moment
    os.chown(course, layout.grader.pw_uid, layout.group.gr_gid)
    course.chmod(0o2750)
    checked(as_grader(layout, "git", "clone", "--quiet", layout.repo, str(course)), f"git clone {layout.repo} as {layout.grader.pw_name}")
    return True


def close_course(layout: Layout) -> None:
    """Owner the grader, group the instructors', nothing for anyone else; git keeps it so."""
    checked(as_grader(layout, "git", "-C", str(layout.course), "config", "core.sharedRepository", "0640"),
            "git config core.sharedRepository")
    uid, gid = layout.grader.pw_uid, layout.group.gr_gid
    for path, info in walk(layout.course):
        os.chown(path, uid, gid, follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            continue
        relative = path.relative_to(layout.course).as_posix()
        path.chmod(info.st_mode & 0o600 if grader_only(relative) else private_mode(info))


def load_settings(settings_file: Path) -> Any:
    """The hub's settings from its file alone (hub_settings.py beside this file)."""
    spec = importlib.util.spec_from_file_location("hub_settings", HERE / "hub_settings.py")
    hub_settings = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["hub_settings"] = hub_settings
    spec.loader.exec_module(hub_settings)  # type: ignore[union-attr]
    environ = {key: value for key, value in os.environ.items() if not key.startswith(hub_settings.PREFIX)}
    environ[hub_settings.SETTINGS_FILE_VARIABLE] = str(settings_file)
    try:
        return hub_settings.HubSettings.load(environ)
    except hub_settings.HubSettingsError as error:
        raise LayoutError(str(error)) from error


def write_site_config(layout: Layout) -> str | None:
    """The site's nbgrader settings from HUB_SETTINGS into the clone; what happened, for the summary."""
    settings = layout.settings
    if settings is None:
        return None
    for name, here in (("course_root", layout.course), ("learner_course_root", layout.learners)):
        if Path(os.path.abspath(getattr(settings, name))) != here:
            raise LayoutError(f"{layout.settings_file} says {name} = {getattr(settings, name)!r}, not {str(here)!r}: "
                              f"make the two agree")
    if settings.grader_user != layout.grader.pw_name:
        raise LayoutError(f"{layout.settings_file} says grader_user = {settings.grader_user!r}, not GRADER={layout.grader.pw_name!r}")
    text = settings.nbgrader_site_config()
    target = layout.course / SITE_CONFIG
    note = f"{SITE_CONFIG}: written from {layout.settings_file}"
    if target.is_file() and not target.is_symlink():
        if target.read_text(encoding="utf-8") == text:
            return f"{SITE_CONFIG}: up to date with {layout.settings_file}"
        kept = target.with_name(f"{target.name}.before-{datetime.now():%Y%m%d-%H%M%S}")
        target.rename(kept)
        note += f" (the one before is kept as {kept.name})"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.chown(target, layout.grader.pw_uid, layout.group.gr_gid)
    return note


# --------------------------------------------------------------------------- the learners' copy


def learner_files(layout: Layout) -> list[str]:
    """The tracked files of ``LEARNER_FILES`` in the clone (relative paths); refuses any that must stay closed."""
    listed = checked(as_grader(layout, "git", "-C", str(layout.course), "ls-files", "-z", "--", *LEARNER_FILES),
                     "git ls-files")
    files = sorted(name for name in listed.split("\0") if name)
    # The site's own course policy (which modules, late passes) is the learners' to read too; git ignores it.
    if (layout.course / SITE_SYLLABUS).is_file():
        files.append(SITE_SYLLABUS.as_posix())
    leaks = [name for name in files if any(fnmatch.fnmatch(name, pattern) for pattern in NEVER_FOR_LEARNERS)]
    if leaks:
        raise LayoutError(f"the learners' copy would hold {', '.join(leaks)}: nothing was changed for learners")
    if "course/index.ipynb" not in files:
        raise LayoutError(f"{layout.course} has no course/index.ipynb tracked by git: is {layout.repo} this course's repository?")
    return files


def build_learner_copy(layout: Layout) -> int:
    """Write the learners' copy beside the old one, then put it in its place; the number of files."""
    files = learner_files(layout)
    target = layout.learners
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, mode=0o755)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for name in files:
            source, copy = layout.course / name, staging / name
            info = source.lstat()
            if not stat.S_ISREG(info.st_mode):
                raise LayoutError(f"{source} is not a plain file (a link?): the learners' copy holds plain files only")
            copy.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "rb") as reader, copy.open("wb") as writer:
                shutil.copyfileobj(reader, writer)
        for path, info in walk(staging):
            os.chown(path, 0, 0, follow_symlinks=False)
            path.chmod(0o755 if stat.S_ISDIR(info.st_mode) else 0o644)
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(files)


# --------------------------------------------------------------------------- the summary


def permission_rows(layout: Layout) -> list[tuple[str, str, str, str]]:
    """(path, owner, group, mode) of what the layout is about, as it now is on disk."""
    course, learners = layout.course, layout.learners
    paths = [course.parent, course, course / ".git", course / "solutions", course / "tests" / "fixtures",
             course / "course", course / SITE_CONFIG, course / "course" / "gradebook.db", learners,
             learners / "exercises", learners / "course" / "index.ipynb"]
    rows = []
    for path in paths:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        owner = pwd.getpwuid(info.st_uid).pw_name
        group = grp.getgrgid(info.st_gid).gr_name
        rows.append((str(path) + ("/" if stat.S_ISDIR(info.st_mode) else ""), owner, group, f"{stat.S_IMODE(info.st_mode):04o}"))
    return rows


def table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """Rows as an aligned text table.

    >>> print(table([("/srv/c/", "grader", "grader", "2750")]))
    path     owner   group   mode
    /srv/c/  grader  grader  2750
    """
    rows = [("path", "owner", "group", "mode"), *rows]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


# --------------------------------------------------------------------------- command line


def parse(argv: Sequence[str]) -> Layout:
    parser = argparse.ArgumentParser(prog="make hub-course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course-dir", required=True, help="the instructor's clone (the hub's course_root)")
    parser.add_argument("--grader", required=True, help="the Unix account that owns it and runs the formgrader")
    parser.add_argument("--repo", default="", help="the course's private repository, as the grader clones it")
    parser.add_argument("--instructors-group", default="", help="a Unix group that may read the course too")
    parser.add_argument("--learner-dir", default="", help="the learners' copy (default: the settings' learner_course_root, "
                                                          "else COURSE_DIR-learners)")
    parser.add_argument("--hub-settings", default="", help="the hub's settings file: writes course/nbgrader_site_config.py")
    args = parser.parse_args(argv)
    course = Path(os.path.abspath(args.course_dir))
    settings_file = Path(os.path.abspath(args.hub_settings)) if args.hub_settings else None
    settings = load_settings(settings_file) if settings_file else None
    learners = Path(os.path.abspath(args.learner_dir or (settings.learner_course_root if settings else f"{course}-learners")))
    if course == learners or course in learners.parents or learners in course.parents:
        raise LayoutError(f"LEARNER_DIR ({learners}) must be beside COURSE_DIR ({course}), not inside it or around it")
    try:
        grader = pwd.getpwnam(args.grader)
    except KeyError:
        raise LayoutError(f"no Unix user {args.grader!r}: create the grader account first (useradd --create-home "
                          f"-K HOME_MODE=0700 {args.grader})") from None
    try:
        group = grp.getgrnam(args.instructors_group) if args.instructors_group else grp.getgrgid(grader.pw_gid)
    except KeyError:
        raise LayoutError(f"no Unix group {args.instructors_group!r}: create it (groupadd) or leave INSTRUCTORS_GROUP empty") from None
    if not args.repo and not (course / ".git").is_dir():
        raise LayoutError(f"{course} is no clone yet: name the course's private repository, REPO=URL")
    return Layout(course=course, learners=learners, grader=grader, group=group, repo=args.repo, settings_file=settings_file,
                  settings=settings)


def main(argv: Sequence[str] | None = None) -> int:
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("runuser") is None:
        print("error: make hub-course runs as root on Linux (it needs runuser, from util-linux)", file=sys.stderr)
        return 2
    try:
        layout = parse(sys.argv[1:] if argv is None else argv)
        cloned = clone(layout)
        note = write_site_config(layout)
        close_course(layout)
        count = build_learner_copy(layout)
    except LayoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{layout.course}: {'cloned from ' + layout.repo if cloned else 'the clone that was there'}, "
          f"readable by {layout.grader.pw_name} and the group {layout.group.gr_name} only")
    if note:
        print(note)
    print(f"{layout.learners}: the learners' copy, {count} files (no .git, solutions/, tests/ or course/ runtime folders)")
    print()
    print(table(permission_rows(layout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
