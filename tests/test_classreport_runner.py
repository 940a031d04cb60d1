"""The class report of a folder of `runner.py --json` files, as a TA collects them from students: the same
counts as official grading gives (no root needed)."""

import csv
import shutil

import pytest

from tests import class_corpus
from tests.official_setup import official_cli
from tests.report_checks import check_page
from tests.tree import REPO, Tree

# A few of the corpus's handins keep this test short: two named bugs, the unnamed one, and a correct handin.
NAMED = class_corpus.NAMED[:2]
SOME = NAMED + (class_corpus.UNNAMED,)


@pytest.mark.slow
def test_a_folder_of_runner_results_gives_the_class_report(tmp_path, no_torch):
    collected = tmp_path / "collected"
    collected.mkdir()
    handins = class_corpus.corpus()
    wanted = ["correct"] + [name for name in handins if any(
        name.startswith(class_corpus.mutant(m).step + f"-{class_corpus.PLANTED_INDEX[m]}-") for m in SOME)]
    tree = Tree(tmp_path / "tree")
    for name in wanted:
        for rel, text in handins[name].items():
            (tree.root / rel).write_text(text)
        result = tree.run(env=no_torch)  # as students run it: numpy only
        assert result.report is not None, result.stderr
        # As collected: one file per student, some in folders of their own.
        target = collected / f"{name}.json" if len(name) % 2 else collected / name / "results.json"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(tree.root / "results.json", target)
    proc = official_cli(REPO, "report", str(collected))
    assert proc.returncode == 0, proc.stderr
    assert f"read the results of {len(wanted)} handins" in proc.stdout
    with open(collected / "report" / "hints.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = class_corpus.expected_hints()
    for m in NAMED:
        step, planted = expected[m]
        [row] = [r for r in rows if r["step"] == step and class_corpus.mutant(m).hint in r["hint"]]
        assert set(row["handins"].split(";")) == planted and int(row["count"]) == len(planted)
    page = check_page(collected / "report" / "index.html")
    text = " ".join(page.text)
    assert "inference: returned logits" in text
    assert "none (the runner, on the student's machine)" in text and "live torch cases" in text
