"""Steps whose student code needs torch: without torch they are not run, neither passed nor failed, and
nothing else of a numpy-only run imports torch."""

import subprocess
import sys

import pytest

# These tests compare runs with and without torch, so torch must be installed.
pytest.importorskip("torch")

from autograder.cases import CaseKind
from autograder.findings import Headline, HeadlineKind
from autograder.report import gradescope_json, table, torch_note
from autograder.results import Status, StepResult, needs_torch
from autograder.rubric import load_rubric
from autograder.steps import Step, all_steps
from tests.tree import REPO

TORCH_STEPS = [e.id for e in load_rubric() if isinstance(s := all_steps()[e.id], Step) and s.needs_torch]


@pytest.fixture
def blocked(tmp_path) -> dict:
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    return {"PYTHONPATH": str(tmp_path)}


def test_the_poem_model_and_generation_need_torch_and_nothing_numpy_only_does():
    assert TORCH_STEPS == ["poem_model", "poem_generate"]


def test_without_torch_they_are_reported_and_not_counted(tree, blocked):
    result = tree.run("--step", "poem", "--step", "poems", env=blocked)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.status() == {"poems_preprocess": "passed", "poem_model": "not run", "poem_generate": "not run",
                               "poem_bptt": "passed"}
    line = "poem_model         - / 15  NEEDS TORCH  not run: hw/poems/model.py needs torch"
    assert line in result.stdout.splitlines()
    assert "not run without torch: poem_model, poem_generate" in result.stdout
    assert "pip install torch" in result.stdout
    assert result.report["score"] == 15 and result.report["max_score"] == 40
    assert "not run without torch" in result.report["output"]
    assert "first failing step" not in result.stdout


def test_a_broken_torch_step_still_fails_when_torch_is_there(tree):
    tree.replace("hw/poems/model.py", "return logits[-1:, :]", "return logits[:1, :]")
    result = tree.run("--step", "poem_model")
    assert result.returncode == 1 and result.failed() == {"poem_model"}


def test_a_numpy_only_run_never_imports_torch():
    code = ("import sys\nfrom autograder.cli import main\n"
            "code = main(['--no-torch', '--step', 'linear_forward', '--step', 'poems_preprocess', '--step', "
            "'poem_bptt'])\nassert code == 0, code\nassert 'torch' not in sys.modules, 'torch was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_report_of_a_step_that_needs_torch():
    entry = next(e for e in load_rubric() if e.id == "poem_model")
    result = needs_torch(entry)
    assert result.status is Status.NEEDS_TORCH and not result.failed and not result.passed and not result.counted
    other = StepResult("poem_bptt", 5, 5, Status.PASSED, Headline(HeadlineKind.PASSED, cases=((CaseKind.STORED, 4),)))
    data = gradescope_json([result, other], 1.0)
    assert "status" not in data["tests"][0] and data["tests"][1]["status"] == "passed"
    assert data["score"] == 5 and data["max_score"] == 20
    assert "not run" in data["tests"][0]["output"]
    text = table([result, other])
    assert "- / 15  NEEDS TORCH" in text
    assert "5 / 5 checked here; not checked: the 15 points of poem_model, not run without torch" in text
    assert torch_note([other]) == "" and "poem_model" in torch_note([result])


def _imports_torch(path) -> bool:
    """Whether a student file, or a student module it imports, imports torch."""
    import ast

    seen, todo = set(), [path]
    while todo:
        current = todo.pop()
        if current in seen or not current.exists():
            continue
        seen.add(current)
        for node in ast.walk(ast.parse(current.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.split(".")[0] == "torch":
                    return True
                if name.split(".")[0] in ("hw", "mytorch"):
                    todo.append(REPO / (name.replace(".", "/") + ".py"))
    return False


@pytest.mark.parametrize("entry", load_rubric(), ids=lambda e: e.id)
def test_a_step_is_marked_as_needing_torch_exactly_when_its_file_imports_it(entry):
    step = all_steps()[entry.id]
    assert getattr(step, "needs_torch", False) == _imports_torch(REPO / entry.file)
