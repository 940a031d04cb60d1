"""Generated regions: the tables and create_tarball.sh's list follow the rubric, and a new step needs only its files."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.release import generate
from autograder.release.__main__ import main
from autograder.release.build import BuildError, assemble
from autograder.release.contents import tarball_required
from autograder.rubric import RubricEntry, load_rubric
from tests.release_tree import repository_copy, run_runner
from tests.tree import REPO

RUBRIC = load_rubric()


def _entry(step_id: str, file: str, functions: tuple[str, ...] = (), points: float = 5, torch: bool = False):
    return RubricEntry(step_id, points, file, f"title of {step_id}", (), functions, torch)


def test_every_generated_region_of_the_repository_is_current():
    assert generate.stale_regions(REPO, RUBRIC) == [], "run `python -m autograder.release generate`"


def test_every_document_holds_its_regions_and_create_tarball_requires_the_generated_list():
    for rel, names in generate.DOCUMENTS.items():
        text = (REPO / rel).read_text()
        assert {r.name for r in generate.find_generated(text, rel)} == set(names), rel
    required = tarball_required((REPO / "create_tarball.sh").read_text())
    assert required == generate.required_files(RUBRIC)
    for rel in required:
        assert (REPO / rel).is_file(), rel


def test_required_files_add_each_package_file_above_a_graded_file_once():
    rubric = [_entry("a", "mytorch/a.py"), _entry("b", "hw/deep/b.py"), _entry("c", "mytorch/a.py"),
              _entry("d", "hw/c.py")]
    assert generate.required_files(rubric) == [
        "mytorch/__init__.py", "mytorch/a.py", "hw/__init__.py", "hw/c.py", "hw/deep/__init__.py", "hw/deep/b.py"]


def test_tables_follow_the_rubric():
    rubric = [_entry("a_forward", "m/a.py", ("A.forward",), 2.5), _entry("a_backward", "m/a.py", ("A.backward",)),
              _entry("gen", "m/g.py", ("gen",), 10, torch=True)]
    assert generate.points_table(rubric)[2:] == [
        "| `a_forward` | 2.5 | title of a_forward (`m/a.py`) |",
        "| `a_backward` | 5 | title of a_backward (`m/a.py`) |",
        "| `gen` | 10 | title of gen (`m/g.py`) |",
        "| total | 17.5 | |",
    ]
    assert generate.files_table(rubric)[2:] == [
        "| `m/a.py` | `A.forward`, `A.backward` | `a_forward`, `a_backward` |",
        "| `m/g.py` | `gen()` (torch) | `gen` |",
    ]


def test_regenerate_rewrites_only_what_is_between_the_markers():
    text = "intro\n<!-- BEGIN GENERATED: points -->\n| old |\n<!-- END GENERATED: points -->\nafter\n"
    rubric = [_entry("a", "m/a.py")]
    new, changed = generate.regenerate(text, "doc.md", rubric)
    assert changed == ["points"]
    assert new == ("intro\n<!-- BEGIN GENERATED: points -->\n" + "\n".join(generate.points_table(rubric))
                   + "\n<!-- END GENERATED: points -->\nafter\n")
    assert generate.regenerate(new, "doc.md", rubric) == (new, [])


@pytest.mark.parametrize("text, line, says", [
    ("<!-- BEGIN GENERATED: points -->\n", 2, "never closed"),
    ("<!-- END GENERATED: points -->\n", 2, "without its BEGIN"),
    ("<!-- BEGIN GENERATED: points -->\n<!-- BEGIN GENERATED: files -->\n", 3, "opens inside"),
    ("# BEGIN GENERATED: nonsense\n# END GENERATED: nonsense\n", 2, "unknown generated region 'nonsense'"),
    ("<!-- BEGIN  GENERATED: points -->\n", 2, "malformed"),
])
def test_malformed_regions_are_named_with_file_and_line(text, line, says):
    with pytest.raises(generate.GeneratedRegionError, match=says) as info:
        generate.find_generated("x\n" + text, "doc.md")
    assert str(info.value).startswith(f"doc.md:{line}: ")


def _docs_copy(root: Path) -> Path:
    for rel in [*generate.DOCUMENTS, "autograder/rubric.json"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((REPO / rel).read_bytes())
    return root


def test_check_names_a_stale_region_and_generate_rewrites_it(tmp_path, capsys):
    root = _docs_copy(tmp_path)
    rubric = json.loads((root / "autograder/rubric.json").read_text())
    rubric["steps"][0]["points"] = 6
    (root / "autograder/rubric.json").write_text(json.dumps(rubric))

    assert main(["generate", "--check", "--source", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["stale: docs/runner.md: points", "stale: handout/README.md: points"]
    assert "python -m autograder.release generate" in err

    assert main(["generate", "--source", str(root)]) == 0
    assert "| `activation` | 6 |" in (root / "handout/README.md").read_text()
    assert main(["generate", "--check", "--source", str(root)]) == 0


def test_a_document_without_its_region_is_refused(tmp_path, capsys):
    root = _docs_copy(tmp_path)
    script = root / "create_tarball.sh"
    script.write_text(script.read_text().replace("# BEGIN GENERATED: required-files\n", "")
                      .replace("# END GENERATED: required-files\n", ""))
    assert main(["generate", "--check", "--source", str(root)]) == 1
    assert "create_tarball.sh: no generated region 'required-files'" in capsys.readouterr().err


def test_the_release_build_refuses_a_stale_region(tmp_path):
    source = repository_copy(tmp_path / "source")
    readme = source / "handout/README.md"
    readme.write_text(readme.read_text().replace("| `activation` | 5 |", "| `activation` | 50 |"))
    with pytest.raises(BuildError) as info:
        assemble(source)
    assert any(p.startswith("handout/README.md: points: generated region differs") for p in info.value.problems)


# A toy step, written as a course would add one: the student module, the step, the oracle, a rubric entry.
TOY_STUDENT = '''"""A toy module: scale an array by a constant."""

import numpy as np


def scale(x: np.ndarray, factor: float) -> np.ndarray:
    """Multiply x by a constant: y = factor * x.

    Args:
        x: input of any shape (N, ...).
        factor: the constant.

    Returns:
        y: factor * x, of x's shape.
    """
    # BEGIN SOLUTION
    return factor * x
    # END SOLUTION
'''
TOY_STEP = '''"""Step `scale`: mytorch/scale.py's scale()."""

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._student import owned, student_attr


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    return {"x": rng.standard_normal(spec["shape"]), "factor": np.array(rng.uniform(-2.0, 2.0))}


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    out["y"] = owned(student_attr("mytorch.scale", "scale")(inputs["x"], float(inputs["factor"])))


SPECS = (Spec("x of shape (3, 4)", {"shape": (3, 4)}), Spec("x of shape (5,)", {"shape": (5,)}))
STEPS = (Step("scale", "scale", Cases(SPECS, build), run, (Output("y", tensor="returned y"),)),)
'''
TOY_ORACLE = '''"""Oracle for `scale`: the product in torch."""

from autograder.oracles._torch import array, tensor


def scale(inputs):
    return {"y": array(tensor(inputs["x"]) * float(inputs["factor"]))}


ORACLES = {"scale": scale}
'''
TOY_ENTRY = {"id": "scale", "points": 5, "file": "mytorch/scale.py", "title": "scale: a constant times an array",
             "depends": [], "functions": ["scale"]}


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def _python(root: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_new_step_needs_only_its_four_files_and_regeneration(tmp_path, no_torch):
    pytest.importorskip("torch")  # the oracle computes the new step's reference data
    source = repository_copy(tmp_path / "source")
    before = _digests(source)
    (source / "mytorch/scale.py").write_text(TOY_STUDENT)
    (source / "autograder/steps/scale.py").write_text(TOY_STEP)
    (source / "autograder/oracles/scale.py").write_text(TOY_ORACLE)
    rubric_path = source / "autograder/rubric.json"
    rubric = json.loads(rubric_path.read_text())
    rubric["steps"].append(TOY_ENTRY)
    rubric_path.write_text(json.dumps(rubric, indent=2) + "\n")

    _python(source, "-m", "autograder.references")
    _python(source, "-m", "autograder.release", "generate")
    _python(source, "-m", "autograder.release", "build", "--out", str(tmp_path / "build"))

    after = _digests(source)
    touched = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
    written = {"mytorch/scale.py", "autograder/steps/scale.py", "autograder/oracles/scale.py", "autograder/rubric.json"}
    generated = {"reference_data/scale.arrays", "reference_data/manifest.json", "docs/runner.md", "handout/README.md",
                 "handout/STUDENT_README.md", "create_tarball.sh"}
    assert touched == written | generated

    release = tmp_path / "build" / "release"
    assert "mytorch/scale.py" in tarball_required((release / "create_tarball.sh").read_text())
    assert "| `mytorch/scale.py` | `scale()` | `scale` |" in (release / "README.md").read_text()
    stubbed = run_runner(release, no_torch, "--step", "scale")
    assert stubbed.status() == {"scale": "failed"}
    assert "scale: scale is not implemented yet" in stubbed.output("scale")
    (release / "mytorch/scale.py").write_text(TOY_STUDENT)
    solved = run_runner(release, no_torch, "--step", "scale")
    assert solved.status() == {"scale": "passed"}, solved.output("scale")
