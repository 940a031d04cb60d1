"""A worker's report, decoded once into the judge's own types; whatever it holds, at worst a MALFORMED record."""

import json

import numpy as np
import pytest

from autograder.findings import Cause
from autograder.isolation import ErrorKind
from autograder.official.judging.reports import Record, RecordStatus, decode_record, decode_report
from autograder.official.worker import wire
from autograder.produced import MISSING, Produced
from autograder.quiz_judge import Answer, QuizReport
from autograder.steps import JobKind, all_steps


def frame_parts(record, arrays=None) -> tuple[bytes, bytes]:
    """-> (the JSON, the array bytes) of one frame, as the reader hands them over."""
    meta, data = wire.pack_arrays(arrays or {})
    return json.dumps({"r": record, "a": meta}).encode(), data


def test_a_case_report_becomes_the_produced_outputs_records_error_and_warnings():
    error = wire.encode_error("exception", "ValueError: bad", ["mytorch/linear.py:3 in forward"])
    record = decode_report(JobKind.CASE, *frame_parts(*wire.encode_case(
        {"y": np.arange(3.0)}, {"calls": [np.ones(2)]}, error, ["numpy warned: overflow"])))
    assert record.status is RecordStatus.DONE and isinstance(record.report, Produced)
    got = record.report
    assert np.array_equal(got.outputs["y"], np.arange(3.0)) and np.array_equal(got.outputs.records["calls"][0],
                                                                               np.ones(2))
    assert (got.error.kind, got.error.headline, got.error.where) == (ErrorKind.EXCEPTION, "ValueError: bad",
                                                                     ["mytorch/linear.py:3 in forward"])
    assert got.warnings == ["numpy warned: overflow"] and got.outputs.get("z", MISSING) is MISSING


def test_quiz_answers_become_answers_each_with_what_is_wrong_with_it():
    stub = wire.encode_error("not implemented", "mc: question_2 is not implemented yet", [])
    raised = wire.encode_error("exception", "KeyError: 'x'", [])
    items = [{"number": 1, "answer": "a", "error": None}, {"number": 2, "answer": None, "error": stub},
             {"number": 3, "answer": None, "error": raised}, {"number": 4, "answer": {"opaque": "set"}, "error": None},
             {"number": 5, "answer": None, "error": {"kind": "nonsense"}}, "not an answer"]
    record = decode_record(JobKind.QUIZ, {"kind": "quiz", "answers": items}, {})
    assert record.report == QuizReport([
        Answer(1, "a"), Answer(2, stub="mc: question_2 is not implemented yet"),
        Answer(3, error="it raised: KeyError: 'x'"),
        Answer(4, error="malformed answer (a set): return a letter or a list of letters"),
        Answer(5, error="malformed error report"), Answer(-1, error="malformed report")])
    unreported = decode_record(JobKind.QUIZ, {"kind": "case"}, {}).report
    assert unreported.answers == [] and unreported.error.headline == "the answers were not reported"


@pytest.mark.parametrize("js, data", [
    (b"{not json", b""),
    (json.dumps({"r": {"kind": "case"}, "a": []}).encode(), b""),
    (json.dumps({"r": {"kind": "case", "outputs": [], "records": [], "error": {"kind": "boom"}, "warnings": []},
                 "a": []}).encode(), b""),
])
def test_what_does_not_decode_is_one_malformed_record(js, data):
    record = decode_report(JobKind.CASE, js, data)
    assert record.status is RecordStatus.MALFORMED and record.cause is Cause.MALFORMED
    assert record.lines[0].startswith("the report of what the code produced is malformed (")


def test_a_record_gives_each_step_the_report_it_judges():
    steps = all_steps()
    dead = Record(RecordStatus.DEAD, lines=["the process running the code exited", "its last output line: hi"],
                  cause=Cause.DIED)
    case = dead.report_for(steps["linear_forward"])
    assert case.error.headline == "the process running the code exited" and case.cause is Cause.DIED
    assert case.error.where == ["its last output line: hi"]
    quiz = dead.report_for(steps["mc"])
    assert quiz.error.headline == "the process running the code exited" and quiz.cause is Cause.DIED
    skipped = Record(RecordStatus.SKIPPED).report_for(steps["linear_forward"])
    assert skipped.error.headline == "the case was not run" and decode_record(
        JobKind.CASE, {"kind": "skipped"}, {}).status is RecordStatus.SKIPPED
