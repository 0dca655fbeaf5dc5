"""The key that signs certificates: created once, mode 0600, read only as a plain file.

The instructor's key is ``course/certificate.key`` (git-ignored, never under
``exercises/`` or in feedback); a self-learner's is ``my-work/.mlteam-certificate.key``.
A key file that is a link, a pipe or anything but a plain file is refused, never followed.

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "certificate.key"
>>> key = load_or_create_key(path)
>>> len(key), oct(path.stat().st_mode & 0o777), load_or_create_key(path) == key
(32, '0o600', True)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from mlteam_utils.certificates import CertificateError

__all__ = ["COURSE_KEY", "SELF_KEY", "load_key", "load_or_create_key"]

COURSE_KEY = Path("course") / "certificate.key"
SELF_KEY = ".mlteam-certificate.key"
KEY_BYTES = 32


def load_key(path: Path) -> bytes:
    """The key at ``path``; :class:`CertificateError` when it is missing, not a plain file or damaged."""
    from mlteam_utils.safe_files import UnsafeEntry, read_regular_file

    try:
        data = read_regular_file(path, max_bytes=1024)
    except FileNotFoundError:
        raise CertificateError(f"no certificate key at {path}: no certificate was issued with this folder") from None
    except UnsafeEntry as error:
        raise CertificateError(f"the certificate key {path} is not a plain file ({error}); refusing to use it") from None
    key = bytes.fromhex(data.decode("ascii", "replace").strip()) if data.strip() else b""
    if len(key) != KEY_BYTES:
        raise CertificateError(f"the certificate key {path} is damaged (expected {KEY_BYTES} bytes in hex)")
    return key


def load_or_create_key(path: Path) -> bytes:
    """The key at ``path``, made (random, 0600, exclusive create) the first time."""
    if not os.path.lexists(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:  # made meanwhile by another run: use that one
            return load_key(path)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
        return key
    return load_key(path)
