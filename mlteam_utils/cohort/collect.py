"""``nbgrader collect`` that trusts nothing a learner put in the exchange.

Every learner may write to the exchange's ``inbound`` folder. nbgrader's own
collect (0.9.6) takes a hand-in's learner id from the folder's *name* and only
warns when the folder belongs to another Unix user; it copies the folder with
``shutil.copytree``, which follows symbolic links as the instructor; it stops the
whole run at the first entry it cannot copy (a FIFO) or a name whose time it cannot
read; and it believes the ``timestamp.txt`` the learner wrote. So one learner could
hand in work as another (a newer, forged hand-in replaces the real one), make the
instructor copy a file only the instructor can read (``solutions/``, another
learner's submission) into their own hand-in, stop the cohort's collection, or
back-date a late hand-in.

:class:`SafeExchangeCollect` is selected in the course's ``nbgrader_config.py``
(``c.ExchangeFactory.collect``), so ``nbgrader collect``, the formgrader's
*Collect* button and ``NbGraderAPI.collect`` all use it. It:

* refuses a hand-in whose folder belongs to a Unix user other than the learner it
  names (the collecting user's own hand-ins are accepted: a single-machine course,
  where the instructor hands in on the learners' behalf), *before* choosing each
  learner's latest, so a forged newer hand-in cannot hide the real one;
* refuses an entry that is not a plain folder (a link to ``solutions/ex01``) or
  whose name carries no readable time;
* copies only plain files and folders (``lstat``, ``O_NOFOLLOW``, ``O_NONBLOCK``:
  see :mod:`mlteam_utils.safe_files`); links, FIFOs, sockets, devices and
  hard links stay in the exchange and are named;
* dates a hand-in by the later of what the learner wrote (the folder's name,
  ``timestamp.txt``) and the last time its files changed (their *ctime*, which no
  user can set back), less a grace for slow copies and clock skew;
* collects everyone it can, names each hand-in it could not collect, and then
  exits with status 1 so that the instructor looks.

On Kubernetes no Unix account names a learner: KubeSpawner runs each learner's pod as the uid
:mod:`mlteam_utils.hub.learner_uids` gives their hub name, and with
``c.SafeExchangeCollect.learner_uids_from_names = True`` the owner check compares a hand-in's
owner with that uid (deploy/kubernetes/README.md). A site where every learner runs as the same
Unix user cannot tell learners apart by owner: it turns the check off with nbgrader's own
``c.ExchangeCollect.check_owner = False`` and is told so once per run.

Where each part lives: the hand-in checks in :mod:`mlteam_utils.grading.hand_ins`; what replaces
nbgrader's own collect steps in :mod:`mlteam_utils.upstream.exchange_collect` (with the upstream
behaviour it relies on); the hub's learner uids here.
"""


from __future__ import annotations

from collections.abc import Callable

from traitlets import Bool

from mlteam_utils.grading.hand_ins import (
    LEARNER_ID,
    NBGRADER_TIME_FORMAT,
    TIMESTAMP_FILE_BYTES,
    HandIn,
    hand_in_time,
    last_change,
    latest_hand_ins,
    owner_problem,
    read_hand_in,
)
from mlteam_utils.upstream.exchange_collect import SafeExchangeCollectBase

__all__ = [
    "LEARNER_ID",
    "NBGRADER_TIME_FORMAT",
    "TIMESTAMP_FILE_BYTES",
    "HandIn",
    "SafeExchangeCollect",
    "hand_in_time",
    "last_change",
    "latest_hand_ins",
    "owner_problem",
    "read_hand_in",
]


class SafeExchangeCollect(SafeExchangeCollectBase):
    """nbgrader's collect for a course whose learners may be hostile (see the module's notes)."""

    learner_uids_from_names = Bool(
        False,
        help="Learners have no Unix accounts here (Kubernetes): a hand-in must belong to the uid that "
             "mlteam_utils.hub.learner_uids gives the learner it names, as KubeSpawner did (with the overrides "
             "file named by MLTEAM_LEARNER_UID_OVERRIDES).",
    ).tag(config=True)

    def learner_uid_lookup(self) -> Callable[[str], int] | None:
        if not self.learner_uids_from_names:
            return None
        from mlteam_utils.hub.learner_uids import LearnerUidError, LearnerUids

        try:
            return LearnerUids.load().uid_of
        except LearnerUidError as error:
            self.fail(str(error))
            raise  # fail() raises; this keeps the type checker informed
