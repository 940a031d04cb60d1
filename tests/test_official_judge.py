"""Official grading in this process: honest handins get the runner's verdicts, forged or hostile ones gain nothing.

Most handins are the reference solution with one file changed; the honest
ones are packed by the release's own create_tarball.sh. As root, student code
runs as a worker uid; otherwise in the same-user trial mode.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.intake.handin import read_folder, read_tar
from autograder.official.judging import supervise
from autograder.official.judging.batch import grade_one
from autograder.official.judging.judge import NOT_OFFICIAL
from autograder.official.judging.plan import make_plan
from autograder.official.worker import wire
from autograder.references.store import load_cases, read_manifest
from autograder.release import contents
from autograder.report import message_lines
from tests.official_setup import (
    IS_ROOT,
    LINEAR,
    in_process_grader,
    linear_forward_replaced_by,
    solution,
    with_change,
    worker_uid,
)
from tests.release_tree import FULL, RUBRIC, TORCH_STEPS, editable_sources, fresh, restore, run_runner
from tests.tree import REPO

SECRET = b"a secret for the tests"


@pytest.fixture(scope="module")
def grader():
    """One hidden case per spec, 2 s per case: enough to tell honest code from forged values."""
    made = in_process_grader(make_plan(SECRET, per_spec=1, timeout=2.0), first_uid=worker_uid(0))
    yield made
    made.close()


def grade(grader, files: dict[str, str]) -> dict[str, tuple[str, float, str]]:
    """-> step id -> (status, points, message)."""
    graded = grade_one(grader, 0, lambda: files)
    return {r.id: ("passed" if r.passed else "failed", r.points, "\n".join(message_lines(r))) for r in graded.results}


def total(graded) -> float:
    return sum(points for _, points, _ in graded.values())


# --- honest handins ---------------------------------------------------------------------------


def test_torch_steps_run_only_with_the_torch_runtime():
    """The torch steps' jobs run in a worker of their own; without a torch runtime they get 0 and say why."""
    without = in_process_grader(make_plan(SECRET, per_spec=0, timeout=5.0), first_uid=worker_uid(5))
    without.torch_python = None
    try:
        graded = grade(without, solution())
    finally:
        without.close()
    # The first line (a same-user trial, without root, adds that it is not an official grade).
    assert TORCH_STEPS and all(graded[s][1] == 0 and graded[s][2].splitlines()[0] == "not graded: the grader was "
                               "run without a torch runtime" for s in TORCH_STEPS)
    assert all(status == "passed" for step, (status, _, _) in graded.items() if step not in TORCH_STEPS)



def test_create_tarball_handin_of_the_solution_gets_full_marks_with_hidden_cases(built, grader, tmp_path):  # noqa: F811
    root = fresh(built, tmp_path / "student")
    for rel in editable_sources():
        shutil.copyfile(REPO / rel, root / rel)
    subprocess.run(["sh", "create_tarball.sh"], cwd=root, check=True, capture_output=True)
    graded = grade(grader, read_tar(root / "handin.tar"))
    assert total(graded) == FULL, {k: v for k, v in graded.items() if v[0] != "passed"}
    assert "hidden cases" in graded["rnn_backward"][2]
    assert graded["mc"][2].splitlines()[0] == "5 of 5 answers are right"
    assert (NOT_OFFICIAL in graded["mc"][2]) is not IS_ROOT


def test_stubbed_release_handin_gets_zero(built, grader, tmp_path):  # noqa: F811
    root = fresh(built, tmp_path / "student")
    subprocess.run(["sh", "create_tarball.sh"], cwd=root, check=True, capture_output=True)
    graded = grade(grader, read_tar(root / "handin.tar"))
    assert total(graded) == 0
    assert all("not implemented yet" in message for _, _, message in graded.values())


@pytest.mark.slow
def test_partly_solved_handin_gets_the_runners_verdicts_and_messages(built, no_torch, tmp_path):  # noqa: F811
    root = fresh(built, tmp_path / "student")
    # Half the steps solved, and one plausible bug in a solved one.
    restore(root, {e.id for e in RUBRIC[: len(RUBRIC) // 2]})
    text = (root / LINEAR).read_text()
    (root / LINEAR).write_text(text.replace("self.db += delta.sum(axis=0) / batch_size",
                                            "self.db += delta.sum(axis=0)"))
    local = run_runner(root, no_torch, "--no-torch")
    public_only = in_process_grader(make_plan(SECRET, per_spec=0, timeout=5.0), first_uid=worker_uid(1))
    try:
        graded = grade(public_only, read_folder(root))
    finally:
        public_only.close()
    # Without torch the runner does not run the torch steps; official grading runs them with its torch runtime.
    official = {k: v[0] for k, v in graded.items() if k not in TORCH_STEPS}
    assert official == {k: v for k, v in local.status().items() if k not in TORCH_STEPS}
    for step in TORCH_STEPS:
        assert local.status()[step] == "not run" and graded[step][0] == "failed", step
        assert "is not implemented yet" in graded[step][2], step
    assert 0 < total(graded) == local.report["score"] < FULL
    for step, (_, _, message) in graded.items():
        if step != "mc" and step not in TORCH_STEPS:  # mc: marked officially, checked for form locally
            assert message.replace("\n" + NOT_OFFICIAL, "") == local.output(step), step
    assert "linear_backward" in {k for k, v in graded.items() if v[0] == "failed"}


# --- attacks inside the worker ----------------------------------------------------------------


def test_patching_the_comparison_inside_the_worker_changes_nothing(grader):
    files = with_change(LINEAR, "        return x @ self.W.T + self.b\n", "        return np.zeros(1)\n")
    files[LINEAR] += (
        "\nimport autograder.compare, autograder.judging\n"
        "autograder.compare.compare = lambda *a, **k: []\n"
        "autograder.judging.first_mismatch = lambda *a, **k: None\n"
        "autograder.judging.judge_case = lambda *a, **k: None\n"
    )
    graded = grade(grader, files)
    assert graded["linear_forward"][0] == "failed"
    assert "shape: expected" in graded["linear_forward"][2]
    assert total(graded) < FULL


def test_reference_data_is_not_in_the_worker_and_public_values_fail_hidden_cases(grader):
    look = (
        "\n    def forward(self, x):\n"
        "        import glob, os\n"
        "        found = glob.glob(os.path.join(os.getcwd(), '**', 'linear_forward.npz'), recursive=True)\n"
        "        parent = os.path.dirname(os.getcwd())\n"
        "        for top in os.listdir(parent):\n"
        "            if top != 'proc':\n"
        "                found += glob.glob(os.path.join(parent, top, '**', 'manifest.json'), recursive=True)\n"
        "        if not found:\n"
        "            raise FileNotFoundError('no reference data here')\n"
        "        return np.zeros(1)\n"
    )
    graded = grade(grader, linear_forward_replaced_by(look))
    assert "FileNotFoundError: no reference data here" in graded["linear_forward"][2]

    # Someone who copied the public expected values into their code passes the public cases only.
    table = [(c.inputs["x"][0].tolist(), c.expected["y"].tolist())
             for c in load_cases("linear_forward", read_manifest())]
    cheat = (
        f"\n    _TABLE = {table!r}\n"
        "    def forward(self, x):\n"
        "        for given, y in self._TABLE:\n"
        "            if np.array_equal(np.array(given), x):\n"
        "                return np.array(y)\n"
        "        return np.zeros((x.shape[0], self.W.shape[0]))\n"
    )
    graded = grade(grader, linear_forward_replaced_by(cheat))
    status, points, message = graded["linear_forward"]
    assert status == "failed" and points == 0
    assert message.startswith("Linear.forward, hidden case 1 (")


def test_forged_files_in_the_worker_folder_and_its_parent_do_not_change_the_grade(grader):
    forge = (
        "\nimport json, os\n"
        "for where in ('.', '..'):\n"
        "    try:\n"
        "        for name in ('results.json', 'gradebook.csv'):\n"
        "            with open(os.path.join(where, name), 'w') as f:\n"
        "                f.write(json.dumps({'score': 170, 'max_score': 170}))\n"
        "        os.makedirs(os.path.join(where, 'results'), exist_ok=True)\n"
        "        for n in range(400):\n"
        "            with open(os.path.join(where, 'results', f'{n}.json'), 'w') as f:\n"
        "                f.write(json.dumps({'kind': 'case', 'outputs': [], 'error': None, 'warnings': []}))\n"
        "    except OSError:\n"
        "        pass\n"
    )
    files = with_change(LINEAR, "        return x @ self.W.T + self.b\n", "        return None\n")
    honest = grade(grader, files)
    files[LINEAR] += forge
    graded = grade(grader, files)
    assert graded["linear_forward"][0] == "failed"
    assert {k: v[:2] for k, v in graded.items()} == {k: v[:2] for k, v in honest.items()}
    assert total(graded) < FULL


@pytest.mark.slow
def test_endless_loops_and_memory_bombs_fail_their_step_only(grader):
    files = with_change(LINEAR, "        batch_size = delta.shape[0]\n", "        while True:\n            pass\n")
    files["mytorch/loss.py"] = files["mytorch/loss.py"].replace(
        '    def forward(self',
        '    def forward(self, *a, **k):\n        return np.ones(6 * 10**8)\n\n    def _unused(self', 1)
    # This one ignores the time limit: the grader stops the whole process.
    files["mytorch/gru_cell.py"] += (
        "\nimport signal\n"
        "def _stubborn(self, *a, **k):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        pass\n"
        "GRUCell.backward = _stubborn\n"
    )
    graded = grade(grader, files)
    assert "timed out after 2 s" in graded["linear_backward"][2]
    assert "MemoryError" in graded["loss_forward"][2]
    assert "timed out after 2 s, stopped by the grader" in graded["gru_backward"][2]
    for step in ("activation", "linear_forward", "rnn_backward", "gru_forward", "gru_inference", "mc"):
        assert graded[step][0] == "passed", graded[step]


@pytest.mark.parametrize("how", ["os._exit(0)", "os.kill(os.getpid(), 9)"])
def test_a_module_that_ends_its_process_fails_its_steps_only(grader, how):
    files = solution()
    files["mytorch/gru_cell.py"] += f"\nimport os\n{how}\n"
    graded = grade(grader, files)
    for step in ("gru_forward", "gru_backward", "gru_inference"):
        assert graded[step][0] == "failed" and "the process running the code" in graded[step][2], graded[step]
    assert "exited (exit code 0)" in graded["gru_forward"][2] or "killed by SIGKILL" in graded["gru_forward"][2]
    assert graded["char_rnn_loss"][0] == graded["rnn_backward"][0] == "passed"
    assert total(graded) == FULL - 15 - 20 - 10


def test_a_worker_that_reports_object_arrays_fails_that_step(grader):
    # Object arrays would need pickle to load: the wire format has no way to carry one, and refuses the dtype.
    files = solution()
    files[LINEAR] += (
        "\nimport json\nimport _wire\n"
        "def _objects(n, record, arrays):\n"
        "    meta = [[k, '|O', [1], 8 * i, 8] for i, k in enumerate(sorted(arrays))]\n"
        "    js = json.dumps({'r': record, 'a': meta}).encode()\n"
        "    data = bytes(8 * len(meta))\n"
        "    return _wire.FRAME_MAGIC + _wire.FRAME_HEAD.pack(n, len(js), len(data)) + js + data\n"
        "_wire.frame = _objects\n"
    )
    graded = grade(grader, files)
    assert "malformed (an array of dtype object)" in graded["linear_forward"][2] and graded["linear_forward"][1] == 0
    assert graded["activation"][0] == "passed"


def test_malformed_mc_answers_are_wrong(grader):
    files = solution()
    files["hw/mc.py"] += (
        "\nclass _Yes(list):\n    def __eq__(self, other):\n        return True\n"
        "question_1 = lambda: 'b' * 10**6\n"
        "question_2 = lambda: _Yes(['a', 'c', 'e'])\n"
        "question_4 = lambda: {'c': 'c'}\n"
    )
    status, points, message = grade(grader, files)["mc"]
    assert status == "failed" and points == 10 * 2 / 5
    lines = message.splitlines()
    assert lines[0] == "2 of 5 answers are right"
    assert "question_1: wrong (malformed answer (a str (too long))" in lines[1]
    assert "question_2: wrong (malformed answer (a _Yes)" in lines[2]
    assert lines[3].strip() == "question_3: right"
    assert "question_4: wrong (malformed answer (a dict)" in lines[4]
    assert "['" not in message.replace("['a', 'b']", "")  # the key is never shown


# --- what the worker sees, what the grader loads ----------------------------------------------


def test_the_worker_gets_inputs_only(grader, monkeypatch):
    seen = {}
    real = supervise.run_jobs

    def spy(plan, jobs, folder, *args):
        seen.update({p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()})
        seen["_cases"] = jobs
        return real(plan, jobs, folder, *args)

    monkeypatch.setattr(supervise, "run_jobs", spy)
    grade(grader, solution())
    files = {k: v for k, v in seen.items() if k != "_cases"}
    blob = b"".join(files.values())
    assert SECRET not in blob
    for rel in files:
        assert not (contents.is_instructor_only(rel) or rel.startswith(("reference_data", "autograder/oracles"))), rel
    tops = {rel.split("/", 1)[0] for rel in files}
    assert tops == {"autograder", "mytorch", "hw", "inputs.bin", "plan.json"}
    given = {arr.tobytes() for arr in wire.read_arrays(files["inputs.bin"]).values()}
    for cases in grader.plan.stored.values():
        for case in cases:
            for name, expected in case.expected.items():
                data = np.ascontiguousarray(expected).tobytes()
                if np.unique(expected).size > 2 and data not in given:
                    assert data not in blob, (case.label, name)


def test_grading_imports_nothing_after_the_plan(grader):
    # Everything the grader executes is loaded before student code runs: no module a worker could have
    # written (or replaced) is imported while handins are graded.
    files = with_change(LINEAR, "        return x @ self.W.T + self.b\n", "        return None\n")
    files["hw/mc.py"] += "\nquestion_1 = lambda: 'z'\n"
    grade(grader, files)  # warms up lazy imports of the standard library
    before = set(sys.modules)
    grade(grader, files)
    assert set(sys.modules) - before == set()
    assert grader.plan.key and "autograder.answer_key" in sys.modules


def test_rewriting_the_answer_key_after_the_plan_changes_no_mark(grader, monkeypatch):
    import autograder.answer_key as key_module

    monkeypatch.setattr(key_module, "ANSWERS", {n: "z" for n in grader.plan.key})
    graded = grade(grader, solution())
    assert graded["mc"][1] == 10


def test_a_trial_run_says_it_is_not_official():
    trial = in_process_grader(make_plan(SECRET, per_spec=0, timeout=5.0), first_uid=worker_uid(2))
    trial.identities = [type(trial.identities[0])(None, None, sys.executable)]
    try:
        graded = grade_one(trial, 0, solution)
    finally:
        trial.close()
    assert all(message_lines(r)[-1] == NOT_OFFICIAL for r in graded.results)
    assert graded.results_json(None)["output"].startswith("NOT AN OFFICIAL GRADE")
    assert os.geteuid() == 0 or not graded.official
