"""Solution markers: the stubs they become, and every way a source is refused (naming file and line)."""

import shutil
from pathlib import Path

import pytest

from autograder.release import contents
from autograder.release.build import BuildError, assemble
from autograder.release.markers import MarkerError, find_regions, strip
from autograder.rubric import RubricEntry
from tests.tree import REPO

RUBRIC = [
    RubricEntry("cell_forward", 5, "mytorch/cell.py", "Cell.forward", (), ("Cell.forward", "helper")),
    RubricEntry("cell_backward", 5, "mytorch/cell.py", "Cell.backward", ("cell_forward",), ("Cell.backward",)),
]
PATH = "mytorch/cell.py"

SOURCE = '''\
import numpy as np


def helper(x):
    """x: any array -> 2x."""
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION


class Cell:
    def forward(self, x):
        """x: (N, D) -> (N, D)."""
        self.x = x  # kept for backward
        if x.ndim == 2:
            # BEGIN SOLUTION hint: use helper(x)
            y = helper(x)
            return y
            # END SOLUTION
        return x

    def backward(self, delta):
        # BEGIN SOLUTION
        def inner(d):
            return d * 2
        return inner(delta)
        # END SOLUTION
'''


def test_stubs_keep_indentation_surrounding_code_and_hint():
    text, regions = strip(SOURCE, PATH, RUBRIC)
    assert [(r.step, r.function, r.begin, r.end) for r in regions] == [
        ("cell_forward", "helper", 6, 8),
        ("cell_forward", "Cell.forward", 16, 19),
        ("cell_backward", "Cell.backward", 23, 27),
    ]
    assert '''\
def helper(x):
    """x: any array -> 2x."""
    # TODO (cell_forward): implement helper
    raise NotImplementedError("cell_forward: helper is not implemented yet")
''' in text
    assert '''\
        self.x = x  # kept for backward
        if x.ndim == 2:
            # TODO (cell_forward): use helper(x)
            raise NotImplementedError("cell_forward: Cell.forward is not implemented yet")
        return x
''' in text
    assert '        raise NotImplementedError("cell_backward: Cell.backward is not implemented yet")\n' in text
    assert "SOLUTION" not in text and "2 * x" not in text and "inner" not in text
    compile(text, PATH, "exec")


def test_keeping_regions_restores_exactly_their_solution():
    everything, _ = strip(SOURCE, PATH, RUBRIC, keep=lambda r: True)
    assert everything == "".join(line for line in SOURCE.splitlines(keepends=True) if "SOLUTION" not in line)
    partial, _ = strip(SOURCE, PATH, RUBRIC, keep=lambda r: r.step == "cell_backward")
    assert "return inner(delta)" in partial and "2 * x" not in partial


def error(source: str, rubric=RUBRIC) -> MarkerError:
    with pytest.raises(MarkerError) as info:
        find_regions(source, PATH, rubric)
    return info.value


@pytest.mark.parametrize(
    "old, new, line, says",
    [
        ("return inner(delta)\n        # END SOLUTION\n", "return inner(delta)\n", 23, "never closed"),
        ("    # END SOLUTION\n\n\nclass", "\n\nclass", 15, "nested"),
        ("    # BEGIN SOLUTION\n    return 2", "    return 2", 7, "without a matching"),
        ("    return 2 * x\n", "    # BEGIN SOLUTION\n    return 2 * x\n", 7, "nested"),
        ("    # END SOLUTION\n\n\nclass", "        # END SOLUTION\n\n\nclass", 8, "not indented like"),
        ('"""x: any array -> 2x."""', '"""x: any array -> 2x.\n    # BEGIN SOLUTION\n    """', 6, "inside a string"),
        ("return 2 * x", "return '# END SOLUTION'", 7, "inside a string"),
        ("    # BEGIN SOLUTION\n    return 2", "    # BEGIN SOLUTION:\n    return 2", 6, "malformed marker"),
        ("    # BEGIN SOLUTION\n    return 2", "    #BEGIN SOLUTION\n    return 2", 6, "malformed marker"),
        ("# BEGIN SOLUTION hint: use helper(x)", "# BEGIN SOLUTION hint:", 16, "no hint text"),
        ("    return 2 * x\n    # END", "    return 2 * x  # END SOLUTION\n    # END", 7, "alone on its line"),
        ("            return y\n", "            return y\n        z = 1\n", 19, "indented less"),
        ("    def backward(self, delta):", "    def grad(self, delta):", 23, "Cell.grad, which no rubric step lists"),
        ("            return y\n            # END SOLUTION\n", "            # END SOLUTION\n            return y\n", 19,
         "never runs in the stub"),
    ],
)
def test_malformed_regions_are_refused_with_file_and_line(old, new, line, says):
    assert SOURCE.count(old) == 1
    exc = error(SOURCE.replace(old, new))
    assert exc.line == line and says in exc.problem, str(exc)
    assert str(exc).startswith(f"{PATH}:{line}: ")


def test_region_outside_functions_belongs_to_the_files_only_step():
    source = "# BEGIN SOLUTION\nANSWERS = {'q1': 'b'}\n# END SOLUTION\n"
    rubric = [RubricEntry("mc", 5, "hw/mc.py", "Quiz", (), ())]
    text, regions = strip(source, "hw/mc.py", rubric)
    assert regions[0].step == "mc" and 'raise NotImplementedError("mc: hw/mc.py is not implemented yet")' in text
    # Two steps share mytorch/cell.py, so a region there outside any function has no single owner.
    exc = error(source)
    assert exc.line == 1 and "outside any function" in exc.problem


def test_function_claimed_by_two_steps_in_other_files_is_ambiguous():
    rubric = RUBRIC + [RubricEntry("other", 5, "hw/other.py", "other", (), ("helper",))]
    assert find_regions(SOURCE, PATH, rubric)[0].step == "cell_forward"  # the step whose file this is wins
    rubric = [RubricEntry("a", 1, "x.py", "a", (), ("helper",)), RubricEntry("b", 1, "y.py", "b", (), ("helper",))]
    exc = error(SOURCE.split("class Cell")[0], rubric)
    assert exc.line == 6 and "several rubric steps" in exc.problem


@pytest.fixture
def source(tmp_path) -> Path:
    """A copy of what the builder reads from this repository."""
    root = tmp_path / "src"
    for name in contents.SHIPPED_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in contents.SHIPPED_FILES:
        shutil.copyfile(REPO / name, root / name)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the one `old` in rel -> the 1-based line where `new` starts."""
    text = (root / rel).read_text()
    assert text.count(old) == 1, (rel, old)
    (root / rel).write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def problems(root: Path) -> list[str]:
    with pytest.raises(BuildError) as info:
        assemble(root)
    return info.value.problems


def test_copy_of_the_source_builds(source):
    assert assemble(source).regions


def test_marker_outside_student_files_is_refused(source):
    line = edit(source, "autograder/report.py", "import json\n", "import json\n# BEGIN SOLUTION\n")
    expected = f"autograder/report.py:{line + 1}: solution marker in a file students do not edit (it would ship as is)"
    assert problems(source) == [expected]


def test_unclaimed_region_in_student_file_is_refused_by_the_build(source):
    line = edit(source, "mytorch/linear.py", "    def forward(self", "    def forward_pass(self")
    found = problems(source)
    assert any(p.startswith("mytorch/linear.py:") and "Linear.forward_pass, which no rubric step lists" in p
               for p in found), found
    assert line < int(found[0].split(":")[1])


def test_shipped_code_importing_instructor_only_module_is_refused(source):
    line = edit(source, "autograder/report.py", "import json\n",
                "import json\nfrom autograder.references import regenerate\n")
    assert f"autograder/report.py:{line + 1}: imports autograder.references.regenerate, but " \
           "autograder.references.regenerate is instructor-only and not shipped" in problems(source)


def test_requirements_other_than_numpy_are_refused(source):
    (source / "requirements.txt").write_text("numpy>=1.24\ntorch==2.13.0\n")
    assert any(p.startswith("requirements.txt:2:") for p in problems(source))


def test_step_without_any_solution_region_is_refused(source):
    edit(source, "mytorch/loss.py", "        # BEGIN SOLUTION\n        return self.sm", "        return self.sm")
    edit(source, "mytorch/loss.py", "self.labels\n        # END SOLUTION\n", "self.labels\n")
    found = problems(source)
    assert any("'loss_backward' has no solution region" in p for p in found), found


def test_instructor_only_and_private_files_are_left_out(source):
    (source / "autograder" / "answer_key.py").write_text("ANSWERS = {'q1': 'b'}\n")
    (source / "reference_data" / "private").mkdir()
    (source / "reference_data" / "private" / "hidden.npz").write_bytes(b"secret")
    files = assemble(source).files
    assert "autograder/answer_key.py" not in files and "reference_data/private/hidden.npz" not in files
    assert not any(rel.startswith("autograder/release/") for rel in files)
    assert {"autograder/references/regenerate.py", "autograder/references/__main__.py"}.isdisjoint(files)
    assert "autograder/references/store.py" in files


def test_build_replaces_an_earlier_release_but_nothing_else(source, tmp_path):
    from autograder.release.build import build

    release, folder, archive = build(source, tmp_path / "out")
    (folder / "stale.py").write_text("")
    build(source, tmp_path / "out")
    assert not (folder / "stale.py").exists() and archive.read_bytes() == release.archive()
    other = tmp_path / "other"
    (other / "release").mkdir(parents=True)
    (other / "release" / "notes.txt").write_text("keep me")
    with pytest.raises(BuildError, match="not an earlier release"):
        build(source, other)
    assert (other / "release" / "notes.txt").read_text() == "keep me"
