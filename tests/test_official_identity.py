"""Worker identities: everything a uid started ends, whatever session it moved to, and its files go."""

import os
import subprocess
import time
from pathlib import Path

from autograder.official.confine.identity import Identity, kill_all, processes_of, remove_leftovers, wait_reaped
from tests.official_setup import needs_root, worker_python, worker_uid

UID = worker_uid(170)


@needs_root
def test_kill_all_ends_every_process_of_the_uid_and_remove_leftovers_its_files():
    identity = Identity(UID, UID, worker_python())
    marker = Path(f"/tmp/rnn-identity-test-{os.getpid()}")
    code = ("import os, time\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            f"        open({str(marker)!r}, 'w').write('x')\n        time.sleep(60)\n    os._exit(0)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([identity.python, "-I", "-c", code], cwd="/", start_new_session=True,
                            **identity.popen_args())
    # Generous deadlines: on a loaded machine starting Python takes seconds. Waiting for the marker too: the
    # grandchild writes it only after it was forked, and killing it before that would leave nothing to remove.
    deadline = time.monotonic() + 120
    while not (marker.exists() and len(processes_of(UID)) == 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(processes_of(UID)) == 2 and marker.exists()
    kill_all(identity)
    proc.wait()
    wait_reaped(identity, timeout=60)
    assert processes_of(UID) == [] and processes_of(UID, zombies=True) == []
    assert marker.exists() and marker.stat().st_uid == UID
    remove_leftovers(identity)
    assert not marker.exists()


def test_a_trial_identity_is_not_official_and_runs_as_the_grader():
    trial = Identity(None, None, "/usr/bin/python3")
    assert not trial.official and trial.popen_args() == {}
    kill_all(trial)  # nothing to do: the grader's own processes are never signalled by uid


def test_each_test_file_takes_worker_uids_no_other_file_takes():
    # Files run at once in one run (pytest-xdist workers steal tests from each other's files): two files with
    # the same offset would grade as the same uid, and kill_all of one would end the other's workers.
    import re

    from tests.tree import REPO

    owner: dict[int, str] = {}
    for path in sorted((REPO / "tests").glob("test_official_*.py")):
        for offset in {int(n) for n in re.findall(r"worker_uid\((\d+)\)", path.read_text())}:
            assert owner.setdefault(offset, path.name) == path.name, (offset, owner[offset], path.name)
    assert len(owner) > 10
