"""Running untrusted code: values, errors, time limits and warnings come back as an Outcome."""

import threading
import time
import warnings

import numpy as np

from autograder.isolation import ErrorKind, run_isolated


def test_value_comes_back():
    assert run_isolated(lambda: 42, timeout=1).value == 42


def test_exception_becomes_a_message():
    def boom():
        raise ValueError("shapes (2,3) and (2,3) not aligned\nmore detail")

    outcome = run_isolated(boom, timeout=1)
    assert outcome.error.headline == "ValueError: shapes (2,3) and (2,3) not aligned"


def test_not_implemented_and_exit_are_named():
    def stub():
        raise NotImplementedError("rnn_forward: RNNCell.forward is not implemented yet")

    stubbed = run_isolated(stub, timeout=1).error
    assert stubbed.kind is ErrorKind.NOT_IMPLEMENTED
    assert stubbed.lines() == ["rnn_forward: RNNCell.forward is not implemented yet"]
    exited = run_isolated(lambda: exit(3), timeout=1).error
    assert exited.kind is ErrorKind.EXCEPTION and "exit(3)" in exited.headline

    def bare():
        raise NotImplementedError

    def own_words():
        raise NotImplementedError("TODO later")

    assert run_isolated(bare, timeout=1).error.headline == "not implemented yet (NotImplementedError)"
    assert run_isolated(own_words, timeout=1).error.headline == "not implemented yet: TODO later"


def spin():
    while True:
        pass


def test_endless_loop_times_out_in_the_main_thread():
    start = time.perf_counter()
    outcome = run_isolated(spin, timeout=0.3)
    assert "timed out after 0.3 s" in outcome.error.headline
    assert time.perf_counter() - start < 5


def test_endless_loop_times_out_where_no_alarm_can_be_used():
    # Off the main thread SIGALRM is unavailable, as on platforms without it: the call is abandoned.
    released = threading.Event()

    def spin_until_released():
        while not released.is_set():
            pass

    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("outcome", run_isolated(spin_until_released, 0.3)))
    worker.start()
    worker.join(10)
    released.set()  # let the abandoned loop end, so it does not keep a core busy for later tests
    assert not worker.is_alive()
    assert "timed out after 0.3 s" in box["outcome"].error.headline


def test_a_timeout_cannot_be_swallowed_by_except_exception():
    def stubborn():
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - what careless student code does
                pass

    assert "timed out" in run_isolated(stubborn, timeout=0.3).error.headline


def test_numpy_warnings_are_collected_only_from_student_files():
    def noisy():
        with np.errstate(over="warn"):
            return np.exp(np.array([1000.0]))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may escape run_isolated
        outcome = run_isolated(noisy, timeout=1)
    assert outcome.error is None and np.isinf(outcome.value[0])
    assert outcome.warnings == []  # raised from this test file, which is not a student file


def test_hostile_exceptions_are_described_without_raising():
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def raise_it():
        raise Unprintable()

    assert run_isolated(raise_it, timeout=1).error.headline == "Unprintable: <Unprintable that cannot be shown>"

    def huge():
        raise ValueError("x" * 100_000)

    assert len(run_isolated(huge, timeout=1).error.headline) < 400


def test_timeout_0_is_no_limit_in_any_thread():
    box = {}

    def slow() -> str:
        time.sleep(0.2)
        return "done"

    thread = threading.Thread(target=lambda: box.update(outcome=run_isolated(slow, 0)))
    thread.start()
    thread.join()
    assert box["outcome"].value == "done" and box["outcome"].error is None
    assert run_isolated(slow, 0).value == "done"
