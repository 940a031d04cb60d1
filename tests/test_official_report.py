"""The class report of an officially graded batch: a class of handins with known bugs (tests/class_corpus.py)
graded once, then `report --similarity`; its counts are what the handins contain."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.judging.secret import fingerprint, read_secret  # noqa: E402
from autograder.steps import all_steps  # noqa: E402
from tests import class_corpus  # noqa: E402
from tests.official_setup import (  # noqa: E402
    IS_ROOT,
    official_cli,
    pack,
    private_course,
    runtime_args,
    solution,
    worker_uid,
)
from tests.report_checks import check_page, render  # noqa: E402

pytestmark = pytest.mark.slow  # grading the class takes half a minute, once for the module


@dataclass
class Batch:
    secret: Path
    out: Path
    report: Path
    stdout: str
    stderr: str

    def hints(self) -> list[dict[str, str]]:
        with open(self.report / "hints.csv", newline="") as f:
            return list(csv.DictReader(f))

    def results(self, name: str) -> dict:
        return json.loads((self.out / name / "results.json").read_text())


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    """The class corpus, a correct handin, a looping, a slow and a rejected one, graded once; then reported."""
    if not IS_ROOT:
        pytest.skip("official grading switches to worker uids, which needs root (CI runs these tests as root)")
    where = tmp_path_factory.mktemp("class") / "private"
    repo, secret = private_course(where)
    handins = where / "handins"
    handins.mkdir()
    for name, files in {**class_corpus.corpus(), **class_corpus.troubled()}.items():
        pack(handins / f"{name}.tar", files)
    pack(handins / "rejected.tar", {"../x.py": "", **solution()})
    tars = sorted(str(p) for p in handins.glob("*.tar"))
    out = where / "out"
    graded = official_cli(repo, "grade", *tars, "--out", str(out), "--secret", str(secret), "--hidden-cases", "1",
                          "--jobs", "2", "--timeout", class_corpus.TIMEOUT, "--budget", class_corpus.BUDGET,
                          *runtime_args(), "--worker-uid", str(worker_uid(400)))
    assert graded.returncode == 0, graded.stderr
    # Every graded handin is the solution with one bug, so every pair is alike: three handins show it.
    compared = [str(handins / f"{name}.tar") for name in ("correct", "loops", "rejected")]
    report = official_cli(repo, "report", str(out), "--similarity", *compared)
    assert report.returncode == 0, report.stderr
    return Batch(secret, out, out / "report", report.stdout, report.stderr)


def test_each_named_bug_is_counted_for_exactly_the_handins_that_hold_it(batch):
    rows = batch.hints()
    for name, (step, handins) in class_corpus.expected_hints().items():
        hint = class_corpus.mutant(name).hint
        [row] = [r for r in rows if r["step"] == step and hint in r["hint"]]
        assert int(row["count"]) == len(handins), name
        assert set(row["handins"].split(";")) == handins, name
    # Rows are ranked by count, and the correct handin is in none.
    counts = [int(r["count"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert not any("correct" in r["handins"].split(";") for r in rows)


def test_results_record_the_catalog_tags_and_the_first_wrong_output(batch):
    m = class_corpus.mutant("rnn forward without tanh")
    tests = {t["name"]: t for t in batch.results(class_corpus.handin_name(m, 0))["tests"]}
    failure = tests["rnn_forward"]["extra_data"]["failure"]
    [hint] = failure["hints"]
    assert hint["kind"] == "bug" and set(hint["tags"]) <= set(all_steps()["rnn_forward"].bugs)
    assert hint["text"] in tests["rnn_forward"]["output"] and m.hint in hint["text"]
    assert failure["output"] == "RNNCell.forward: returned h'" and failure["cause"] is None
    assert tests["linear_forward"]["extra_data"] == {"status": "passed", "failure": None}


def test_failures_no_hint_named_are_counted_per_step_and_output(batch):
    page = (batch.report / "index.html").read_text()
    section = page[page.index('<h2 id="unnamed">'):page.index('<h2 id="trouble">')]
    m = class_corpus.mutant(class_corpus.UNNAMED)
    planted = {class_corpus.handin_name(m, k) for k in range(dict(class_corpus.PLANTED)[m.name])}
    assert "inference: returned logits" in section and all(name in section for name in planted)
    assert not any(name in r["handins"].split(";") for r in batch.hints() for name in planted)


def test_handins_that_need_a_look_and_how_the_grades_were_made(batch):
    page = (batch.report / "index.html").read_text()
    trouble = page[page.index('<h2 id="trouble">'):page.index('<h2 id="similarity">')]
    assert "<td>loops</td><td>timed out</td><td>linear_backward" in trouble
    assert "<td>slow</td><td>over budget</td>" in trouble
    assert "<td>rejected</td><td>rejected</td><td>every step</td>" in trouble
    assert "path with &#x27;..&#x27;" in trouble
    settings = page[page.index('<h2 id="settings">'):page.index('<h2 id="scores">')]
    assert f"<td>{fingerprint(read_secret(batch.secret))}</td>" in settings
    assert "<td>hidden cases per spec</td><td>1</td>" in settings
    assert f"<td>timeout</td><td>{float(class_corpus.TIMEOUT)}</td>" in settings
    assert "<td>isolation mode</td><td>namespaces</td>" in settings  # as official grading records it
    assert "<td>official</td><td>true</td>" in settings


def test_the_page_is_self_contained_and_similar_pairs_link_their_side_by_side_view(batch):
    index = batch.report / "index.html"
    page = check_page(index)
    assert len(page.images) == 2
    # The rejected handin is not read; the other two are the solution but for a loop: one pair.
    assert "rejected is left out of the similarity check" in batch.stderr
    pairs = sorted((batch.report / "pairs").glob("pair-*.html"))
    assert len(pairs) == 1 and "1 similar pair of 2 handins" in batch.stdout
    check_page(pairs[0], batch.report)


def test_a_browser_renders_the_report(batch):
    seen = render(batch.report / "index.html")
    assert seen["images"] == 2 and seen["broken"] == 0
