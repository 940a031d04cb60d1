"""Counting across handins from the typed facts of results.json: statuses, hints, unnamed failures, trouble,
settings; files that are not results are listed, not guessed at."""

import csv
import io
import json

from autograder.cases import CaseKind
from autograder.classreport.collect import collect
from autograder.classreport.summary import NOT_RECORDED, hints_csv, summarize
from autograder.findings import Cause, Failure, Headline, HeadlineKind, Hint, HintKind
from autograder.report import ISOLATION_KEY, gradescope_json, grading_facts
from autograder.results import Status, StepResult

ACCUMULATE = Hint(HintKind.BUG, ("last_call_only",), "gradients must accumulate (+=)")
BATCH = Hint(HintKind.STRUCTURE, ("times_batch",), "got = 4 x expected, and 4 is the batch size")
BATCH3 = Hint(HintKind.STRUCTURE, ("times_batch",), "got = 3 x expected, and 3 is the batch size")
FACTS = grading_facts("official", {"secret_fingerprint": "abc", "hidden_cases_per_spec": 2,
                                   "grader": {"python": "3.11"}})


def passed(step: str, points: float = 5) -> StepResult:
    return StepResult(step, points, points, Status.PASSED, Headline(HeadlineKind.PASSED, cases=((CaseKind.STORED, 3),)))


def wrong(step: str, output: str, *hints: Hint, points: float = 5) -> StepResult:
    return StepResult(step, 0, points, Status.FAILED, Headline(HeadlineKind.WRONG, output, "L", "case 1", "tiny"),
                      failure=Failure("case 1", "stored", output, hints))


def write(folder, name: str, results: list[StepResult], facts: dict | None = FACTS, nested: bool = True) -> None:
    path = folder / name / "results.json" if nested else folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope_json(results, 1.0, facts)))


def class_folder(tmp_path):
    folder = tmp_path / "grades"
    dw = "Linear.backward: dW"
    write(folder, "ann", [wrong("linear", dw, ACCUMULATE), wrong("rnn", "RNNCell.backward: db", BATCH)])
    write(folder, "bob", [wrong("linear", dw, ACCUMULATE), wrong("rnn", "RNNCell.backward: db", BATCH3)])
    write(folder, "cy", [wrong("linear", "Linear.backward: dx"), passed("rnn")])
    timed_out = Headline(HeadlineKind.RAISED, "timed out", "RNNCell.backward")
    write(folder, "dee", [passed("linear"), StepResult("rnn", 0, 5, Status.TIMED_OUT, timed_out,
                                                       failure=Failure("case 2", "hidden"))])
    rejected = Headline(HeadlineKind.REJECTED, "'../x.py': path with '..'")
    write(folder, "eve", [StepResult(s, 0, 5, Status.ERROR, rejected,
                                     failure=Failure(cause=Cause.REJECTED)) for s in ("linear", "rnn")])
    not_judged = Headline(HeadlineKind.NOT_JUDGED, "TypeError", "RNNCell.backward")
    write(folder, "gil", [passed("linear"), StepResult("rnn", 0, 5, Status.ERROR, not_judged,
                                                       failure=Failure(cause=Cause.NOT_JUDGED))])
    stopped = Headline(HeadlineKind.RAISED, "stopped by the grader", "Linear.backward", "case 3", "tiny")
    write(folder, "fay", [StepResult("linear", 0, 5, Status.ERROR, stopped,
                                     failure=Failure("case 3", "stored", cause=Cause.OVER_BUDGET)), passed("rnn")])
    (folder / "gradebook.csv").write_text("handin,total\n")
    (folder / "notes.json").write_text("{\"not\": \"results\"}")
    return folder


def test_hints_are_counted_per_step_and_tags_and_ranked_by_handins(tmp_path):
    summary = summarize(collect(class_folder(tmp_path)))
    assert [h.name for h in summary.handins] == ["ann", "bob", "cy", "dee", "eve", "fay", "gil"]
    groups = [(g.step, g.kind, g.tags, g.handins) for g in summary.hints]
    assert groups == [("linear", HintKind.BUG, ("last_call_only",), ["ann", "bob"]),
                      ("rnn", HintKind.STRUCTURE, ("times_batch",), ["ann", "bob"])]
    # One structural check worded with each case's batch size: one group, both wordings kept.
    assert set(summary.hints[1].texts) == {BATCH.text, BATCH3.text}
    rows = list(csv.reader(io.StringIO(hints_csv(summary))))
    assert rows[0] == ["step", "hint", "count", "handins", "kind", "tags"]
    assert rows[1] == ["linear", ACCUMULATE.text, "2", "ann;bob", "bug", "last_call_only"]


def test_unnamed_failures_trouble_and_pass_rates(tmp_path):
    summary = summarize(collect(class_folder(tmp_path)))
    assert [(u.step, u.output, u.handins) for u in summary.unnamed] == [("linear", "Linear.backward: dx", ["cy"])]
    assert [(t.handin, t.cause, t.steps, t.outside_code) for t in summary.trouble] == [
        ("dee", "timed out", ["rnn"], False), ("eve", "rejected", ["linear", "rnn"], False),
        ("fay", "over budget", ["linear"], False), ("gil", "not judged", ["rnn"], True)]
    assert summary.trouble[1].reason == "handin rejected: '../x.py': path with '..'"
    rates = {s.id: s for s in summary.steps}
    assert rates["linear"].statuses[Status.PASSED] == 2 and rates["linear"].graded == 7
    assert rates["rnn"].pass_rate == 2 / 7


def test_settings_isolation_and_files_that_are_not_results(tmp_path):
    folder = class_folder(tmp_path)
    summary = summarize(collect(folder))
    settings = dict(summary.settings)
    assert settings["graded by"] == "official" and settings["secret fingerprint"] == "abc"
    assert settings["grader"] == "python 3.11"
    assert settings["isolation mode"] == NOT_RECORDED
    assert [path for path, _ in summary.unreadable] == ["notes.json"]
    write(folder, "gus", [passed("linear"), passed("rnn")], {**FACTS, ISOLATION_KEY: "namespaces, cgroup v2"})
    settings = dict(summarize(collect(folder)).settings)
    assert settings["isolation mode"] == "not recorded (7 handins); namespaces, cgroup v2 (1 handin)"


def test_a_folder_of_runner_results_and_results_without_facts(tmp_path):
    folder = tmp_path / "collected"
    runner = grading_facts("runner", {"live_torch_cases": True})
    write(folder, "ann", [wrong("linear", "Linear.backward: dW", ACCUMULATE)], runner, nested=False)
    write(folder / "week2", "bob", [wrong("linear", "Linear.backward: dW", ACCUMULATE)], runner)
    old = gradescope_json([passed("linear")], 1.0)
    for test in old["tests"]:
        del test["extra_data"]
    (folder / "old.json").write_text(json.dumps(old))
    summary = summarize(collect(folder))
    assert [h.name for h in summary.handins] == ["ann", "old", "week2/bob"]
    assert summary.hints[0].handins == ["ann", "week2/bob"]
    assert summary.handins[1].steps[0].status is Status.PASSED and not summary.handins[1].has_facts
    settings = dict(summary.settings)
    assert settings["graded by"] == f"runner (2 handins); {NOT_RECORDED} (1 handin)"
    assert settings["isolation mode"].startswith("none (the runner")


def test_one_results_file_is_named_after_its_folder(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(gradescope_json([passed("linear")], 1.0, FACTS)))
    assert [h.name for h in collect(folder).handins] == ["alice"]
