"""Judging cases: typed verdicts from what student code produced, case kinds, swaps, locators."""

import numpy as np

from autograder.cases import Case, CaseKind
from autograder.findings import Cause, Location
from autograder.isolation import CodeError, ErrorKind
from autograder.judging import judge_case, judge_step
from autograder.produced import Produced
from autograder.report import detail_lines, headline_text, hint_line
from autograder.results import Status
from autograder.rubric import RubricEntry
from autograder.steps import Cases, Output, Outputs, Step
from autograder.steps._module import ACCUMULATION_BUGS
from autograder.tolerance import DEFAULT, Tolerance

ENTRY = RubricEntry("s", 5, "mytorch/thing.py", "Thing", ())


Y_AND_Z = (Output("y"), Output("z"))


def make_step(locate=None, tolerance=DEFAULT, outputs=Y_AND_Z) -> Step:
    return Step("s", "Thing.forward", Cases((), lambda rng, spec: {}), lambda i, o: None, outputs,
                locate=locate, tolerance=tolerance, bugs=ACCUMULATION_BUGS)


def case(kind=CaseKind.STORED, index=1, **alternatives) -> Case:
    return Case(kind, index, "tiny", {}, {"y": np.ones(2), "z": np.ones(2)}, alternatives=alternatives)


def produced(y, z=None, error=None, warnings=()) -> Produced:
    out = Outputs(y=y)
    if z is not None:
        out["z"] = z
    return Produced(out, error, list(warnings))


def test_passing_case_has_no_verdict_and_a_mismatch_names_case_and_tensor():
    step = make_step()
    assert judge_case(step, case(), produced(np.ones(2), np.ones(2))) is None
    verdict = judge_case(step, case(CaseKind.LIVE, 3), produced(np.zeros(2), np.zeros(2)))
    assert verdict.status is Status.FAILED
    assert headline_text(verdict.headline) == "Thing.forward, live torch case 3 (tiny): y"
    assert any("all zeros" in line for line in detail_lines(verdict.details))
    assert detail_lines(verdict.details)[-1] == "  also wrong in this case: z"


def test_the_step_tolerance_decides():
    loose = make_step(tolerance=Tolerance(1e-2, 0.0))
    near = produced(np.ones(2) * 1.001, np.ones(2))
    assert judge_case(loose, case(), near) is None
    assert judge_case(make_step(), case(), near).status is Status.FAILED


def test_alternatives_are_fields_that_name_the_bug():
    verdict = judge_case(make_step(), case(y={"last_call_only": np.full(2, 0.5)}),
                         produced(np.full(2, 0.5), np.ones(2)))
    assert "accumulate (+=)" in detail_lines(verdict.details)[-1]


def test_returned_values_in_swapped_places_are_named():
    returned = make_step(outputs=(Output("y", position=0, returns="y"), Output("z", position=1)))
    swapped_case = Case(CaseKind.STORED, 1, "tiny", {}, {"y": np.ones(2), "z": np.arange(3.0)})
    verdict = judge_case(returned, swapped_case, produced(np.arange(3.0), np.ones(2)))
    assert detail_lines(verdict.details)[-2:] == [
        "  hint: y and z are returned in each other's places: Thing.forward returns (y, z), in that order",
        "  also wrong in this case: z"]
    # Without positions (not a returned tuple), nothing is said about order.
    plain = judge_case(make_step(), swapped_case, produced(np.arange(3.0), np.ones(2)))
    assert "each other's places" not in " ".join(detail_lines(plain.details))


def test_errors_keep_their_kind():
    step = make_step()
    stub = CodeError(ErrorKind.NOT_IMPLEMENTED, "s: Thing.forward is not implemented yet")
    verdict = judge_case(step, case(), produced(np.ones(2), error=stub))
    assert (verdict.status, headline_text(verdict.headline), detail_lines(verdict.details)) == (Status.NOT_IMPLEMENTED,
                                                                                 stub.headline, [])
    slow = judge_case(step, case(), produced(np.ones(2), error=CodeError(ErrorKind.TIMED_OUT, "timed out after 1 s")))
    assert slow.status is Status.TIMED_OUT and headline_text(slow.headline) == (
        "Thing.forward, case 1 (tiny): timed out after 1 s"
    )
    crash = CodeError(ErrorKind.EXCEPTION, "ValueError: bad", ["mytorch/thing.py:3 in forward"])
    assert judge_case(step, case(), produced(np.ones(2), error=crash)).status is Status.ERROR
    # A wrong output produced before the crash is the root cause, so it leads.
    verdict = judge_case(step, case(), produced(np.zeros(2), error=crash))
    assert verdict.status is Status.FAILED and headline_text(verdict.headline).endswith(": y")
    assert "  then it raised: ValueError: bad" in detail_lines(verdict.details)


def test_a_locator_that_cannot_read_the_student_values_leaves_the_verdict_alone():
    def locate(case, outputs, tolerance):
        raise TypeError("the recorded call holds a list, not an array")

    verdict = judge_case(make_step(locate), case(), produced(np.zeros(2), np.ones(2)))
    assert headline_text(verdict.headline) == "Thing.forward, case 1 (tiny): y"
    assert "all zeros" in detail_lines(verdict.details)[-1]


def test_a_locator_reads_records_and_the_tolerance():
    seen = {}

    def locate(case, outputs, tolerance):
        seen.update(records=outputs.records, tolerance=tolerance)
        return Location(("first mismatch at time step 2",))

    out = Outputs(y=np.zeros(2), z=np.ones(2))
    out.records["calls"] = [1, 2]
    verdict = judge_case(make_step(locate, Tolerance(1e-3, 1e-9)), case(), Produced(out))
    assert detail_lines(verdict.details)[-1] == "  first mismatch at time step 2"
    assert seen == {"records": {"calls": [1, 2]}, "tolerance": Tolerance(1e-3, 1e-9)}


def test_judge_step_counts_cases_by_kind_and_notes_warnings_of_a_passing_step():
    cases = [case(CaseKind.STORED, 1), case(CaseKind.STORED, 2), case(CaseKind.LIVE, 1), case(CaseKind.HIDDEN, 1),
             case(CaseKind.HIDDEN, 2)]
    warned = "numpy warned: RuntimeWarning: overflow encountered in exp (mytorch/a.py:3)"
    good = produced(np.ones(2), np.ones(2), warnings=[warned])
    result = judge_step(make_step(), ENTRY, cases, lambda i, c: good)
    assert result.passed and result.points == 5 and result.cases_checked == 5
    assert headline_text(result.headline) == "passed 2 stored cases and 1 live torch case and 2 hidden cases"
    assert detail_lines(result.details) == [
        "note: numpy warned: RuntimeWarning: overflow encountered in exp (mytorch/a.py:3)"]
    asked = []
    bad = judge_step(make_step(), ENTRY, cases, lambda i, c: asked.append(i) or produced(np.zeros(2), np.ones(2)))
    assert bad.status is Status.FAILED and bad.points == 0 and asked == [0]


def test_the_verdict_keeps_the_failure_as_data():
    verdict = judge_case(make_step(), case(CaseKind.HIDDEN, 2, y={"last_call_only": np.full(2, 0.5)}),
                         produced(np.full(2, 0.5), np.ones(2)))
    failure = verdict.failure
    assert (failure.case, failure.case_kind, failure.output, failure.cause) == ("hidden case 2", "hidden",
                                                                               "Thing.forward: y", None)
    [hint] = failure.hints
    assert hint.tags == ("last_call_only",) and "  " + hint_line(hint) in detail_lines(verdict.details)
    # Swapped return values: the swap is the hint, in the message and in the data.
    returned = make_step(outputs=(Output("y", position=0), Output("z", position=1)))
    swapped = judge_case(returned, Case(CaseKind.STORED, 1, "tiny", {}, {"y": np.ones(2), "z": np.arange(3.0)}),
                         produced(np.arange(3.0), np.ones(2)))
    assert [h.tags for h in swapped.failure.hints] == [("swapped_returns",)]
    assert sum(line.strip().startswith("hint:") for line in detail_lines(swapped.details)) == 1
    # Code that did not finish: no output compared, the grader's cause kept.
    crash = Produced(Outputs(), CodeError(ErrorKind.EXCEPTION, "stopped"), cause=Cause.OVER_BUDGET)
    stopped = judge_case(make_step(), case(), crash).failure
    assert stopped.output == "" and stopped.hints == () and stopped.cause is Cause.OVER_BUDGET
    result = judge_step(make_step(), ENTRY, [case()], lambda i, c: produced(np.zeros(2), np.ones(2)))
    assert result.failure.output == "Thing.forward: y" and result.failure.hints[0].tags == ("all_zeros",)
