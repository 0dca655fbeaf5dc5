"""One Unix uid per learner on Kubernetes, the same at every start, for KubeSpawner and for the grader.

Zero to JupyterHub runs every learner's pod as uid 1000. nbgrader's exchange and the course's
collect (:mod:`mlteam_utils.cohort.collect`) tell learners apart by who owns a hand-in, so with
one shared uid any learner could hand in as another. Here each hub user gets a uid of their own:
KubeSpawner's ``uid``, ``gid`` and ``fs_gid`` take :func:`kubespawner_uid` (a callable of the
spawner, evaluated at each start), and the grader's collect checks a hand-in's owner against
:meth:`LearnerUids.uid_of` of the learner its folder names.

**Why a hash of the hub user name, not the user's row id in the hub's database.** The id is
unique, but two things rule it out:

* the grader must know the uid of the learner a hand-in names, to check its owner; it runs in a
  pod of its own, without the hub's database, and has only the name (the hand-in folder's);
* the id is stable only while the hub's database lives: a rebuilt database numbers users
  afresh, and SQLite (Zero to JupyterHub's default hub database) gives a deleted newest user's
  id to the next user created (its ``users.id`` has no ``AUTOINCREMENT``), so a learner could
  come back under another learner's uid and own that learner's files in the exchange.

The name is what the authenticator gives at every login, so its hash is the same after a
restart of the pod, of the hub, or a rebuilt hub database. **Collisions**: two names may hash to
one uid; among *n* hub users that happens with a probability of about n²/(2·:data:`UID_COUNT`)
(1,000 users: 0.03 %; 10,000: 2.5 %). They are never silent: at each start the callable looks
at every hub user created before this one (the hub's database is at hand there), and if one of
them has the same uid the start is refused, the earlier user keeping it. An administrator then
gives the later user a uid of their own in the overrides file (JSON ``{"name": uid}``), which the
hub and the grader both read (:data:`OVERRIDES_ENV`; deploy/kubernetes/README.md).

>>> uids = LearnerUids({"bob": 1_500_000_000})
>>> uids.uid_of("bob"), uids.uid_of("ada") == hashed_uid("ada"), UID_FIRST <= hashed_uid("ada") <= UID_LAST
(1500000000, True, True)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The learners' uids, inclusive: above the uids of system users, of people on the nodes
#: (useradd: 1000-59999), of nobody (65534), of the sandbox a root grader runs learner code in
#: (mlteam_utils/grading/sandbox.py: 131072 to 8519679) and of the first subordinate ranges
#: (100000 and up, one 65536 block per node user), and below Kubernetes' limit for
#: ``runAsUser`` (2^31 - 1).
UID_FIRST = 10_000_000
UID_LAST = 2_009_999_999
UID_COUNT = UID_LAST - UID_FIRST + 1
#: The environment variable naming the overrides file; without it, :data:`DEFAULT_OVERRIDES`.
OVERRIDES_ENV = "MLTEAM_LEARNER_UID_OVERRIDES"
#: Where deploy/kubernetes mounts the ConfigMap ``mlteam-learner-uids`` in the hub and the grader.
DEFAULT_OVERRIDES = "/etc/mlteam/learner-uids/overrides.json"


class LearnerUidError(ValueError):
    """A learner cannot be given a uid of their own (a bad overrides file, or a collision)."""


def hashed_uid(name: str) -> int:
    """The uid a hub user name hashes to: SHA-256, the same on every machine and Python.

    >>> hashed_uid("ada") == hashed_uid("ada") != hashed_uid("Ada")
    True
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return UID_FIRST + int.from_bytes(digest[:8], "big") % UID_COUNT


@dataclass(frozen=True)
class LearnerUids:
    """The learners' uids: each name's hash, unless the overrides give it another."""

    overrides: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, uid in self.overrides.items():
            if isinstance(uid, bool) or not isinstance(uid, int) or not UID_FIRST <= uid <= UID_LAST:
                raise LearnerUidError(f"the uid override of {name!r} must be a whole number from {UID_FIRST} to {UID_LAST}, not {uid!r}")
        owners: dict[int, str] = {}
        for name, uid in sorted(self.overrides.items()):
            if uid in owners:
                raise LearnerUidError(f"the uid overrides give {owners[uid]!r} and {name!r} the same uid {uid}")
            owners[uid] = name

    @classmethod
    def from_json(cls, text: str, source: str = "the uid overrides") -> LearnerUids:
        """Overrides from JSON text: an object of user name -> uid.

        >>> LearnerUids.from_json('{"bob": 1500000000}').overrides
        {'bob': 1500000000}
        >>> LearnerUids.from_json('["bob"]')
        Traceback (most recent call last):
        ...
        mlteam_utils.hub.learner_uids.LearnerUidError: the uid overrides must be a JSON object of user name -> uid, e.g. {"bob": 1500000000}
        """
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as error:
            raise LearnerUidError(f"{source} is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise LearnerUidError(f'{source} must be a JSON object of user name -> uid, e.g. {{"bob": 1500000000}}')
        return cls(data)

    @classmethod
    def load(cls, path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> LearnerUids:
        """The overrides at ``path`` (by default :data:`OVERRIDES_ENV`, else :data:`DEFAULT_OVERRIDES`).

        A file that does not exist means no overrides: a learner who needs one then collides,
        and is refused by the hub and by the grader's owner check alike, never mistaken for another.

        >>> LearnerUids.load("/nonexistent/overrides.json").overrides
        {}
        """
        where = Path(path or (environ if environ is not None else os.environ).get(OVERRIDES_ENV) or DEFAULT_OVERRIDES)
        try:
            text = where.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as error:
            raise LearnerUidError(f"cannot read the uid overrides {where}: {error.strerror}") from error
        return cls.from_json(text, str(where))

    def uid_of(self, name: str) -> int:
        """The uid of hub user ``name``."""
        override = self.overrides.get(name)
        return override if override is not None else hashed_uid(name)

    def earlier_owner(self, name: str, earlier: Iterable[str]) -> str | None:
        """Which of the ``earlier`` users (created before ``name``) already has ``name``'s uid, if any.

        >>> ada = hashed_uid("ada")
        >>> LearnerUids({"bob": ada}).earlier_owner("bob", ["ada", "cy"])
        'ada'
        >>> LearnerUids().earlier_owner("bob", ["ada", "cy"]) is None
        True
        """
        uid = self.uid_of(name)
        return next((other for other in earlier if other != name and self.uid_of(other) == uid), None)


def kubespawner_uid(spawner: Any) -> int:
    """KubeSpawner's ``uid`` (and ``gid``, ``fs_gid``): the uid of the spawner's hub user.

    KubeSpawner calls it at each start with the spawner (``spawner.user`` is JupyterHub's
    user, whose ``orm_user`` is its row in the hub's database and ``db`` that database's
    session). Refuses the start when a hub user created earlier has the same uid, naming that
    user only in the hub's log (the learner sees that an administrator must act).
    """
    uids = LearnerUids.load()
    user = spawner.user
    orm_user = user.orm_user
    users = type(orm_user)  # the hub's users table (jupyterhub.orm.User), without importing JupyterHub here
    earlier = (name for (name,) in user.db.query(users.name).filter(users.id < orm_user.id).order_by(users.id))
    owner = uids.earlier_owner(orm_user.name, earlier)
    if owner is not None:
        uid = uids.uid_of(orm_user.name)
        spawner.log.error(f"hub user {orm_user.name!r} has uid {uid}, which {owner!r} (an earlier hub user) has: "
                          f"give {orm_user.name!r} another uid in {os.environ.get(OVERRIDES_ENV) or DEFAULT_OVERRIDES}")
        raise LearnerUidError(
            f"no Unix uid of your own could be given to {orm_user.name!r}: another user of this hub has the same one. "
            "An administrator must give you another (the hub's log says which user; deploy/kubernetes/README.md)."
        )
    return uids.uid_of(orm_user.name)
