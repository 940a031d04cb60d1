"""Drawing hidden cases in a process per slot: the same cases as drawing them in the grader, and never stuck."""

import os
import signal
import time

import numpy as np
import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.drawing import Drawer
from autograder.official.plan import make_plan

STREAM = 12345


@pytest.fixture(scope="module")
def plan():
    return make_plan(b"a secret for the drawing tests", per_spec=1)


def _same(a, b):
    assert a.keys() == b.keys()
    for step in a:
        assert [c.label for c in a[step]] == [c.label for c in b[step]], step
        for x, y in zip(a[step], b[step]):
            assert x.hints_pending and y.hints_pending and not x.alternatives and not x.trace
            for got, want in ((x.inputs, y.inputs), (x.expected, y.expected)):
                assert got.keys() == want.keys()
                assert all(np.array_equal(got[k], want[k]) for k in got), (step, x.label)


def test_a_drawer_gives_the_cases_the_grader_would_draw(plan):
    drawer = Drawer(plan)
    try:
        _same(drawer.draw(STREAM), plan.draw_hidden(STREAM))
        assert drawer.draw(STREAM + 1).keys() == plan.draw_hidden(STREAM).keys()
    finally:
        drawer.close()


def test_a_drawer_whose_process_died_draws_in_the_thread(plan):
    drawer = Drawer(plan)
    try:
        os.kill(drawer._proc.pid, signal.SIGKILL)
        drawer._proc.join()
        _same(drawer.draw(STREAM), plan.draw_hidden(STREAM))
    finally:
        drawer.close()


def test_closing_ends_each_drawer_at_once_whichever_was_forked_later(plan):
    first, second = Drawer(plan), Drawer(plan)  # the second holds a copy of the first one's pipe end
    started = time.monotonic()
    first.close()
    assert not first._proc.is_alive() and time.monotonic() - started < 3
    second.close()
    assert not second._proc.is_alive()


def test_an_oracle_that_fails_says_so(plan, monkeypatch):
    def broken(inputs):
        raise ValueError("no such thing")

    monkeypatch.setitem(plan.oracles, "linear_forward", broken)
    drawer = Drawer(plan)  # forked with the broken oracle
    try:
        with pytest.raises(RuntimeError, match="hidden cases could not be drawn: ValueError: no such thing"):
            drawer.draw(STREAM)
    finally:
        drawer.close()
