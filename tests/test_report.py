"""The report: the terminal table and Gradescope's results.json from typed step results."""

import json

from autograder.cases import CaseKind
from autograder.findings import Check, Headline, HeadlineKind, Mismatch, Note, NoteKind
from autograder.report import failure_details, gradescope_json, table, write_json
from autograder.results import Status, StepResult


def results() -> list[StepResult]:
    return [
        StepResult("linear_forward", 5, 5, Status.PASSED, Headline(HeadlineKind.PASSED, cases=((CaseKind.STORED, 5),))),
        StepResult("rnn_backward", 0, 15, Status.FAILED,
                   Headline(HeadlineKind.WRONG, "dW_hh", "RNNCell.backward", "case 7", "batch 3"),
                   [Mismatch(Check.VALUES, (2, 2), mismatched=4, total=4)]),
        StepResult("gru_forward", 0, 15, Status.NOT_IMPLEMENTED,
                   Headline(HeadlineKind.STUB, "gru_forward: GRUCell.forward is not implemented yet")),
        StepResult("mc", 0, 10, Status.NOT_MARKED, Headline(HeadlineKind.WELL_FORMED, count=5, total=5)),
    ]


def test_table_shows_status_points_and_the_headline_of_what_failed():
    lines = table(results()).splitlines()
    row = {line.split()[0]: line for line in lines[2:-2]}
    assert row["linear_forward"].split()[-1] == "PASS"
    assert row["rnn_backward"].endswith("FAIL  RNNCell.backward, case 7 (batch 3): dW_hh")
    assert row["gru_forward"].endswith("FAIL  gru_forward: GRUCell.forward is not implemented yet")
    assert "- / 10  NOT MARKED  all 5 answers are well-formed" in row["mc"]
    # What this run checked (45 - 10 points of mc) apart from what it could not.
    assert lines[-1].split(None, 1) == ["total", "5 / 35 checked here; not checked: the 10 points of mc, "
                                                 "marked at official grading"]


def test_total_of_a_run_that_checked_everything_is_plain():
    checked = [r for r in results() if r.counted]
    assert table(checked).splitlines()[-1].split(None, 1) == ["total", "5 / 35"]


def test_failure_details_list_only_failed_steps():
    details = failure_details(results())
    assert details.count("--- ") == 2
    assert "--- rnn_backward: FAIL\nRNNCell.backward, case 7 (batch 3): dW_hh\n  Mismatched" in details


def test_failure_details_show_a_passing_steps_note_too():
    passed = Headline(HeadlineKind.PASSED, cases=((CaseKind.STORED, 3),))
    noted = StepResult("ctc_forward", 15, 15, Status.PASSED, passed,
                       [Note(NoteKind.PASSED_WITH,
                             "CTCLoss.forward returned the loss as an array of shape (1,): a plain float is expected")])
    details = failure_details([*results(), noted])
    assert details.count("--- ") == 3
    assert details.endswith("--- ctc_forward: PASS, with a note\nnote: CTCLoss.forward returned the loss as an array "
                            "of shape (1,): a plain float is expected")
    assert "linear_forward" not in details


def test_gradescope_json(tmp_path):
    report = gradescope_json(results(), 1.23456)
    assert (report["score"], report["max_score"], report["execution_time"]) == (5, 45, 1.235)
    by_name = {t["name"]: t for t in report["tests"]}
    assert [by_name[n]["status"] for n in ("linear_forward", "rnn_backward", "gru_forward", "mc")] == [
        "passed", "failed", "failed", "passed"]
    assert by_name["mc"]["score"] == 0 and by_name["mc"]["output"].startswith("not yet marked")
    assert "not counting the 10 points of mc" in report["output"]
    write_json(tmp_path / "r.json", results(), 0.5)
    assert json.loads((tmp_path / "r.json").read_text())["max_score"] == 45
