"""File modes that keep learners out of what the instructor's commands write.

On a shared machine (the course hub) learners are Unix users beside the grader. The
instructor's course folder is closed to them (``make hub-course``), and the writers keep
them out by themselves too, so a folder opened by mistake still leaks nothing:

* :func:`keep_learners_out` sets the process's umask to leave other users no bit at all
  (``027``): folders and files that ``grade``, ``feedback``, ``export``, ``report``,
  ``certificate`` and ``nbgrader collect`` create (and the nbgrader steps they run) are for
  the grader and, at most, the course folder's group (an instructors' group);
* :func:`keep_to_owner` makes a file the grader's alone (``0600``): an SQLite gradebook
  holds every learner's grades and submissions;
* :func:`readable_by` gives one other user, a learner, read access to a file of the
  grader's (a POSIX ACL; others get nothing): the feedback page released to that learner.

Where nbgrader sets modes itself (``permissions``: autograded copies ``444``, feedback
``644``), the course's ``nbgrader_config.py`` sets them without the bits for other users.

>>> import tempfile
>>> page = Path(tempfile.mkdtemp()) / "page.html"
>>> _ = page.write_text("feedback")
>>> page.chmod(0o644)
>>> keep_to_owner(page), oct(page.stat().st_mode & 0o777)
(True, '0o600')
"""

from __future__ import annotations

import errno
import os
import pwd
import stat
import struct
from pathlib import Path

__all__ = ["INSTRUCTOR_UMASK", "AclUnsupported", "keep_learners_out", "keep_to_owner", "readable_by"]

#: No bit for other users; the group (the course folder's, an instructors' group) may read.
INSTRUCTOR_UMASK = 0o027

# The Linux kernel's POSIX ACL extended attribute (linux/posix_acl_xattr.h).
_ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_READ, _WRITE = 4, 2


class AclUnsupported(OSError):
    """The file system (or the platform) has no POSIX ACLs."""


def keep_learners_out() -> int:
    """Take every bit for other users out of this process's umask (and its children's); the old umask.

    >>> previous = keep_learners_out()
    >>> current = os.umask(previous); _ = keep_learners_out()
    >>> oct(current & 0o007), os.umask(previous) & 0o007 == 0o007
    ('0o7', True)
    """
    previous = os.umask(INSTRUCTOR_UMASK)
    os.umask(previous | INSTRUCTOR_UMASK)
    return previous


def keep_to_owner(path: Path) -> bool:
    """Make ``path`` readable and writable by its owner alone, if it is this user's and wider.

    Returns whether the file now is the owner's alone (False: missing, a link, or another
    user's, left as it was).
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        return False
    if info.st_mode & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
    return True


def _acl_bytes(owner_perms: int, reader_uid: int) -> bytes:
    """The xattr value of the ACL ``user::<owner_perms>,user:<reader_uid>:r--,group::---,mask::r--,other::---``.

    >>> _acl_bytes(6, 1001).hex()
    '0200000001000600ffffffff02000400e903000004000000ffffffff10000400ffffffff20000000ffffffff'
    """
    entries = [(_USER_OBJ, owner_perms, _NO_ID), (_USER, _READ, reader_uid), (_GROUP_OBJ, 0, _NO_ID),
               (_MASK, _READ, _NO_ID), (_OTHER, 0, _NO_ID)]
    return struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", tag, perms, uid) for tag, perms, uid in entries)


def readable_by(path: Path, user: str) -> bool:
    """Let ``user`` alone, besides the owner, read ``path``: mode ``0640`` whose group bits are an ACL mask.

    The owning group gets nothing; the other users nothing. Returns False, changing nothing,
    when ``user`` is no Unix user here (a course whose learner ids are not accounts). Raises
    :class:`AclUnsupported`, changing nothing, where the file system has no POSIX ACLs.
    """
    try:
        reader = pwd.getpwnam(user)
    except KeyError:
        return False
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"not a plain file: {path}")
    owner_perms = (info.st_mode >> 6) & (_READ | _WRITE)
    if reader.pw_uid == info.st_uid:
        path.chmod(owner_perms << 6)
        return True
    # Setting the ACL sets the mode bits with it (the group bits become the mask), in one step.
    setxattr = getattr(os, "setxattr", None)
    if setxattr is None:
        raise AclUnsupported(errno.ENOTSUP, "this platform has no POSIX ACLs")
    try:
        setxattr(path, _ACL_XATTR, _acl_bytes(owner_perms, reader.pw_uid), follow_symlinks=False)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            raise AclUnsupported(error.errno, f"the file system of {path} has no POSIX ACLs") from error
        raise
    return True
