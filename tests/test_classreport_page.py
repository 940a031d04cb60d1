"""The report page: self-contained HTML that parses, with its charts inline, every section, and the pair pages;
and, where chromium is installed, a browser renders it with every image loaded."""

from autograder.classreport.collect import collect
from autograder.classreport.page import SIMILARITY_NOTE, pair_file, write_report
from autograder.classreport.similarity import Pair
from autograder.classreport.summary import hints_csv, summarize
from tests.report_checks import check_page, render
from tests.test_classreport_summary import class_folder

PAIR = Pair("ann", "bob", 0.9, 0.6, 120, "x = <mark>np.dot(a, b)</mark>", "y = <mark>np.dot(c, d)</mark> &lt;")


def written(tmp_path, pairs=(PAIR,)):
    summary = summarize(collect(class_folder(tmp_path)))
    return write_report(tmp_path / "grades" / "report", "Class report: grades", summary, hints_csv(summary),
                        None if pairs is None else list(pairs), 0.5, 6)


def test_the_page_is_self_contained_and_shows_every_section(tmp_path):
    index = written(tmp_path)
    page = check_page(index)
    assert len(page.images) == 2  # the score histogram and the pass rates
    text = " ".join(page.text)
    for heading in ("How the grades were made", "Scores", "Known bugs that fired", "Failures no hint named",
                    "Handins that need a look", "Similar code", "Files that are not results"):
        assert heading in text
    assert "gradients must accumulate (+=)" in text and "Linear.backward: dx" in text
    assert "handin rejected: '../x.py': path with '..'" in text and "over budget" in text
    assert "outside the code: regrade" in text
    assert SIMILARITY_NOTE in text and "notes.json" in text
    assert (index.parent / "hints.csv").read_text().startswith("step,hint,count,handins")


def test_each_similar_pair_has_a_side_by_side_page(tmp_path):
    index = written(tmp_path)
    pair = index.parent / pair_file(0)
    assert f'href="{pair_file(0)}"' in index.read_text()
    page = check_page(pair, index.parent)
    assert "np.dot(a, b)" in " ".join(page.text) and "mark" in page.tags
    assert SIMILARITY_NOTE in " ".join(page.text)
    # Without similarity, the section says how to run it, and no pair pages are written.
    index = written(tmp_path / "again", pairs=None)
    assert "--similarity" in index.read_text() and not (index.parent / "pairs").exists()


def test_the_same_results_give_the_same_bytes(tmp_path):
    first = written(tmp_path / "a").read_bytes()
    assert written(tmp_path / "b").read_bytes() == first


def test_a_browser_renders_the_page_with_every_image(tmp_path):
    index = written(tmp_path)
    seen = render(index)
    assert seen["title"] == "Class report: grades"
    assert seen["images"] == 2 and seen["broken"] == 0
    assert seen["height"] > 1000
