"""The answers file survives a killed writer and concurrent savers.

A writer process saves answers in a loop with a real AnswerSheet and is killed
with SIGKILL once it has confirmed a chosen number of saves: either straight away
(wherever the next save has got to) or while the next save is held inside one of
its ``fsync`` calls (the data written, the rename not yet done; or the rename
done, the folder not yet synced). The kill points are therefore inside the save
loop on any machine, however fast or slow the disk. After each kill the file must
be a complete document that read_answers_file accepts, holding every answer the
writer had reported as saved. Several sheets, in one process (threads) and in
several processes, saving different questions at once must lose nothing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mlteam_utils.answers import AnswersFileMissing, AnswerSheet, read_answers_file
from mlteam_utils.grading.settings import answers_filename

NOTEBOOK = "ex00_durability"
KILLS = 30

# Saves q0, q1, ... in order; after each save prints the index, so the test knows
# which saves completed before the kill. The value is large enough (about 40 KB per
# file) that a write is not a single instant. argv[4] and argv[5] say where to wait
# for the kill: after that many saves, at that fsync call (1 = the first) of the
# next save; 0 = do not wait. The wait is announced with "held", so the test kills
# a writer known to be mid-save, without guessing with a sleep.
WRITER = textwrap.dedent(
    """
    import os, sys, time
    from mlteam_utils.answers import AnswerSheet
    sheet = AnswerSheet(sys.argv[1], sys.argv[2])
    start, hold_after, hold_at_call = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    real_fsync, saves, calls = os.fsync, 0, 0
    def fsync(fd):
        global calls
        if saves == hold_after and hold_at_call:
            calls += 1
            if calls == hold_at_call:
                print("held", flush=True)
                time.sleep(600)  # until the test's SIGKILL
        real_fsync(fd)
    os.fsync = fsync
    print("ready", flush=True)
    for index in range(start, start + 100000):
        sheet.save(f"q{index % 40}", "single_choice", f"answer {index} " + "x" * 1000, True)
        saves += 1
        print(index, flush=True)
    """
)

SAVER = textwrap.dedent(
    """
    import sys
    from mlteam_utils.answers import AnswerSheet
    sheet = AnswerSheet(sys.argv[1], sys.argv[2])
    who, count = sys.argv[3], int(sys.argv[4])
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for index in range(count):
        sheet.save(f"{who}_q{index}", "numeric", index, True)
    """
)


def writer_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NBGRADER_EXECUTION", None)  # the sheet writes nothing while nbgrader grades
    return env


def test_a_writer_killed_at_random_points_never_leaves_a_torn_file(tmp_path: Path) -> None:
    # Where each kill lands: after 1 to 8 confirmed saves, and then at once (0) or
    # while the next save is held in its first or second fsync. Drawn from a fixed
    # seed, so a failure replays; no sleep decides it, so a slow disk changes nothing.
    rng = random.Random(20261120)
    path = tmp_path / answers_filename(NOTEBOOK)
    last_confirmed = -1
    held = 0
    for kill in range(KILLS):
        hold_after, hold_at_call = rng.randint(1, 8), rng.choice([0, 1, 2])
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, NOTEBOOK, str(tmp_path), str(last_confirmed + 1), str(hold_after), str(hold_at_call)],
            stdout=subprocess.PIPE,
            text=True,
            env=writer_environment(),
        )
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "ready"
            confirmed: list[int] = []
            while len(confirmed) < hold_after:
                line = writer.stdout.readline()
                assert line, f"kill {kill}: the writer stopped after {len(confirmed)} saves (exit status {writer.wait()})"
                confirmed.append(int(line))
            if hold_at_call:
                line = writer.stdout.readline().strip()
                assert line == "held", f"kill {kill}: save {hold_after + 1} finished without fsync call {hold_at_call}: not durable"
                held += 1
        finally:
            writer.send_signal(signal.SIGKILL)  # also when an assertion above failed: no writer left waiting
        output, _ = writer.communicate()
        assert writer.returncode == -signal.SIGKILL
        confirmed += [int(line) for line in output.split()]  # saves confirmed while the signal was on its way
        assert confirmed == list(range(last_confirmed + 1, last_confirmed + 1 + len(confirmed)))
        last_confirmed = confirmed[-1]

        try:
            answers = read_answers_file(path, notebook=NOTEBOOK)
        except AnswersFileMissing:
            pytest.fail(f"kill {kill}: the file vanished after {len(confirmed)} saves were confirmed")
        # Complete and current: the last confirmed save is there (or a later one of the same question).
        newest = answers[f"q{last_confirmed % 40}"]["value"]
        assert int(newest.split()[1]) >= last_confirmed, f"kill {kill}: a confirmed save was lost"
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(leftovers) <= 1, leftovers  # at most the one temp file of the killed save

    assert held >= KILLS // 2, "the fixed seed should hold most writers mid-save"
    # A new sheet still works after all that and cleans nothing it should not.
    sheet = AnswerSheet(NOTEBOOK, tmp_path)
    assert sheet.status_message is None
    assert sheet.save("final", "numeric", 1, True)
    assert read_answers_file(path, notebook=NOTEBOOK)["final"]["value"] == 1


def test_two_sheets_in_one_kernel_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    per_sheet = 60
    sheets = [AnswerSheet(NOTEBOOK, tmp_path), AnswerSheet(NOTEBOOK, tmp_path)]
    barrier = threading.Barrier(len(sheets))
    errors: list[BaseException] = []

    def save_all(index: int, sheet: AnswerSheet) -> None:
        try:
            barrier.wait()
            for n in range(per_sheet):
                sheet.save(f"widget{index}_q{n}", "numeric", n, True)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save_all, args=(i, s)) for i, s in enumerate(sheets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    answers = read_answers_file(tmp_path / answers_filename(NOTEBOOK), notebook=NOTEBOOK)
    assert sorted(answers) == sorted(f"widget{i}_q{n}" for i in range(len(sheets)) for n in range(per_sheet))


@pytest.mark.parametrize("savers", [2, 4])
def test_several_processes_saving_at_once_lose_nothing(tmp_path: Path, savers: int) -> None:
    per_process = 40
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, NOTEBOOK, str(tmp_path), f"kernel{i}", str(per_process)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=writer_environment(),
        )
        for i in range(savers)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        process.communicate(timeout=300)
        assert process.returncode == 0
    answers = read_answers_file(tmp_path / answers_filename(NOTEBOOK), notebook=NOTEBOOK)
    expected = {f"kernel{i}_q{n}" for i in range(savers) for n in range(per_process)}
    assert set(answers) == expected
    assert all(answers[f"kernel{i}_q{n}"]["value"] == n for i in range(savers) for n in range(per_process))
