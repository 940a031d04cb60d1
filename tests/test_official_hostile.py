"""The hostile-handin suite: one batch, graded as the README says, in which every attack observed gains nothing.

Each hostile handin is the reference solution with one attack added. Every
attack must cost the attacked steps (0 points) and nothing else; honest
handins in the same batch keep full marks; the grader's files stay unchanged;
nothing of any handin survives the batch; the batch ends with a gradebook.
The handins know the repository's and the secret's paths, as a student who
read the grader's command line or guessed them might.
"""

import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import tarfile
import textwrap
import threading
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.confine.identity import processes_of
from tests.official_setup import (
    LINEAR,
    needs_root,
    official_cli,
    pack,
    private_course,
    private_repo,
    results_of,
    runtime_args,
    solution,
    torch_worker_python,
    worker_uid,
)
from tests.release_tree import FULL, RUBRIC

pytestmark = [needs_root, pytest.mark.slow]
UIDS = (worker_uid(200), worker_uid(201))
SECRET_TEXT = "the hostile suite's secret 8d1e"


# The grader's processes as a handin finds them: the worker's parent (the fork server) and every process whose
# command line (world-readable in /proc) runs autograder.official.
FIND_GRADER = (
    "def _grader_pids():\n"
    "    import os\n"
    "    found = [os.getppid()]\n"
    "    for p in os.listdir('/proc'):\n"
    "        try:\n"
    "            if p.isdigit() and b'autograder.official' in open(f'/proc/{p}/cmdline', 'rb').read():\n"
    "                found.append(int(p))\n"
    "        except OSError:\n"
    "            pass\n"
    "    return found\n")


def cell_from(places: str) -> str:
    """Attack code: the RNNCell of the first folder of `places` (a Python expression) that holds
    mytorch/rnn_cell.py, else a stand-in whose every method is missing (so the attacked steps fail)."""
    return ("def _load():\n"
            f"    for where in {places}:\n"
            "        try:\n"
            "            spec = importlib.util.spec_from_file_location('_theirs', where + '/mytorch/rnn_cell.py')\n"
            "            module = importlib.util.module_from_spec(spec)\n"
            "            spec.loader.exec_module(module)\n"
            "            return module.RNNCell\n"
            "        except OSError:\n"
            "            continue\n"
            "    return None\n"
            "_Theirs = _load()\n"
            "class RNNCell:\n"
            "    def __init__(self, input_size, hidden_size):\n"
            "        self.input_size, self.hidden_size = input_size, hidden_size\n"
            "    def __getattr__(self, name):\n"
            "        raise AttributeError(name)\n"
            "if _Theirs is not None:\n"
            "    RNNCell = _Theirs\n")


def method(files: dict[str, str], rel: str, name: str, body: str) -> dict[str, str]:
    """Replace `name` of the file's class by `body` (the original kept as _original_<name>)."""
    head = f"\n    def {name}("
    assert files[rel].count(head) == 1, (rel, name)
    code = f"\n    def {name}(self, *args, **kwargs):\n" + "".join(f"        {line}\n" for line in body.splitlines())
    files[rel] = files[rel].replace(head, code + f"\n    def _original_{name}(")
    return files


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def view_attacks(checkout: Path, torch_runtime: Path, sock: str) -> dict[str, tuple[dict[str, str | bytes], set[str]]]:
    """-> handin name -> (its files; the steps it must cost): what a worker that saw the whole machine would gain.

    Each attacked step gives the right answer (the solution's) exactly when the attack reached what it went for,
    and raises otherwise: it scores 0 only if the attack failed."""
    found = {}
    # torch in a numpy step, by every path it can discover: the runtimes named on the machine's command lines,
    # the README's, the real one (as if guessed), and a walk of what it can list.
    found["torch_by_path"] = (method(solution(), "mytorch/rnn_cell.py", "backward",
                              "import glob, os, sys\n"
                              f"places = [{str(torch_runtime)!r}, '/opt/rnn-worker-torch']\n"
                              "for p in os.listdir('/proc'):\n"
                              "    try:\n"
                              "        words = open(f'/proc/{p}/cmdline', 'rb').read().split(b'\\0')\n"
                              "        places += [os.path.dirname(os.path.dirname(w.decode())) for w in words\n"
                              "                   if b'python' in w]\n"
                              "    except (OSError, ValueError):\n"
                              "        pass\n"
                              "for where, dirs, files in os.walk('/'):\n"
                              "    if where.startswith('/proc') or where.count('/') > 6:\n"
                              "        dirs.clear()\n"
                              "    if 'torch' in dirs:\n"
                              "        places.append(where)\n"
                              "for place in places:\n"
                              "    for path in [place, *glob.glob(place + '/lib/python3*/site-packages')]:\n"
                              "        sys.path.append(path)\n"
                              "        try:\n"
                              "            import torch\n"
                              "            return self._original_backward(*args, **kwargs)\n"
                              "        except Exception:\n"
                              "            sys.path.remove(path)\n"
                              "raise ImportError('no torch anywhere')"), {"rnn_backward"})
    # The instructor's other checkout, readable by everyone: its solution and its answer key.
    files = solution()
    files["mytorch/rnn_cell.py"] = (
        "import glob, importlib.util\nimport numpy as np\n"
        f"_places = [{str(checkout)!r}] + [p[:-len('/mytorch/rnn_cell.py')] for p in\n"
        "           glob.glob('/*/*/mytorch/rnn_cell.py') + glob.glob('/*/*/*/mytorch/rnn_cell.py')]\n"
        + cell_from("_places"))
    files["hw/mc.py"] += (
        "\n_ns = {}\n"
        f"for _where in [{str(checkout)!r}]:\n"
        "    try:\n"
        "        exec(open(_where + '/autograder/answer_key.py').read(), _ns)\n"
        "    except OSError:\n"
        "        pass\n"
        "for _n in range(1, 6):\n"
        "    globals()[f'question_{_n}'] = (lambda n: lambda: _ns.get('ANSWERS', {}).get(n, 'z'))(_n)\n")
    found["other_checkout"] = (files, {"rnn_forward", "rnn_backward", "mc"})
    # A unix socket by path (0777, under /run, with a listener): data out of the worker.
    found["unix_socket"] = (method(solution(), LINEAR, "forward",
                            "import glob, socket\n"
                            f"for path in [{sock!r}] + glob.glob('/run/*.sock') + glob.glob('/var/run/*.sock'):\n"
                            "    s = socket.socket(socket.AF_UNIX)\n"
                            "    try:\n"
                            "        s.connect(path)\n"
                            "        s.sendall(b'from a worker')\n"
                            "        return self._original_forward(*args, **kwargs)\n"
                            "    except OSError:\n"
                            "        pass\n"
                            "    finally:\n"
                            "        s.close()\n"
                            "raise ConnectionError('no socket')"), {"linear_forward"})
    # Another process in /proc: anything that is not this worker or its parents (the grader, fork servers).
    found["sees_processes"] = (method(solution(), "mytorch/loss.py", "forward",
                               "import os\nmine, pid = {os.getpid()}, os.getpid()\n"
                               "while pid > 1:\n"
                               "    pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
                               "    mine.add(pid)\n"
                               "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in mine]\n"
                               "if others:\n"
                               "    return self._original_forward(*args, **kwargs)\n"
                               "raise LookupError('no other process')"), {"loss_forward"})
    return found


def attacks(repo: Path, secret: Path, out: Path) -> dict[str, tuple[dict[str, str | bytes] | bytes, set[str]]]:
    """-> handin name -> (its files, or raw archive bytes; the steps the attack must cost)."""
    found = {}
    # Load the reference solution from the grader's working directory or the repository's known path.
    files = solution()
    files["mytorch/rnn_cell.py"] = (
        "import importlib.util, os\nimport numpy as np\n" + FIND_GRADER
        + cell_from(f"[f'/proc/{{pid}}/cwd' for pid in _grader_pids()] + [{str(repo)!r}]"))
    found["imports_solution"] = (files, {"rnn_forward", "rnn_backward"})
    # Read the answer key the same ways.
    files = solution()
    files["hw/mc.py"] += (
        "\nimport os as _os\n" + FIND_GRADER +
        "_key = ''\n"
        f"for _where in [f'/proc/{{pid}}/cwd' for pid in _grader_pids()] + [{str(repo)!r}]:\n"
        "    try:\n"
        "        _key = open(_where + '/autograder/answer_key.py').read()\n"
        "        break\n"
        "    except OSError:\n"
        "        pass\n"
        "_ns = {}\n"
        "exec(_key, _ns)\n"
        "_answers = _ns.get('ANSWERS', {})\n"
        "for _n in range(1, 6):\n"
        "    globals()[f'question_{_n}'] = (lambda n: lambda: _answers.get(n, 'z'))(_n)\n"
    )
    found["reads_key"] = (files, {"mc"})
    # Read the secret (its path is no secret) and show it in a message; read the grader's environment.
    files = method(solution(), LINEAR, "forward",
                   "import os\nseen = []\n" + FIND_GRADER +
                   f"for path in [{str(secret)!r}] + [f'/proc/{{pid}}/environ' for pid in _grader_pids()]:\n"
                   "    try:\n        seen.append(open(path, 'rb').read()[:200].decode('latin-1'))\n"
                   "    except OSError as exc:\n        seen.append(type(exc).__name__)\n"
                   "raise ValueError(' | '.join(seen))")
    found["reads_secret"] = (files, {"linear_forward"})
    # Rewrite what the grader executes and writes: the key, the judge, results and gradebook.
    files = solution()
    files["hw/mc.py"] += (
        "\nimport os as _os\n"
        "_done = []\n"
        f"for _path in ({str(repo / 'autograder' / 'answer_key.py')!r}, "
        f"{str(repo / 'autograder' / 'official' / 'judge.py')!r}, {str(out / 'gradebook.csv')!r}, "
        f"{str(out / 'alice' / 'results.json')!r}, {str(out / 'rewrites_grader' / 'results.json')!r}):\n"
        "    try:\n"
        "        open(_path, 'a').write('\\nFULL_MARKS = True\\n')\n"
        "        _done.append(_path)\n"
        "    except OSError:\n"
        "        pass\n"
        "if not _done:\n"
        "    raise PermissionError('nothing of the grader is writable')\n"
    )
    found["rewrites_grader"] = (files, {"mc"})
    # A daemon that outlives its worker and goes after the out folder and the other handins' folders.
    results, gradebook = str(out / "alice" / "results.json"), str(out / "gradebook.csv")
    files = method(solution(), "mytorch/gru_cell.py", "forward", textwrap.dedent(f"""\
        import glob, os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                end = time.time() + 60
                while time.time() < end:
                    for d in glob.glob('/*/rnn-official-*/*') + glob.glob('/*/rnn-official-*'):
                        try:
                            open(os.path.join(d, 'mytorch', 'linear.py'), 'w').write('raise SystemExit')
                        except OSError:
                            pass
                    for p in ({results!r}, {gradebook!r}):
                        try:
                            open(p, 'w').write('{{"score": 170}}')
                        except OSError:
                            pass
                    time.sleep(0.05)
            os._exit(0)
        raise RuntimeError('forked a daemon')"""))
    found["daemon"] = (files, {"gru_forward"})
    # Signal the grader, its slot processes and the fork server (the worker's parent).
    files = method(solution(), "mytorch/loss.py", "forward", "import os, signal\n" + FIND_GRADER + textwrap.dedent("""\
        hit = []
        for pid in _grader_pids():
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                    hit.append(pid)
                except OSError:
                    pass
        raise PermissionError(f'signalled {hit}')"""))
    found["signals_grader"] = (files, {"loss_forward"})
    # Ignore the alarm and take longer than the limit.
    files = method(solution(), "mytorch/rnn_cell.py", "backward",
                   "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\ntime.sleep(4)\n"
                   "return self._original_backward(*args, **kwargs)")
    found["bypasses_alarm"] = (files, {"rnn_backward"})
    # Archives that must be refused cheaply.
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as tar:
        info = tarfile.TarInfo("././@PaxHeader")
        info.type = tarfile.XHDTYPE
        records = b"%d comment=%s\n" % (2 ** 21 + 22, b"x" * 2 ** 21)
        info.size = len(records)
        tar.addfile(info, io.BytesIO(records))
    found["pax_bomb"] = (gzip.compress(plain.getvalue()), set(e.id for e in RUBRIC))
    return found


@pytest.fixture
def machine():
    """-> (a world-readable checkout of the course repository outside /tmp, a 0777 unix socket under /run and
    what its listener received): what an instructor's machine may hold besides the grader."""
    token = secrets.token_hex(4)
    checkout = Path("/var/lib") / f"rnn-hostile-checkout-{token}"
    private_repo(checkout)
    os.chmod(checkout, 0o755)
    sock = f"/run/rnn-hostile-{token}.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(sock)
    os.chmod(sock, 0o777)
    listener.listen()
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                received.append(conn.recv(100))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield checkout / "repo", sock, received
    listener.close()
    os.unlink(sock)
    shutil.rmtree(checkout, ignore_errors=True)


def test_no_attack_gains_anything_and_the_batch_completes(tmp_path, machine):
    checkout, sock, received = machine
    where = tmp_path / "private"
    repo, secret = private_course(where, SECRET_TEXT + "\n")
    out = where / "out"
    handins = where / "handins"
    handins.mkdir()
    expected = {}
    for name, (files, costs) in {"alice": (solution(), set()), "bob": (solution(), set()),
                                 **attacks(repo, secret, out),
                                 **view_attacks(checkout, Path(torch_worker_python()).parent.parent, sock)}.items():
        path = handins / f"{name}.tar"
        if isinstance(files, bytes):
            path.write_bytes(files)
        else:
            pack(path, files)
        expected[name] = costs
    before = digest(repo)
    proc = official_cli(repo, "grade", *sorted(str(p) for p in handins.iterdir()), "--out", str(out),
                        "--secret", str(secret), "--hidden-cases", "1", "--timeout", "2", "--jobs", "2",
                        *runtime_args(),
                        "--worker-uid", str(UIDS[0]))
    assert proc.returncode == 0, proc.stderr
    assert digest(repo) == before
    book = (out / "gradebook.csv").read_text().splitlines()
    assert len(book) == 1 + len(expected)
    uses = {e.id: set(e.depends) for e in RUBRIC}
    for name, costs in expected.items():
        graded = results_of(out / name / "results.json")
        broken = set(costs)
        while more := {s for s, deps in uses.items() if deps & broken} - broken:
            broken |= more
        for step, (status, points, output) in graded.items():
            if step in costs:
                assert status == "failed" and points == 0, (name, step, output)
            elif step not in broken:
                assert status == "passed", (name, step, output)
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET_TEXT not in path.read_text(), path
    assert "PermissionError" in results_of(out / "reads_secret" / "results.json")["linear_forward"][2]
    assert "PermissionError: signalled []" in results_of(out / "signals_grader" / "results.json")["loss_forward"][2]
    assert any(line.startswith("pax_bomb,0,") for line in book)
    assert "compressed" in results_of(out / "pax_bomb" / "results.json")["activation"][2]
    assert json.loads((out / "alice" / "results.json").read_text())["score"] == FULL
    assert "timed out after 2 s, stopped by the grader" in results_of(
        out / "bypasses_alarm" / "results.json")["rnn_backward"][2]
    assert all(processes_of(uid) == [] for uid in UIDS)
    assert not any(received)  # no data from a worker (a probe elsewhere on the machine may connect, sending nothing)
    isolation = json.loads((out / "alice" / "results.json").read_text())["extra_data"]["isolation"]
    assert isolation == "namespaces" and book[0].endswith(",isolation") and book[1].endswith(",namespaces")


# Keys by the syscalls (x86_64 numbers; elsewhere the attack just finds nothing): add_key, keyctl SEARCH and READ,
# in the session (-3), user (-4) and user-session (-5) keyrings.
KEYS = ("import ctypes, platform\n"
        "_libc = ctypes.CDLL(None, use_errno=True)\n"
        "_ADD_KEY, _KEYCTL = (248, 250) if platform.machine() == 'x86_64' else (-1, -1)\n")


def test_a_key_left_by_one_handin_never_reaches_the_next_under_the_same_uid(tmp_path):
    where = tmp_path / "private"
    repo, secret = private_course(where, SECRET_TEXT + "\n")
    handins = where / "handins"
    handins.mkdir()
    source = solution()["mytorch/rnn_cell.py"]
    writer = solution()
    writer["mytorch/rnn_cell.py"] = source + (
        "\n" + KEYS +
        "_data = open(__file__, 'rb').read()\n"
        "for _ring in (-3, -4, -5):\n"
        "    _libc.syscall(_ADD_KEY, b'user', b'rnn-handin', _data, len(_data), _ring)\n")
    reader = solution()
    reader["mytorch/rnn_cell.py"] = (
        KEYS +
        "_found = None\n"
        "for _ring in (-4, -5):  # linked into its session keyring, their keys are its own (readable)\n"
        "    _libc.syscall(_KEYCTL, 8, _ring, -3)\n"
        "for _ring in (-3, -4, -5):\n"
        "    _key = _libc.syscall(_KEYCTL, 10, _ring, b'user', b'rnn-handin', 0)\n"
        "    if _key > 0:\n"
        "        _buf = ctypes.create_string_buffer(1 << 16)\n"
        "        _n = _libc.syscall(_KEYCTL, 11, _key, _buf, 1 << 16)\n"
        "        if _n > 0:\n"
        "            _found = _buf.raw[:_n].decode()\n"
        "if _found is None:\n"
        "    raise ImportError('no key left by an earlier handin')\n"
        "exec(_found)\n")
    # Graded in this order, by one uid: the writer, an honest handin, the reader.
    for name, files in (("a_keys_writer", writer), ("alice", solution()), ("b_keys_reader", reader)):
        pack(handins / f"{name}.tar", files)
    out = where / "out"
    proc = official_cli(repo, "grade", *sorted(str(p) for p in handins.iterdir()), "--out", str(out),
                        "--secret", str(secret), "--hidden-cases", "0", "--jobs", "1", *runtime_args(),
                        "--worker-uid", str(UIDS[0]))
    assert proc.returncode == 0, proc.stderr
    assert len((out / "gradebook.csv").read_text().splitlines()) == 4
    for name in ("a_keys_writer", "alice"):
        assert json.loads((out / name / "results.json").read_text())["score"] == FULL, name
    graded = results_of(out / "b_keys_reader" / "results.json")
    for step in ("rnn_forward", "rnn_backward"):
        status, points, output = graded[step]
        assert status == "failed" and points == 0 and "no key left by an earlier handin" in output, output
    assert graded["linear_forward"][0] == "passed"
