"""Grading slots: a process per slot grades whole handins; the grader only hands out paths and collects grades."""

import os
import shutil
import signal

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.confine.identity import Identity
from autograder.official.confine.probe import Guarded
from autograder.official.judging.plan import make_plan
from autograder.official.judging.slots import Slots, SlotSpec, grade_batch
from autograder.official.judging.worker_folder import make_base
from autograder.report import headline_text
from tests.official_setup import (
    needs_root,
    pack,
    solution,
    torch_worker_python,
    with_change,
    worker_python,
    worker_uid,
)


@pytest.fixture
def slots(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    base = make_base()
    # Not probed: this repository may be readable by the worker uids (the probe tests grade private copies).
    specs = [SlotSpec(Identity(uid, uid, worker_python()), False, torch_worker_python(), base, out,
                      Guarded(None, out)) for uid in (worker_uid(420), worker_uid(421))]
    made = Slots(make_plan(b"a secret for the slot tests", per_spec=1, timeout=5.0), specs)
    yield made
    made.close()
    shutil.rmtree(base, ignore_errors=True)


@needs_root
@pytest.mark.slow
def test_slots_grade_whole_handins_and_write_their_results(slots, tmp_path):
    wrong = with_change("mytorch/linear.py", "self.dW += delta.T", "self.dW = delta.T")
    handins = [("alice", pack(tmp_path / "alice.tar", solution())), ("bob", pack(tmp_path / "bob.tar", wrong)),
               ("carol", pack(tmp_path / "carol.tar", solution()))]
    out = slots.specs[0].out
    graded = grade_batch(slots, handins, out)
    assert sorted(graded) == ["alice", "bob", "carol"]
    points = {name: sum(r.points for r in g.results) for name, g in graded.items()}
    top = sum(r.max_points for r in graded["alice"].results)
    assert points["alice"] == points["carol"] == top and points["bob"] < top
    assert "--- linear_backward: FAIL" in (out / "bob" / "feedback.txt").read_text()
    assert all((out / name / "results.json").is_file() for name in graded)
    assert (out / "gradebook.csv").read_text().splitlines()[1].startswith(f"alice,{top:g},{top:g}")
    assert slots.mode  # the confinement the slots used, for the summary line
    slots.close()
    assert len(slots.memory) == 2 and all(0 < m.own <= m.peak for m in slots.memory)
    # The slots share the batch's folder: no slot removes it (one that ended early would pull it from under
    # the others); the grader does, after them all.
    assert slots.specs[0].base.is_dir() and not any(slots.specs[0].base.iterdir())


@needs_root
@pytest.mark.slow
def test_a_slot_that_dies_costs_at_most_the_handin_it_held_and_the_batch_completes(slots, tmp_path):
    dead = slots._procs[1]
    os.kill(dead.pid, signal.SIGKILL)
    dead.join()
    handins = [(f"s{k}", pack(tmp_path / f"s{k}.tar", solution())) for k in range(3)]
    graded = grade_batch(slots, handins, slots.specs[0].out)
    assert sorted(graded) == ["s0", "s1", "s2"]
    top = sum(r.max_points for r in graded["s0"].results)
    lost = [n for n, g in graded.items() if sum(r.points for r in g.results) != top]
    assert len(lost) <= 1
    for name in lost:
        assert "it needs a regrade" in headline_text(graded[name].results[0].headline)
        assert "it needs a regrade" in (slots.specs[0].out / name / "feedback.txt").read_text()
    assert len((slots.specs[0].out / "gradebook.csv").read_text().splitlines()) == 4
