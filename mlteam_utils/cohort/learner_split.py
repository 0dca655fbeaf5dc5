"""Which learners one ``mlteam-course grade`` run grades: all, some by name, or one share of the cohort.

Several graders (machines, or terminals) can grade one course at once on a PostgreSQL
gradebook. Each takes its part of the cohort:

* ``--shard K/N``: learner ids are split into N shares by a stable hash of the id, and this
  run grades share K. Every grader names the same N and its own K (``1/2`` on one machine,
  ``2/2`` on the other): no list to keep, and a learner who joins later falls into exactly one
  share. The hash is SHA-256, so the split is the same on every machine and every Python.
* ``--learner ID`` (repeatable): only these learners, e.g. to regrade two resubmissions.
* or split by assignment: name the assignments (``grade ex01_... ex02_...``) on each grader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


class LearnerSplitError(ValueError):
    """A ``--shard`` or ``--learner`` value that cannot be used."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N), with 1 <= K <= N.

    >>> parse_shard("2/3")
    (2, 3)
    >>> parse_shard("3/2")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.learner_split.LearnerSplitError: --shard takes K/N with 1 <= K <= N, e.g. 1/2 on one grader and 2/2 on the other; got '3/2'
    """
    share, _, count = text.partition("/")
    try:
        k, n = int(share), int(count)
    except ValueError:
        k, n = 0, 0
    if not 1 <= k <= n:
        raise LearnerSplitError(f"--shard takes K/N with 1 <= K <= N, e.g. 1/2 on one grader and 2/2 on the other; got {text!r}")
    return k, n


def parse_shard_index(text: str) -> tuple[int, int]:
    """``"I/N"``, counted from 0 (a Kubernetes Indexed Job's ``JOB_COMPLETION_INDEX``) -> the share (I+1, N).

    >>> parse_shard_index("0/3"), parse_shard_index("2/3")
    ((1, 3), (3, 3))
    >>> parse_shard_index("3/3")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.learner_split.LearnerSplitError: --shard-index takes I/N with 0 <= I < N, counted from 0 as a Kubernetes Indexed Job numbers its pods (0/2 and 1/2); got '3/3'
    >>> parse_shard_index("$(JOB_COMPLETION_INDEX)/3")
    Traceback (most recent call last):
    ...
    mlteam_utils.cohort.learner_split.LearnerSplitError: --shard-index takes I/N with 0 <= I < N, counted from 0 as a Kubernetes Indexed Job numbers its pods (0/2 and 1/2); got '$(JOB_COMPLETION_INDEX)/3'
    """
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i, n = -1, 0
    if not 0 <= i < n:
        raise LearnerSplitError(
            "--shard-index takes I/N with 0 <= I < N, counted from 0 as a Kubernetes Indexed Job numbers its pods "
            f"(0/2 and 1/2); got {text!r}"
        )
    return i + 1, n


def shard_of(student: str, count: int) -> int:
    """The share (1..count) a learner id falls into; the same on every machine.

    >>> shard_of("ada", 2) == shard_of("ada", 2), 1 <= shard_of("ada", 5) <= 5
    (True, True)
    >>> shard_of("ada", 1)
    1
    """
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass(frozen=True)
class LearnerFilter:
    """The learners a run grades: those named (if any) and in its share (if any).

    >>> everyone = LearnerFilter()
    >>> everyone.accepts("ada"), LearnerFilter(learners=frozenset({"bob"})).accepts("ada")
    (True, False)
    >>> halves = [LearnerFilter(shard=(k, 2)) for k in (1, 2)]
    >>> [sum(half.accepts(s) for half in halves) for s in ["ada", "bob", "cy", "dee"]]
    [1, 1, 1, 1]
    """

    learners: frozenset[str] | None = None
    shard: tuple[int, int] | None = None

    @classmethod
    def from_options(cls, learners: Iterable[str] | None, shard: str | None, shard_index: str | None = None) -> LearnerFilter:
        """The filter of ``grade``'s options; ``--shard K/N`` and ``--shard-index K-1/N`` are the same share.

        >>> LearnerFilter.from_options(None, None, "0/2") == LearnerFilter.from_options(None, "1/2")
        True
        """
        named = frozenset(learners) if learners else None
        if shard and shard_index:
            raise LearnerSplitError("give --shard K/N (from 1) or --shard-index I/N (from 0), not both")
        if shard_index:
            return cls(named, parse_shard_index(shard_index))
        return cls(named, parse_shard(shard) if shard else None)

    def accepts(self, student: str) -> bool:
        if self.learners is not None and student not in self.learners:
            return False
        return self.shard is None or shard_of(student, self.shard[1]) == self.shard[0]

    def describe(self) -> str:
        """What the filter keeps, for the closing summary ("" when it keeps everyone).

        >>> LearnerFilter(frozenset({"bob", "ada"}), (1, 2)).describe()
        'learners ada, bob; share 1/2 of the cohort'
        """
        parts = []
        if self.learners is not None:
            parts.append("learners " + ", ".join(sorted(self.learners)))
        if self.shard is not None:
            parts.append(f"share {self.shard[0]}/{self.shard[1]} of the cohort")
        return "; ".join(parts)
