"""Official grading: honest handins get the runner's verdicts, forged or hostile ones gain nothing.

Most handins are the reference solution with one file changed, packed into a
tar here; the honest ones are packed by the release's own create_tarball.sh.
"""

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from autograder.official import worker as codec
from autograder.official.__main__ import gradebook_csv
from autograder.official.grade import grade_files, hidden_cases, hidden_stream, make_plan
from autograder.official.handin import HandinError, read_folder, read_tar
from autograder.oracles import load_oracles
from autograder.reference_store import load_cases, read_manifest
from autograder.release import contents
from autograder.steps import all_steps
from tests.test_release import RUBRIC, built, editable_sources, fresh, no_torch, restore, run_runner  # noqa: F401
from tests.tree import REPO

SECRET = b"a secret for the tests"
FULL = sum(e.points for e in RUBRIC)
LINEAR = "mytorch/linear.py"


@pytest.fixture(scope="module")
def plan():
    """One hidden case per spec, 2 s per case: enough to tell honest code from forged values."""
    return make_plan(SECRET, per_spec=1, timeout=2.0)


def solution() -> dict[str, str]:
    return {rel: (REPO / rel).read_text() for rel in editable_sources()}


def with_change(rel: str, old: str, new: str) -> dict[str, str]:
    files = solution()
    assert files[rel].count(old) == 1, old
    files[rel] = files[rel].replace(old, new)
    return files


def pack(path: Path, files: dict[str, str | bytes], links: dict[str, str] | None = None) -> Path:
    """Write a tar of regular files (and symlinks name -> target) exactly as named, unsafe names included."""
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


def grade(plan, files: dict[str, str]) -> dict[str, tuple[str, float, str]]:
    """-> step id -> (status, points, message)."""
    return {r.id: ("passed" if r.passed else "failed", r.points, "\n".join(r.message))
            for r in grade_files(plan, files)}


def total(graded) -> float:
    return sum(points for _, points, _ in graded.values())


def tree_digest(*tops: str) -> str:
    h = hashlib.sha256()
    for top in tops:
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# --- honest handins ---------------------------------------------------------------------------


def test_create_tarball_handin_of_the_solution_gets_full_marks_with_hidden_cases(built, plan, tmp_path):
    root = fresh(built, tmp_path / "student")
    for rel in editable_sources():
        shutil.copyfile(REPO / rel, root / rel)
    subprocess.run(["sh", "create_tarball.sh"], cwd=root, check=True, capture_output=True)
    graded = grade(plan, read_tar(root / "handin.tar"))
    assert total(graded) == FULL, {k: v for k, v in graded.items() if v[0] != "passed"}
    assert "hidden cases" in graded["rnn_backward"][2]
    assert graded["mc"][2].splitlines()[0] == "5 of 5 answers are right"


def test_stubbed_release_handin_gets_zero(built, plan, tmp_path):
    root = fresh(built, tmp_path / "student")
    subprocess.run(["sh", "create_tarball.sh"], cwd=root, check=True, capture_output=True)
    graded = grade(plan, read_tar(root / "handin.tar"))
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
    public_only = make_plan(SECRET, per_spec=0, timeout=5.0)
    graded = grade(public_only, read_folder(root))
    assert {k: v[0] for k, v in graded.items()} == local.status()
    assert 0 < total(graded) == local.report["score"] < FULL
    for step, (_, _, message) in graded.items():
        if step != "mc":  # marked against the key officially, checked for form locally
            assert message == local.output(step), step
    assert "linear_backward" in {k for k, v in graded.items() if v[0] == "failed"}


# --- attacks ----------------------------------------------------------------------------------


def test_patching_the_comparison_inside_the_worker_changes_nothing(plan):
    files = with_change(LINEAR, "        return x @ self.W.T + self.b\n", "        return np.zeros(1)\n")
    files[LINEAR] += (
        "\nimport autograder.compare, autograder.engine\n"
        "autograder.compare.compare = lambda *a, **k: []\n"
        "autograder.engine.check_case = lambda *a, **k: []\n"
        "autograder.engine.judge_case = lambda *a, **k: []\n"
    )
    graded = grade(plan, files)
    assert graded["linear_forward"][0] == "failed"
    assert "shape: expected" in graded["linear_forward"][2]
    assert total(graded) < FULL


def linear_forward_replaced_by(code: str) -> dict[str, str]:
    """The solution's files with Linear.forward replaced by `code` (the original is kept, renamed)."""
    files = solution()
    files[LINEAR] = files[LINEAR].replace("\n    def forward(self, x: np.ndarray)", code + "\n    def _unused(self, x: np.ndarray)")
    return files


def test_reference_data_is_not_in_the_worker_and_public_values_fail_hidden_cases(plan):
    look = (
        "\n    def forward(self, x):\n"
        "        import glob, os\n"
        "        found = glob.glob(os.path.join(os.getcwd(), '**', 'linear_forward.npz'), recursive=True)\n"
        "        found += glob.glob(os.path.join(os.path.dirname(os.getcwd()), '**', 'manifest.json'), recursive=True)\n"
        "        if not found:\n"
        "            raise FileNotFoundError('no reference data here')\n"
        "        return np.zeros(1)\n"
    )
    graded = grade(plan, linear_forward_replaced_by(look))
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
    graded = grade(plan, linear_forward_replaced_by(cheat))
    status, points, message = graded["linear_forward"]
    assert status == "failed" and points == 0
    assert message.startswith("Linear.forward, hidden case 1 (")


@pytest.mark.parametrize("member, reason", [
    ("../evil.py", "path with '..'"),
    ("mytorch/../../evil.py", "path with '..'"),
    ("/tmp/evil_absolute.py", "absolute path"),
])
def test_unsafe_member_paths_reject_the_handin(plan, tmp_path, member, reason):
    before = tree_digest("autograder", "reference_data", "mytorch", "hw")
    files: dict[str, str | bytes] = dict(solution())
    files[member] = "raise SystemExit('should never be written')\n"
    with pytest.raises(HandinError, match=reason):
        read_tar(pack(tmp_path / "h.tar", files))
    assert not Path("/tmp/evil_absolute.py").exists() and not (tmp_path.parent / "evil.py").exists()
    assert tree_digest("autograder", "reference_data", "mytorch", "hw") == before


def test_links_duplicates_bad_text_size_and_garbage_are_rejected(tmp_path):
    base = solution()
    cases = {
        "link": (pack(tmp_path / "a.tar", base, links={"mytorch/passwd.py": "/etc/passwd"}), "a link"),
        "dup": (pack(tmp_path / "b.tar", {**base, "./mytorch/linear.py": "x = 1\n"}), "appears twice"),
        "utf8": (pack(tmp_path / "c.tar", {**base, "hw/bad.py": b"\xff\xfe"}), "not UTF-8"),
        "size": (pack(tmp_path / "d.tar", {**base, "hw/big.py": "#" * (300 * 1024)}), "allowed for one file"),
        "many": (pack(tmp_path / "e.tar", {**base, **{f"hw/m{i}.py": "" for i in range(250)}}), "more than"),
    }
    (tmp_path / "f.tar").write_bytes(b"this is not a tar archive at all" * 40)
    cases["garbage"] = (tmp_path / "f.tar", "not a readable tar")
    for path, reason in cases.values():
        with pytest.raises(HandinError, match=reason):
            read_tar(path)


def test_members_outside_student_folders_are_ignored_and_grader_files_unchanged(plan, tmp_path):
    before = tree_digest("autograder", "reference_data")
    files: dict[str, str | bytes] = dict(solution())
    files["autograder/compare.py"] = "def compare(*a, **k):\n    return []\n"
    files["reference_data/x.npz"] = b"PK\x05\x06" + b"\0" * 18
    files["mytorch/notes.txt"] = "ignored"
    accepted = read_tar(pack(tmp_path / "h.tar", files))
    assert set(accepted) == set(solution())
    assert tree_digest("autograder", "reference_data") == before


def test_forged_files_in_the_worker_folder_and_its_parent_do_not_change_the_grade(plan, tmp_path):
    forge = (
        "\nimport json, os\n"
        "for where in ('.', '..'):\n"
        "    for name in ('results.json', 'gradebook.csv'):\n"
        "        with open(os.path.join(where, name), 'w') as f:\n"
        "            f.write(json.dumps({'score': 170, 'max_score': 170}))\n"
        "    os.makedirs(os.path.join(where, 'results'), exist_ok=True)\n"
        "    for n in range(400):\n"
        "        with open(os.path.join(where, 'results', f'{n}.json'), 'w') as f:\n"
        "            f.write(json.dumps({'kind': 'case', 'outputs': [], 'error': None, 'warnings': []}))\n"
    )
    files = with_change(LINEAR, "        return x @ self.W.T + self.b\n", "        return None\n")
    honest = grade(plan, files)
    files[LINEAR] += forge
    graded = grade(plan, files)
    assert graded["linear_forward"][0] == "failed"
    assert {k: v[:2] for k, v in graded.items()} == {k: v[:2] for k, v in honest.items()}
    assert total(graded) <= FULL - 5


@pytest.mark.slow
def test_endless_loops_and_memory_bombs_fail_their_step_only(plan):
    files = with_change(LINEAR, "        batch_size = delta.shape[0]\n", "        while True:\n            pass\n")
    files["mytorch/loss.py"] = files["mytorch/loss.py"].replace(
        '    def forward(self', '    def forward(self, *a, **k):\n        return np.ones(6 * 10**8)\n\n    def _unused(self', 1)
    # This one ignores the time limit: the grader stops the whole process.
    files["mytorch/gru_cell.py"] += (
        "\nimport signal\n"
        "def _stubborn(self, *a, **k):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n"
        "GRUCell.backward = _stubborn\n"
    )
    graded = grade(plan, files)
    assert "timed out after 2 s" in graded["linear_backward"][2]
    assert "MemoryError" in graded["loss_forward"][2]
    assert "timed out: the process running the code was stopped" in graded["gru_backward"][2]
    for step in ("activation", "linear_forward", "rnn_backward", "gru_forward", "gru_inference", "mc"):
        assert graded[step][0] == "passed", graded[step]


@pytest.mark.parametrize("how", ["os._exit(0)", "os.kill(os.getpid(), 9)"])
def test_a_module_that_ends_its_process_fails_its_steps_only(plan, how):
    files = solution()
    files["mytorch/gru_cell.py"] += f"\nimport os\n{how}\n"
    graded = grade(plan, files)
    for step in ("gru_forward", "gru_backward", "gru_inference"):
        assert graded[step][0] == "failed" and "the process running the code" in graded[step][2], graded[step]
    assert graded["char_rnn_loss"][0] == graded["rnn_backward"][0] == "passed"
    assert total(graded) == FULL - 15 - 20 - 10


class _Unpickled:
    def __reduce__(self):
        return (os.system, ("touch /tmp/official-grading-unpickled",))


def test_pickled_object_arrays_are_refused_without_unpickling(plan, tmp_path):
    marker = Path("/tmp/official-grading-unpickled")
    marker.unlink(missing_ok=True)
    buf = io.BytesIO()
    np.savez(buf, a0=np.array([_Unpickled()], dtype=object), allow_pickle=True)
    with pytest.raises(codec.Malformed, match="without pickle"):
        codec.load_arrays(buf.getvalue())
    assert not marker.exists()
    # The same from inside the worker: its writer replaced by one that pickles.
    files = solution()
    files[LINEAR] += (
        "\nimport io, numpy\nimport autograder.npzio\n"
        "def _pickling(arrays):\n    buf = io.BytesIO()\n"
        "    numpy.savez(buf, a0=numpy.array([print], dtype=object), allow_pickle=True)\n"
        "    return buf.getvalue()\n"
        "autograder.npzio.npz_bytes = _pickling\n"
    )
    graded = grade(plan, files)
    assert "malformed" in graded["linear_forward"][2] and graded["linear_forward"][1] == 0
    assert not marker.exists()


def test_malformed_mc_answers_are_wrong(plan):
    files = solution()
    files["hw/mc.py"] += (
        "\nclass _Yes(list):\n    def __eq__(self, other):\n        return True\n"
        "question_1 = lambda: 'b' * 10**6\n"
        "question_2 = lambda: _Yes(['a', 'c', 'e'])\n"
        "question_4 = lambda: {'c': 'c'}\n"
    )
    status, points, message = grade(plan, files)["mc"]
    assert status == "failed" and points == 10 * 2 / 5
    lines = message.splitlines()
    assert lines[0] == "2 of 5 answers are right"
    assert "question_1: wrong (malformed answer (a str (too long))" in lines[1]
    assert "question_2: wrong (malformed answer (a _Yes)" in lines[2]
    assert lines[3].strip() == "question_3: right"
    assert "question_4: wrong (malformed answer (a dict)" in lines[4]
    assert "['" not in message.replace("['a', 'b']", "")  # the key is never shown


def test_codec_round_trip_and_refusals():
    enc = codec._Encoder()
    value = {"a": [np.arange(3.0), (np.float32(2), 3, 1.5, None, True)], "b": "text"}
    node = enc.encode(value)
    decoded = codec._Decoder(codec.load_arrays(__import__("autograder.npzio").npzio.npz_bytes(enc.arrays)),
                             None).decode(node)
    assert decoded["a"][0].tolist() == [0.0, 1.0, 2.0]
    assert type(decoded["a"][1][0]) is np.float32 and decoded["a"][1][1:] == (3, 1.5, None, True)
    assert type(enc.encode(object())) is dict and codec._Decoder({}, None).decode({"t": "opaque", "type": "Foo"}
                                                                                   ).__class__.__name__ == "Foo"
    for bad in ({"t": "array", "k": "a9"}, {"t": "opaque", "type": "not a name"}, {"t": "int", "v": "x"},
                {"t": "exec"}, [1], {"t": "odd_array", "dtype": "O", "shape": [10**6, 10**6]}):
        with pytest.raises(codec.Malformed):
            codec._Decoder({}, None).decode(bad)
    deep: dict = {"t": "none"}
    for _ in range(20):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(codec.Malformed, match="too deep"):
        codec._Decoder({}, None).decode(deep)


# --- secrets, determinism, what the worker sees -----------------------------------------------


def test_hidden_cases_depend_on_the_secret_only():
    step = all_steps()["rnn_forward"]
    oracle = load_oracles()["rnn_forward"]
    a1, a2 = (hidden_cases(step, oracle, hidden_stream(b"first secret"), 1) for _ in range(2))
    b = hidden_cases(step, oracle, hidden_stream(b"second secret"), 1)
    public = load_cases("rnn_forward", read_manifest())
    for x, y, z, p in zip(a1, a2, b, public):
        assert all(np.array_equal(x.inputs[k], y.inputs[k]) for k in x.inputs)
        assert not np.array_equal(x.inputs["x"], z.inputs["x"])
        assert not np.array_equal(x.inputs["x"], p.inputs["x"])
    assert [c.label for c in a1] == [f"hidden case {i + 1}" for i in range(len(step.specs))]


def test_the_worker_gets_inputs_only(plan, monkeypatch):
    seen = []

    def spy(argv, **kwargs):
        folder = Path(kwargs["cwd"])
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        seen.append((argv, kwargs["env"], files))
        return subprocess.Popen(argv, **kwargs)

    monkeypatch.setattr(plan, "launch", spy)
    grade(plan, solution())
    argv, env, files = seen[0]
    blob = b"".join(files.values())
    assert SECRET not in blob and not any(SECRET.decode() in a for a in argv + list(env.values()))
    assert set(env) <= {"PATH", "LANG", "HOME", "TMPDIR", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
    for rel in files:
        assert not (contents.is_instructor_only(rel) or rel.startswith(("reference_data", "autograder/oracles"))), rel
    tops = {rel.split("/", 1)[0] for rel in files}
    assert tops == {"autograder", "mytorch", "hw", "_worker.py", "inputs.npz", "plan.json"}
    inputs = np.load(io.BytesIO(files["inputs.npz"]), allow_pickle=False)
    given = {inputs[k].tobytes() for k in inputs.files}
    for cases in plan.cases.values():
        for case in cases:
            for name, expected in case.expected.items():
                data = np.ascontiguousarray(expected).tobytes()
                if np.unique(expected).size > 2 and data not in given:
                    assert data not in blob, (case.label, name)


@pytest.mark.slow
def test_grade_command_is_deterministic_and_writes_the_gradebook(built, tmp_path):
    secret = tmp_path / "secret"
    subprocess.run([sys.executable, "-m", "autograder.official", "new-secret", str(secret)], cwd=REPO, check=True)
    good = pack(tmp_path / "alice.tar", solution())
    bad = pack(tmp_path / "bob.tar", {"../x.py": "", **solution()})
    (tmp_path / "carol").mkdir()
    stub = tmp_path / "carol" / "handin.tar"
    root = fresh(built, tmp_path / "stub")
    subprocess.run(["sh", "create_tarball.sh"], cwd=root, check=True, capture_output=True)
    shutil.copyfile(root / "handin.tar", stub)
    books = []
    for out in ("o1", "o2"):
        proc = subprocess.run([sys.executable, "-m", "autograder.official", "grade", str(stub), str(good), str(bad),
                               "--out", str(tmp_path / out), "--secret", str(secret), "--hidden-cases", "1"],
                              cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        books.append((tmp_path / out / "gradebook.csv").read_bytes())
    assert books[0] == books[1]
    lines = books[0].decode().splitlines()
    assert lines[0] == "handin,total,max," + ",".join(e.id for e in RUBRIC)
    full = f"{sum(e.points for e in RUBRIC):g}"
    assert [line.split(",")[:3] for line in lines[1:]] == [["alice", full, full], ["bob", "0", full],
                                                            ["carol", "0", full]]
    import json
    bob = json.loads((tmp_path / "o1" / "bob" / "results.json").read_text())
    assert bob["score"] == 0 and "handin rejected: '../x.py': path with '..'" in bob["tests"][0]["output"]


def test_gradescope_mode_reads_a_folder(tmp_path):
    sub = tmp_path / "submission"
    for rel, text in solution().items():
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text(text)
    (sub / "hw" / "sneaky.py").symlink_to("/etc/passwd")
    with pytest.raises(HandinError, match="a link"):
        read_folder(sub)
    (sub / "hw" / "sneaky.py").unlink()
    results = tmp_path / "results" / "results.json"
    proc = subprocess.run([sys.executable, "-m", "autograder.official", "gradescope", "--submission", str(sub),
                           "--results", str(results), "--hidden-cases", "0", "--timeout", "5"],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import json
    assert json.loads(results.read_text())["score"] == FULL


def test_gradebook_rows_are_sorted(plan):
    from autograder.engine import StepResult
    rows = {n: [StepResult("a", p, 5, p == 5)] for n, p in (("zoe", 5.0), ("amy", 2.5))}
    assert gradebook_csv(rows) == "handin,total,max,a\namy,2.5,5,2.5\nzoe,5,5,5\n"
