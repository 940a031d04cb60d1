"""Hidden cases are drawn values only; judging gives the case a step fails on its hints, as eager drawing would.

Most tests judge reports made here (what the worker would send), with a plan
of one step and no stored cases, so that the hidden cases are the ones
judged; the last grades a planted bug with a real worker.
"""

import contextlib

import numpy as np
import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.cases import Case  # noqa: E402
from autograder.official.judging import plan as plans  # noqa: E402
from autograder.official.judging.judge import judge  # noqa: E402
from autograder.official.judging.plan import Plan, handin_jobs, make_plan  # noqa: E402
from autograder.official.judging.reports import Record, decode_record  # noqa: E402
from autograder.official.worker import wire  # noqa: E402
from autograder.oracles import hints_wanted, load_oracles, values_only  # noqa: E402
from autograder.report import headline_text, message_lines  # noqa: E402
from autograder.results import Status  # noqa: E402
from autograder.rubric import load_rubric  # noqa: E402
from autograder.steps import JobKind, all_steps, case_steps  # noqa: E402
from tests.mutants import hint_lines  # noqa: E402
from tests.official_setup import in_process_grader, with_change, worker_uid  # noqa: E402
from tests.test_official_judge import grade  # noqa: E402

SECRET = b"a secret for the hint tests"
FILES = {"mytorch/linear.py": "# a submission\n"}
STEPS = all_steps()
ORACLES = load_oracles()


def plan_of(step_id: str, per_spec: int = 2) -> Plan:
    """A plan grading one step on hidden cases only."""
    rubric = [e for e in load_rubric() if e.id == step_id]
    return Plan(rubric, {step_id: STEPS[step_id]}, {step_id: []}, dict(ORACLES), {}, SECRET, per_spec, {}, {}, 2.0)


def eager(case: Case, step_id: str) -> Case:
    """The same case drawn with hints: the oracle's full result on its inputs."""
    return Case.from_oracle(case.kind, case.index, case.desc, case.inputs, ORACLES[step_id](case.inputs), case.batch)


def reports(outputs: list[dict[str, np.ndarray]]) -> dict[int, Record]:
    """What the worker would report for each job: these outputs."""
    return {n: decode_record(JobKind.CASE, *wire.encode_case(out, {}, None, [])) for n, out in enumerate(outputs)}


def buggy_reports(step_id: str, cases: list[Case]) -> tuple[dict[int, Record], str]:
    """-> reports right up to the first case where a known bug shows, that bug's output there; and its hint."""
    step = STEPS[step_id]
    for j, case in enumerate(eager(c, step_id) for c in cases):
        for key, tags in case.alternatives.items():
            for tag, alt in tags.items():
                if tag in step.bugs and not np.allclose(alt, case.expected[key], rtol=1e-3, atol=1e-3):
                    outputs = [c.expected for c in cases[:j]] + [{**case.expected, key: alt}]
                    return reports(outputs), step.bugs[tag]
    raise AssertionError(f"no hidden case of {step_id} shows a known bug")


@pytest.mark.parametrize("step_id", sorted(case_steps()))
def test_hidden_cases_are_drawn_without_hints_and_hinted_gives_the_eager_case(step_id):
    plan = plan_of(step_id, per_spec=1)
    cases, jobs = handin_jobs(plan, FILES)
    assert len(jobs) == len(cases[step_id]) == len(STEPS[step_id].specs)
    for case in cases[step_id]:
        assert case.hints_pending and case.alternatives == {} and case.trace == {}
        with values_only():  # hints are computed whatever mode the judging thread is in
            hinted = plan.hinted(step_id, case)
        full = eager(case, step_id)
        assert not hinted.hints_pending and hinted.expected is case.expected
        assert hinted.alternatives.keys() == full.alternatives.keys()
        for key, tags in full.alternatives.items():
            assert tags.keys() == hinted.alternatives[key].keys()
            assert all(np.array_equal(hinted.alternatives[key][t], a, equal_nan=True) for t, a in tags.items())
        assert hinted.trace.keys() == full.trace.keys()
        assert all(np.array_equal(hinted.trace[k], v, equal_nan=True) for k, v in full.trace.items())
        assert all(np.array_equal(case.expected[k], v, equal_nan=True) for k, v in full.expected.items())


def test_an_honest_handin_never_computes_hints(monkeypatch):
    plan = plan_of("gru_backward")
    asked = []
    monkeypatch.setattr(Plan, "hinted", lambda self, step_id, case: asked.append(case) or case)
    cases, jobs = handin_jobs(plan, FILES)
    (result,) = judge(plan, cases, jobs, reports([c.expected for c in cases["gru_backward"]]))
    assert result.status is Status.PASSED and headline_text(result.headline) == (
        "passed 0 stored cases and 16 hidden cases"
    )
    assert asked == [] and all(c.hints_pending and c.alternatives == {} for c in cases["gru_backward"])


@pytest.mark.parametrize("step_id", ["gru_backward", "ctc_forward", "lstm_backward", "char_rnn_backward"])
def test_a_known_bug_on_a_hidden_case_gets_the_hint_eager_hints_give(step_id):
    plan = plan_of(step_id)
    cases, jobs = handin_jobs(plan, FILES)
    records, sentence = buggy_reports(step_id, cases[step_id])
    (lazy,) = judge(plan, cases, jobs, records)
    (eagerly,) = judge(plan, {step_id: [eager(c, step_id) for c in cases[step_id]]}, jobs, records)
    assert lazy.status is eagerly.status is Status.FAILED
    assert "hidden case" in headline_text(lazy.headline) and message_lines(lazy) == message_lines(eagerly)
    assert [f"hint: {sentence}"] == hint_lines("\n".join(message_lines(lazy)))


def test_hints_that_cannot_be_computed_cost_only_the_hint(monkeypatch):
    plan = plan_of("gru_backward")
    cases, jobs = handin_jobs(plan, FILES)
    records, sentence = buggy_reports("gru_backward", cases["gru_backward"])
    (eagerly,) = judge(plan, {"gru_backward": [eager(c, "gru_backward") for c in cases["gru_backward"]]}, jobs,
                       records)
    real = plan.oracles["gru_backward"]

    def fails_with_hints(inputs):
        if hints_wanted():
            raise MemoryError
        return real(inputs)

    plan.oracles["gru_backward"] = fails_with_hints
    (result,) = judge(plan, cases, jobs, records)
    assert result.status is Status.FAILED and headline_text(result.headline) == headline_text(eagerly.headline)
    assert hint_lines("\n".join(message_lines(result))) == [] and sentence not in "\n".join(message_lines(result))


def test_a_planted_bug_caught_by_a_hidden_case_reads_as_with_eager_hints(monkeypatch):
    """A real worker runs a handin with a known gru_backward bug; the public cases are left out so that a hidden
    case catches it."""
    plan = make_plan(SECRET, per_spec=1, timeout=5.0)
    plan.rubric = [e for e in plan.rubric if e.id == "gru_backward"]
    plan.stored["gru_backward"] = []
    files = with_change("mytorch/gru_cell.py", "d_z = delta * (h_tilda - h)", "d_z = delta * (h - h_tilda)")
    grader = in_process_grader(plan, first_uid=worker_uid(30))
    try:
        lazy = grade(grader, files)["gru_backward"]
    finally:
        grader.close()
    # Drawn with hints, as before: nothing is left to compute when judging (patched before the drawing
    # processes are forked, so that they draw that way too).
    monkeypatch.setattr(plans, "values_only", contextlib.nullcontext)
    monkeypatch.setattr(Plan, "hinted", lambda self, step_id, case: case)
    grader = in_process_grader(plan, first_uid=worker_uid(30))
    try:
        eagerly = grade(grader, files)["gru_backward"]
    finally:
        grader.close()
    status, points, message = lazy
    assert status == "failed" and points == 0 and message.startswith("GRUCell.backward, hidden case 1 (")
    assert lazy == eagerly
    assert hint_lines(message) == [f"hint: {STEPS['gru_backward'].bugs['z_sign_flipped']}"]
