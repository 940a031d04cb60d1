"""What official grading writes: gradebook rows, Autolab's line, visibility of hidden-case failures."""

import json

from autograder.cases import CaseKind
from autograder.findings import Check, Headline, HeadlineKind, Mismatch
from autograder.official.judging.outputs import autolab_line, feedback_text, gradebook_csv, results_json
from autograder.results import Status, StepResult


def results() -> list[StepResult]:
    return [StepResult("a", 5.0, 5, Status.PASSED, Headline(HeadlineKind.PASSED, cases=((CaseKind.STORED, 3),))),
            StepResult("b", 0.0, 10, Status.FAILED,
                       Headline(HeadlineKind.WRONG, "y", "B.forward", "hidden case 2", "batch 3"),
                       [Mismatch(Check.VALUES, (3,), mismatched=1, total=3)])]


def test_gradebook_rows_are_sorted():
    rows = {n: [StepResult("a", p, 5, Status.PASSED if p == 5 else Status.FAILED)]
            for n, p in (("zoe", 5.0), ("amy", 2.5))}
    assert gradebook_csv(rows) == "handin,total,max,a\namy,2.5,5,2.5\nzoe,5,5,5\n"


def test_autolab_line_has_the_scores_and_optionally_a_scoreboard():
    assert json.loads(autolab_line(results(), False)) == {"scores": {"a": 5.0, "b": 0.0}}
    assert json.loads(autolab_line(results(), True))["scoreboard"] == [5.0, 5.0, 0.0]


def test_hidden_case_failures_get_the_visibility_asked_for():
    data = results_json(results(), 1.0, {"b"}, "after_published")
    assert [t.get("visibility") for t in data["tests"]] == [None, "after_published"]
    assert "visibility" not in json.dumps(results_json(results(), 1.0, {"b"}, None))


def test_feedback_is_the_runners_text_report():
    text = feedback_text("alice", results())
    assert text.startswith("official grading of alice\n")
    assert "--- b: FAIL\nB.forward, hidden case 2" in text and "total" in text
