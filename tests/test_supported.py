"""Every student-facing document tells the same story as autograder/supported.py: the Python range, the parts
in order, the CPU-only torch install line, where written answers go, and no path outside the repository."""

import re

import pytest

from autograder import supported
from autograder.runner import MIN_PYTHON
from autograder.supported import ANSWERS_FILE, PARTS, STUDENT_DOCUMENTS, TORCH_CPU_INSTALL, TORCH_INSTALL, python_range
from tests.tree import REPO

DOCS = {rel: (REPO / rel).read_text() for rel in STUDENT_DOCUMENTS}
PART_HEADINGS = [f"Part {n}: {title}" for n, title, _ in PARTS]


def test_the_runner_refuses_exactly_the_pythons_below_the_range():
    assert MIN_PYTHON == supported.STUDENT_PYTHON[0]
    assert python_range() == "Python 3.10 to 3.13"


def test_ci_checks_the_student_path_under_every_supported_python():
    (first_major, first), (last_major, last) = supported.STUDENT_PYTHON
    assert first_major == last_major
    versions = " ".join(f"{first_major}.{minor}" for minor in range(first, last + 1))
    assert f'.ci/student_path "$work/build/release" {versions}\n' in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("rel", STUDENT_DOCUMENTS)
def test_every_python_version_named_is_the_supported_range(rel):
    text = " ".join(DOCS[rel].split())  # a phrase may wrap
    named = re.findall(r"Python \d+\.\d+(?: to \d+\.\d+)?", text)
    assert all(n == python_range() for n in named), named


def test_the_readme_and_the_writeup_state_the_range():
    for rel in ("handout/STUDENT_README.md", "handout/README.md"):
        assert python_range() in " ".join(DOCS[rel].split()), rel


@pytest.mark.parametrize("rel", STUDENT_DOCUMENTS)
def test_torch_is_installed_only_with_the_cpu_line(rel):
    text = " ".join(DOCS[rel].split())
    lines = re.findall(r"pip install torch[^`\n]*", DOCS[rel])
    assert all(line.startswith(TORCH_CPU_INSTALL) for line in lines), lines
    if re.search(r"install\w*[^.]* torch|torch[^.]* install", text, re.IGNORECASE):  # not torch as the oracle
        assert TORCH_CPU_INSTALL in DOCS[rel], rel


def test_the_runner_and_the_poems_command_give_the_cpu_line():
    assert TORCH_CPU_INSTALL in TORCH_INSTALL
    assert TORCH_CPU_INSTALL in (REPO / "hw" / "poems" / "__main__.py").read_text()


def test_the_writeup_has_every_part_in_order_with_contents_links():
    writeup = DOCS["handout/README.md"]
    headings = re.findall(r"^## (Part \d+: .*)$", writeup, re.MULTILINE)
    assert [h.lower() for h in headings] == [h.lower() for h in PART_HEADINGS]
    contents = writeup.split("\n## ", 1)[0]
    for n, title, _ in PARTS:
        anchor = "#" + re.sub(r"[^a-z0-9 -]", "", f"part {n}: {title}".lower()).replace(" ", "-")
        assert f"]({anchor})" in contents, anchor


def test_only_the_last_part_is_called_the_last_part():
    sections = re.split(r"^## ", DOCS["handout/README.md"], flags=re.MULTILINE)
    calling = [s.splitlines()[0] for s in sections if "the last part" in s.lower()]
    assert calling in ([], [PART_HEADINGS[-1]]), calling


def test_the_student_readme_lists_every_part_in_order():
    text = " ".join(DOCS["handout/STUDENT_README.md"].split())
    places = [text.find(h) for h in PART_HEADINGS]
    assert -1 not in places and places == sorted(places), dict(zip(PART_HEADINGS, places))


@pytest.mark.parametrize(("n", "title", "rel"), [p for p in PARTS if p[2]])
def test_each_part_writeup_is_titled_with_its_part(n, title, rel):
    assert DOCS[rel].splitlines()[0].lower() == f"# part {n}: {title}".lower()


def test_written_answers_have_one_place_that_the_handin_packs():
    assert (REPO / ANSWERS_FILE).is_file()
    assert ANSWERS_FILE in (REPO / "create_tarball.sh").read_text()
    for rel, text in DOCS.items():
        if re.search(r"^#+ Questions|[Qq]uestions to answer", text, re.MULTILINE):
            assert ANSWERS_FILE in text, rel
    for rel in ("handout/STUDENT_README.md", "handout/README.md"):
        assert ANSWERS_FILE in DOCS[rel], rel


@pytest.mark.parametrize("rel", [*STUDENT_DOCUMENTS, "README.md", "benchmarks/char_rnn_speed.py"])
def test_no_document_points_outside_the_repository(rel):
    text = (REPO / rel).read_text()
    assert not re.search(r"\.\./|/work/|/shared/data", text), rel


def test_the_char_rnn_demo_text_ships_with_the_repository():
    text = (REPO / "hw" / "char_rnn" / "data" / "shakespeare_train.txt").read_text(encoding="utf-8")
    assert text.startswith("First Citizen:") and len(text) > 100_000
