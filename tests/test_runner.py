"""The runner as a student uses it: table, exit codes, options, JSON, isolation of failures."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import CLOSED_PIPE_EXIT, unwritable
from autograder.rubric import load_rubric
from tests.tree import REPO

STEP_IDS = [e.id for e in load_rubric()]
MC_POINTS = next(e.points for e in load_rubric() if e.id == "mc")
MC = "hw/mc.py"


def run_repo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "autograder/runner.py", *args], cwd=REPO, capture_output=True, text=True)


def test_reference_solution_passes_every_step_without_torch(tree):
    pytest.importorskip("torch")  # the torch homework's steps pass only where torch runs
    result = tree.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.failed() == set()
    assert set(result.status()) == set(STEP_IDS)
    assert "torch" not in result.stdout  # --no-torch: nothing to announce


def test_reference_solution_passes_with_live_torch_checks(tree):
    pytest.importorskip("torch")
    result = tree.run(torch=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.failed() == set()


def test_without_torch_installed_says_so_once(tree, tmp_path):
    blocker = tmp_path / "no_torch"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    cmd = [sys.executable, str(tree.root / "autograder" / "runner.py")]
    proc = subprocess.run(cmd, cwd=tree.root, capture_output=True, text=True, env={"PYTHONPATH": str(blocker)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("torch is not installed") == 1
    forced = subprocess.run(cmd + ["--torch"], cwd=tree.root, capture_output=True, text=True,
                            env={"PYTHONPATH": str(blocker)})
    assert forced.returncode == 2
    assert "torch" in forced.stderr


def test_table_lists_every_step_with_points_and_total():
    pytest.importorskip("torch")  # the torch homework's steps pass only where torch runs
    proc = run_repo("--no-torch")
    lines = proc.stdout.splitlines()
    for entry in load_rubric():
        row = next(line for line in lines if line.startswith(entry.id + " "))
        if entry.id == "mc":
            continue
        assert f"{entry.points:g} / {entry.points:g}" in row and row.rstrip().endswith("PASS")
    total = sum(e.points for e in load_rubric())
    checked = f"{total - MC_POINTS:g}"
    assert any(line.startswith("total") and f"{checked} / {checked} checked here; not checked: " in line
               for line in lines)


def test_mc_is_never_scored_locally_and_the_total_says_so(tree):
    # A well-formed answer: wrong or right, the runner cannot know.
    tree.replace(MC, 'return "c"', 'return "a"')
    result = tree.run()
    assert result.returncode == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("mc "))
    assert row.split()[1:5] == ["-", "/", f"{MC_POINTS:g}", "NOT"] and "MARKED" in row
    assert "PASS" not in row and row.endswith("NOT MARKED  all 5 answers are well-formed")
    total = next(line for line in result.stdout.splitlines() if line.startswith("total"))
    assert f"checked here; not checked: the {MC_POINTS:g} points of mc, marked at official grading" in total
    mc = next(t for t in result.report["tests"] if t["name"] == "mc")
    assert mc["score"] == 0 and mc["status"] == "passed"
    assert mc["output"].startswith(f"not yet marked: its {MC_POINTS:g} points are awarded at official grading")
    assert result.report["score"] == sum(t["score"] for t in result.report["tests"])
    assert "not counting the" in result.report["output"]


def test_a_malformed_mc_answer_fails(tree):
    pytest.importorskip("torch")  # the torch homework's steps pass only where torch runs
    tree.replace(MC, 'return "c"', 'return "z"')
    result = tree.run()
    assert result.failed() == {"mc"}
    row = next(line for line in result.stdout.splitlines() if line.startswith("mc "))
    assert f"0 / {MC_POINTS:g}" in row and "FAIL" in row
    total = next(line for line in result.stdout.splitlines() if line.startswith("total"))
    assert "not checked" not in total


def test_list_shows_steps_and_points():
    proc = run_repo("--list")
    assert proc.returncode == 0
    for entry in load_rubric():
        assert entry.id in proc.stdout
    assert "total" in proc.stdout


def test_help_explains_every_option():
    proc = run_repo("--help")
    assert proc.returncode == 0
    for option in ("--step", "--list", "--json", "--torch", "--no-torch", "--timeout", "--seed", "--version"):
        assert option in proc.stdout


def test_step_selection_runs_only_those_steps(tree):
    result = tree.run("--step", "rnn_forward", "--step", "linear_backward")
    assert result.returncode == 0
    assert list(result.status()) == ["linear_backward", "rnn_forward"]  # rubric order, not argument order
    assert result.stdout.startswith("selected 2 steps: linear_backward, rnn_forward\n")


def test_a_step_group_prefix_selects_the_group_and_says_which(tree):
    result = tree.run("--step", "linear", "--step", "char_rnn", "--step", "linear_forward")
    assert result.returncode == 0
    expected = ["linear_forward", "linear_backward", "char_rnn_loss", "char_rnn_backward", "char_rnn_sample",
                "char_rnn_complete"]
    assert list(result.status()) == expected
    assert result.stdout.startswith(f"selected 6 steps: {', '.join(expected)}\n")
    one = tree.run("--step", "activation")
    assert list(one.status()) == ["activation"] and one.stdout.startswith("selected 1 step: activation\n")


@pytest.mark.parametrize(("wanted", "said"), [
    ("no_such_step", "no step is called 'no_such_step' or starts with 'no_such_step_' (see --list)"),
    ("line", "no step is called 'line' or starts with 'line_': did you mean 'linear'? (see --list)"),
    ("forward", "no step is called 'forward' or starts with 'forward_': did you mean 'rnn_forward' or "
                "'gru_forward' or 'ctc_forward'? (see --list)"),
    ("ctc_forwad", "no step is called 'ctc_forwad' or starts with 'ctc_forwad_': did you mean 'ctc_forward'"),
])
def test_a_step_or_prefix_that_names_nothing_is_a_usage_error_with_the_nearest(wanted, said):
    proc = run_repo("--step", "linear", "--step", wanted)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith("usage: python autograder/runner.py")
    assert f"error: argument --step: {said}" in proc.stderr
    assert proc.stdout == ""


def test_a_group_with_its_trailing_underscore_selects_the_group():
    proc = run_repo("--step", "ctc_", "--list")  # --list: nothing runs, the selection is not needed
    assert proc.returncode == 0
    assert proc.stderr == "note: --step has no effect with --list (it runs no step)\n"
    args = ["--step", "ctc_", "--step", "nope_", "--no-torch"]
    proc = run_repo(*args)
    assert "no step is called 'nope_' or starts with 'nope_'" in proc.stderr and "'ctc_'" not in proc.stderr


def test_a_closed_pipe_ends_the_runner_quietly():
    # The reading end is closed before the runner writes anything, as `runner.py --list | head -0` does.
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run([sys.executable, "autograder/runner.py", "--list"], cwd=REPO, stdout=write,
                          stderr=subprocess.PIPE, text=True)
    os.close(write)
    assert proc.stderr == ""
    assert proc.returncode == CLOSED_PIPE_EXIT == 141


@pytest.mark.parametrize(("where", "why"), [
    ("missing/r.json", "its folder {tmp}/missing does not exist"),
    (".", "it is a folder"),
])
def test_an_unwritable_json_path_is_refused_before_any_step_runs(tmp_path, where, why):
    target = tmp_path / where
    proc = run_repo("--json", str(target))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[-1] == (f"python autograder/runner.py: error: argument --json: cannot write "
                                            f"{target}: {why.format(tmp=tmp_path)}")


def test_unwritable_says_why_without_creating_anything(tmp_path):
    assert unwritable(tmp_path / "r.json") is None and not (tmp_path / "r.json").exists()
    assert unwritable(tmp_path / "a" / "r.json") == f"its folder {tmp_path / 'a'} does not exist"
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert unwritable(locked / "r.json") == f"its folder {locked} is not writable"


def test_an_option_without_effect_says_so_in_one_line():
    proc = run_repo("--step", "activation", "--no-torch", "--seed", "3")
    assert proc.returncode == 0
    notes = [line for line in proc.stdout.splitlines() if "--seed" in line]
    assert notes == ["note: --seed has no effect with --no-torch: it picks the random cases that torch checks live"]
    quiet = run_repo("--step", "activation", "--no-torch")
    assert "note:" not in quiet.stdout + quiet.stderr
    listed = run_repo("--list", "--seed", "3", "--json", "r.json")
    assert listed.stderr == "note: --json and --seed have no effect with --list (it runs no step)\n"


def test_exit_code_is_one_when_a_selected_step_fails_and_zero_when_others_fail(tree):
    tree.replace("mytorch/loss.py", "return self.sm - self.labels", "return self.sm")
    assert tree.run(torch_importable=False).returncode == 1
    assert tree.run("--step", "loss_backward").returncode == 1
    assert tree.run("--step", "loss_forward").returncode == 0


def test_json_follows_gradescope_schema(tree):
    pytest.importorskip("torch")  # the torch homework's steps pass only where torch runs
    tree.replace("mytorch/rnn_cell.py", "return self.activation(z)", "return z")
    result = tree.run()
    report = result.report
    assert set(report) >= {"score", "max_score", "execution_time", "tests"}
    assert isinstance(report["execution_time"], (int, float)) and report["execution_time"] >= 0
    by_name = {t["name"]: t for t in report["tests"]}
    assert list(by_name) == STEP_IDS
    # Only keys of Gradescope's schema; the typed facts go where it keeps extra data (see autograder/report.py).
    assert set(report) <= {"score", "max_score", "execution_time", "output", "tests", "extra_data"}
    assert report["extra_data"]["graded_by"] == "runner"
    assert report["extra_data"]["settings"]["live_torch_cases"] is False  # tree.run passes --no-torch
    for t in report["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "extra_data"}
        assert t["extra_data"]["status"] in ("passed", "failed", "not yet marked")
        assert (t["extra_data"]["failure"] is None) == (t["status"] == "passed")
        assert t["status"] in ("passed", "failed")
        assert isinstance(t["output"], str) and t["output"]
        assert t["score"] == (t["max_score"] if t["status"] == "passed" and t["name"] != "mc" else 0)
    assert by_name["rnn_forward"]["status"] == "failed"
    assert "RNNCell.forward" in by_name["rnn_forward"]["output"]
    failure = by_name["rnn_forward"]["extra_data"]["failure"]
    assert failure["case"] == "case 1" and failure["case_kind"] == "stored" and failure["cause"] is None
    assert failure["output"] == "RNNCell.forward: returned h'"
    [hint] = failure["hints"]
    assert hint["kind"] == "bug" and hint["text"] in by_name["rnn_forward"]["output"] and "tanh" in hint["text"]
    assert report["score"] == sum(t["score"] for t in report["tests"])
    assert report["max_score"] == sum(e.points for e in load_rubric())
    json.dumps(report)


def test_not_implemented_fails_only_that_step_and_points_to_the_file(tree):
    tree.replace("mytorch/rnn_cell.py", "        z = x @ self.W_ih.T",
                 '        raise NotImplementedError("rnn_forward: RNNCell.forward is not implemented yet")\n'
                 "        z = x @ self.W_ih.T")
    result = tree.run(torch_importable=False)
    # The classifier runs RNNCell.forward too; every other step passes.
    assert result.failed() == {"rnn_forward", "rnn_classifier_forward", "rnn_classifier_backward"}
    out = result.output("rnn_forward")
    assert out.splitlines()[0] == "rnn_forward: RNNCell.forward is not implemented yet"
    row = next(line for line in result.stdout.splitlines() if line.startswith("rnn_forward "))
    assert row.endswith("FAIL  rnn_forward: RNNCell.forward is not implemented yet")
    assert "start in mytorch/rnn_cell.py" in out
    assert "Traceback" not in result.stdout


def test_exception_shows_only_student_frames(tree):
    tree.replace("mytorch/linear.py", "return x @ self.W.T + self.b", "return x @ self.W.T + self.b[:, None]")
    result = tree.run(torch_importable=False)
    out = result.output("linear_forward")
    assert "ValueError" in out
    assert "mytorch/linear.py:" in out and "in forward" in out
    assert "autograder/" not in out and "numpy/" not in out


def test_syntax_error_fails_steps_using_that_file_only(tree):
    tree.replace("mytorch/gru_cell.py", "h_t = (1.0 - self.z) * h", "h_t = (1.0 - self.z) * h)")
    result = tree.run(torch_importable=False)
    assert result.failed() == {"gru_forward", "gru_backward", "gru_inference"}  # hw/char_predictor.py imports it
    assert "SyntaxError in mytorch/gru_cell.py line" in result.output("gru_forward")


@pytest.mark.slow
def test_hang_times_out_and_later_steps_still_run(tree):
    tree.replace("mytorch/linear.py", "        self.x = x\n        return x @ self.W.T",
                 "        while True:\n            pass\n        return x @ self.W.T")
    result = tree.run("--timeout", "1", torch_importable=False)
    assert "linear_forward" in result.failed()
    assert "timed out after 1 s" in result.output("linear_forward")
    assert result.status()["gru_backward"] == "passed"


def test_sys_exit_and_base_exceptions_are_contained(tree):
    tree.replace("mytorch/loss.py", "        self.logits = x\n", "        raise SystemExit(3)\n")
    result = tree.run(torch_importable=False)
    assert result.failed() == {"loss_forward", "loss_backward"}
    assert "exit(3)" in result.output("loss_forward")
    assert result.report is not None


def test_wrong_return_type_is_reported_as_type(tree):
    tree.replace("mytorch/rnn_cell.py", "        return dx, dh\n", "        return [dx, dh]\n")
    out = tree.run(torch_importable=False).output("rnn_backward")
    assert "backward must return the tuple (dx, dh), got list" in out


def test_dependency_failure_is_named(tree):
    tree.replace("mytorch/activation.py", "return 1.0 - state * state", "return state")
    result = tree.run(torch_importable=False)
    assert {"activation", "rnn_backward"} <= result.failed()
    assert "this step uses activation, which failed above" in result.output("rnn_backward")


def test_student_modifying_inputs_in_place_cannot_corrupt_later_cases(tree):
    # Scaling delta in place after using it is harmless: every call gets fresh copies.
    tree.replace("mytorch/linear.py", "        return delta @ self.W\n",
                 "        dx = delta @ self.W\n        delta *= 0\n        return dx\n")
    assert tree.run(torch_importable=False).failed() == set()


def test_numpy_warnings_from_student_code_are_reported_on_failure(tree):
    tree.replace("mytorch/loss.py", "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")
    out = tree.run(torch_importable=False).output("loss_forward")
    assert "numpy warned: RuntimeWarning" in out and "mytorch/loss.py" in out


@pytest.mark.parametrize("args, says", [
    (("--timeout", "-1"), "--timeout: must be 0 or more"),
    (("--timeout", "nan"), "--timeout: must be 0 or more"),
    (("--timeout", "soon"), "--timeout: not a number"),
    (("--seed", "-2"), "--seed: must be 0 or more"),
    (("--frobnicate",), "unrecognized arguments"),
])
def test_bad_arguments_exit_2_with_one_message(args, says):
    proc = run_repo(*args)
    assert proc.returncode == 2 and says in proc.stderr
    assert "Traceback" not in proc.stderr


def test_timeout_0_means_no_limit(tree):
    tree.replace("mytorch/linear.py", "        self.x = x\n        return x @ self.W.T",
                 "        import time\n        time.sleep(0.3)\n        self.x = x\n        return x @ self.W.T")
    assert "timed out after 0.2 s" in tree.run("--step", "linear_forward", "--timeout", "0.2").output("linear_forward")
    assert tree.run("--step", "linear_forward", "--timeout", "0").failed() == set()


def test_an_unwritable_json_path_exits_2(tmp_path):
    proc = run_repo("--no-torch", "--step", "linear_forward", "--json", str(tmp_path / "missing" / "r.json"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr


def test_missing_numpy_gets_one_line_and_exit_2(tmp_path):
    fake = tmp_path / "numpy"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named numpy')\n")
    proc = subprocess.run([sys.executable, "autograder/runner.py"], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: numpy is not installed") and proc.stderr.count("\n") == 1


def _old_python() -> str | None:
    # pyenv keeps older interpreters beside the supported ones on the development and CI machines.
    import glob

    found = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.[6-9].*/bin/python")))
    found += sorted(glob.glob(str(Path.home() / ".pyenv/versions/2.7.*/bin/python")))
    return found[-1] if found else shutil.which("python2")


def test_unsupported_python_gets_one_line_and_exit_2():
    python = _old_python()
    if python is None:
        pytest.skip("no Python older than 3.10 on this machine")
    proc = subprocess.run([python, "autograder/runner.py"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: the autograder needs Python 3.10 or newer")
    assert proc.stderr.count("\n") == 1
