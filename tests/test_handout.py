"""The student writeup names only things that exist (its tables of files and points are generated from the rubric)."""

import builtins
import importlib
import inspect
import pkgutil
import re

import pytest

# The writeup names the torch homework's classes too, so reading every student module needs torch.
pytest.importorskip("torch")

from autograder.mc_questions import QUESTIONS
from autograder.rubric import load_rubric, select_steps
from tests.tree import REPO

HANDOUT = REPO / "handout" / "README.md"
TEXT = HANDOUT.read_text()
FENCED = re.findall(r"```.*?```", TEXT, flags=re.S)
PROSE = re.sub(r"```.*?```", "", TEXT, flags=re.S)
INLINE = set(re.findall(r"`([^`\n]+)`", PROSE))
RUBRIC = load_rubric()
STEP_IDS = {e.id for e in RUBRIC}


def _student_namespace() -> dict[str, object]:
    """Every class and function defined in mytorch/ and hw/, by name."""
    names: dict[str, object] = {}
    for package in ("mytorch", "hw"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            # A package may load what it exports on first use (hw.char_rnn does): ask for __all__.
            exported = {name: getattr(module, name) for name in getattr(module, "__all__", ())}
            for name, obj in {**vars(module), **exported}.items():
                if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith(package):
                    names[name] = obj
    return names


NAMESPACE = _student_namespace()


def _has_member(cls: type, member: str) -> bool:
    return hasattr(cls, member) or any(f"self.{member}" in inspect.getsource(c) for c in cls.__mro__ if c is not object)


def test_step_ids_named_in_the_writeup_exist():
    shaped = {t for t in INLINE if re.fullmatch(r"[a-z]+(_[a-z]+)*_(forward|backward|inference)", t)}
    assert shaped, "the writeup should name its steps"
    assert shaped <= STEP_IDS, shaped - STEP_IDS
    for block in FENCED:
        for step in re.findall(r"--step (\S+)", block):
            assert select_steps(sorted(STEP_IDS), [step])[0], step  # an id or a group prefix


def test_paths_named_in_the_writeup_exist():
    paths = {t for t in INLINE if re.fullmatch(r"[\w.\-]+(/[\w.\-]*)+|[\w\-]+\.(py|sh|toml|md|json)", t)}
    assert {"hw/rnn_classifier.py", "hw/char_predictor.py", "hw/mc.py", "create_tarball.sh"} <= paths
    for rel in paths:
        assert (REPO / rel).exists(), rel
    for target in re.findall(r"\]\(([^)#]+)\)", TEXT):  # relative links
        if "://" not in target:
            assert (HANDOUT.parent / target).exists(), target


def test_classes_methods_and_functions_named_in_the_writeup_exist():
    checked = 0
    for token in INLINE:
        dotted = re.fullmatch(r"([A-Z]\w*)\.(\w+)(\(.*\))?", token)
        bare_class = re.fullmatch(r"[A-Z]\w*", token)
        call = re.fullmatch(r"([a-z_]\w*)\((.*)\)", token)
        if dotted:
            cls = NAMESPACE.get(dotted.group(1))
            assert inspect.isclass(cls), token
            assert _has_member(cls, dotted.group(2)), token
        elif bare_class:
            # A class, a builtin (an exception), or a weight such as `Wzx`.
            members = any(inspect.isclass(o) and _has_member(o, token) for o in NAMESPACE.values())
            assert token in NAMESPACE or hasattr(builtins, token) or members, token
        elif call:
            name = call.group(1)
            methods = any(inspect.isclass(o) and hasattr(o, name) for o in NAMESPACE.values())
            assert name in NAMESPACE or methods or callable(getattr(builtins, name, None)), token
        else:
            continue
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"question {q.number}")
def test_questions_appear_with_all_options(q):
    assert f"**Question {q.number}**" in TEXT
    block = TEXT.split(f"**Question {q.number}**", 1)[1].split("**Question", 1)[0]
    for letter, option in q.options:
        assert f"- ({letter}) {option}" in block
    assert ("select all that apply" in block) == q.multi


def test_the_pasted_failure_is_what_the_runner_prints(tree):
    """The example failure in the writeup comes from a real run, and stays in sync with the messages."""
    tree.replace("hw/rnn_classifier.py", "                if layer > 0:\n                    dh[layer - 1] += dx\n", "")
    result = tree.run("--step", "rnn_classifier_backward")
    printed = [line for line in result.stdout.splitlines() if line.strip()]
    start = printed.index("--- rnn_classifier_backward: FAIL")
    block = next(b for b in FENCED if "--- rnn_classifier_backward: FAIL" in b)
    pasted = [line for line in block.strip("`").splitlines() if line.strip()]
    assert pasted == printed[start:start + len(pasted)]
