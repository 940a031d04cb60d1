"""The grader keeps time and ends everything a handin starts; what a worker sends can fail only its own step.

Each test is an attack a hostile handin tried; it must cost the attacked step
and nothing else. They need root (worker uids) and run in this process.
"""

import os
import secrets
import time
import tracemalloc
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.findings import Cause
from autograder.official.confine.identity import processes_of
from autograder.official.judging import supervise
from autograder.official.judging.batch import grade_one
from autograder.official.judging.plan import make_plan
from autograder.report import message_lines
from tests.official_setup import LINEAR, in_process_grader, needs_root, solution, worker_uid
from tests.release_tree import FULL, RUBRIC

pytestmark = needs_root
UID = worker_uid(10)


@pytest.fixture(scope="module")
def grader():
    made = in_process_grader(make_plan(b"a secret for the tests", per_spec=0, timeout=2.0), first_uid=UID)
    yield made
    made.close()


def grade(grader, files: dict[str, str]) -> dict[str, tuple[bool, float, str]]:
    graded = grade_one(grader, 0, lambda: files)
    return {r.id: (r.passed, r.points, "\n".join(message_lines(r))) for r in graded.results}


def attacked(rel: str, method: str, body: str) -> dict[str, str]:
    """The solution with `method` of the file's first class replaced by `body` (indented 8 spaces)."""
    files = solution()
    head = f"\n    def {method}(self"
    assert files[rel].count(head) == 1, (rel, method)
    code = f"\n    def {method}(self, *args, **kwargs):\n" + "".join(f"        {line}\n" for line in body.splitlines())
    files[rel] = files[rel].replace(head, code + f"\n    def _original_{method}(self")
    return files


def forward_attacked(grader, rel: str, step: str, body: str) -> tuple[dict[str, tuple[bool, float, str]], str]:
    """Grade the solution with `forward` of rel's first class replaced by `body` -> (graded, `step`'s message)."""
    graded = grade(grader, attacked(rel, "forward", body))
    return graded, graded[step][2]


def only_failed(graded, *steps: str) -> None:
    """The attacked steps fail with 0 points, and every step that does not use them passes."""
    for step in steps:
        assert not graded[step][0] and graded[step][1] == 0, (step, graded[step])
    uses = {e.id: set(e.depends) for e in RUBRIC}
    broken = set(steps)
    while True:
        more = {s for s, deps in uses.items() if deps & broken} - broken
        if not more:
            break
        broken |= more
    for step, (passed, _, message) in graded.items():
        if step not in broken:
            assert passed, (step, message)


@pytest.mark.slow
def test_a_case_that_blocks_the_alarm_is_stopped_by_the_grader(grader):
    files = attacked(LINEAR, "forward", "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, "
                                        "[signal.SIGALRM])\ntime.sleep(4)\nreturn args[0] @ self.W.T + self.b")
    graded = grade(grader, files)
    assert "timed out after 2 s, stopped by the grader" in graded["linear_forward"][2]
    only_failed(graded, "linear_forward")


@pytest.mark.slow
def test_the_grader_records_why_it_stopped_a_worker(grader):
    files = attacked(LINEAR, "forward", "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, "
                                        "[signal.SIGALRM])\ntime.sleep(4)\nreturn args[0] @ self.W.T + self.b")
    results = {r.id: r for r in grade_one(grader, 0, lambda: files).results}
    assert results["linear_forward"].failure.cause is Cause.TIMED_OUT
    assert results["linear_forward"].failure.case == "case 1"
    assert results["activation"].failure is None


@pytest.mark.slow
def test_a_worker_that_stops_itself_costs_its_step(grader):
    files = attacked("mytorch/gru_cell.py", "forward", "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)")
    graded = grade(grader, files)
    assert "timed out after 2 s, stopped by the grader" in graded["gru_forward"][2]
    only_failed(graded, "gru_forward")


def test_signalling_the_grader_is_refused(grader):
    # The grader (this process) and the worker's parent, the fork server.
    files = attacked(LINEAR, "forward", f"import os, signal\nfor pid in ({os.getpid()}, os.getppid()):\n"
                                        "    os.kill(pid, signal.SIGSTOP)\n    os.kill(pid, signal.SIGKILL)")
    graded = grade(grader, files)
    # Refused, or (in a PID namespace of its own) not even there: the parent it sees is its own pid 1.
    assert "PermissionError" in graded["linear_forward"][2] or "ProcessLookupError" in graded["linear_forward"][2]
    only_failed(graded, "linear_forward")


def test_daemons_do_not_outlive_their_handin(grader):
    marker = Path(f"/tmp/rnn-daemon-{secrets.token_hex(4)}")
    files = solution()
    files["mytorch/loss.py"] += (
        "\nimport os as _os, time as _time\n"
        "if _os.fork() == 0:\n"
        "    _os.setsid()\n"
        "    if _os.fork() == 0:\n"
        "        while True:\n"
        "            try:\n"
        f"                open({str(marker)!r}, 'w').write(str(_time.time()))\n"
        "            except OSError:\n"
        "                pass\n"
        "            _time.sleep(0.02)\n"
        "    _os._exit(0)\n"
    )
    graded = grade(grader, files)
    assert sum(points for _, points, _ in graded.values()) == FULL
    time.sleep(0.3)
    assert processes_of(UID) == []
    assert not marker.exists()


def test_a_process_flood_is_capped_and_ended(grader):
    files = attacked("mytorch/rnn_cell.py", "forward",
                     "import os, time\nfor _ in range(5000):\n    if os.fork() == 0:\n        time.sleep(60)\n"
                     "        os._exit(0)")
    graded = grade(grader, files)
    assert "BlockingIOError" in graded["rnn_forward"][2] or "Resource temporarily" in graded["rnn_forward"][2]
    only_failed(graded, "rnn_forward")
    assert processes_of(UID) == []


@pytest.mark.slow
def test_memory_is_limited_for_the_handin_as_a_whole(grader):
    # What the children hold is summed as their proportional set sizes (Pss): pages they share (the interpreter,
    # numpy, what they inherited) count once, as the cgroup charges them; VmRSS would count them per child.
    made = supervise.confine(grader.limits)
    made.remove()
    if "cgroup" not in made.mode:
        pytest.skip("no cgroups here: memory is limited per process only")
    body = ("import os, time\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
            "        block = bytearray(600 << 20)\n        time.sleep(30)\n        os._exit(0)\n    kids.append(pid)\n"
            "time.sleep(1.5)\nrss = 0\nfor pid in kids:\n    try:\n"
            "        rss += int([l for l in open(f'/proc/{pid}/smaps_rollup') if l.startswith('Pss:')][0].split()[1])\n"
            "    except (OSError, IndexError):\n        pass\nraise RuntimeError(f'children hold {rss >> 10} MiB')")
    graded, message = forward_attacked(grader, "mytorch/gru_cell.py", "gru_forward", body)
    assert "children hold" in message or "out of memory" in message, message
    if "children hold" in message:
        held = int(message.split("children hold ")[1].split(" MiB")[0])
        assert held <= grader.limits.memory >> 20
    only_failed(graded, "gru_forward")


def test_a_file_larger_than_allowed_fails_its_step(grader):
    files = attacked("mytorch/loss.py", "forward",
                     "with open('big.bin', 'wb') as f:\n    for _ in range(800):\n        f.write(bytes(1 << 20))")
    graded = grade(grader, files)
    assert "File too large" in graded["loss_forward"][2]
    only_failed(graded, "loss_forward")


def _forge(frames_code: str) -> dict[str, str]:
    """Linear.forward writes its own frames straight to the report pipe (fd 3, as forkserver.py documents)."""
    return attacked(LINEAR, "forward",
                    "import json, os, sys\nimport _wire\nfd = 3\n"
                    "if os.path.exists('forged'):\n    return self._original_forward(*args)\n"
                    "open('forged', 'w').close()\n"
                    "jobs = json.load(open('plan.json'))['jobs']\n"
                    "n = [i for i, j in enumerate(jobs) if j['step'] == 'linear_forward'][0]\n" + frames_code)


def _head(n: str, lj: str, ln: str) -> str:
    return f"os.write(fd, _wire.FRAME_MAGIC + _wire.FRAME_HEAD.pack({n}, {lj}, {ln}))\n"


@pytest.mark.parametrize("what, code", [
    ("deep json", "js = b'[' * 300000 + b']' * 300000\n" + _head("n", "len(js)", "0") + "os.write(fd, js)"),
    ("object arrays", "js = json.dumps({'r': {'kind': 'case', 'outputs': [['y', {'t': 'array', 'k': 'a0'}]], "
                      "'error': None, 'warnings': None}, 'a': [['a0', '|O', [1], 0, 8]]}).encode()\n"
                      + _head("n", "len(js)", "8") + "os.write(fd, js + bytes(8))"),
    ("bad magic", "os.write(fd, b'EVIL' * 100)"),
    ("huge header", _head("n", "1 << 40", "1 << 40")),
])
def test_malformed_frames_fail_the_step_they_claim(grader, what, code):
    graded = grade(grader, _forge(code))
    assert "malformed" in graded["linear_forward"][2] or "report" in graded["linear_forward"][2], graded
    only_failed(graded, "linear_forward")


def test_a_flood_of_large_frames_is_capped_and_never_kept(grader):
    code = ("payload = b'{}' + b' ' * (_wire.MAX_JSON_BYTES - 2)\nfor k in range(200):\n"
            + "    " + _head("n + k", "len(payload)", "0") + "    os.write(fd, payload)")
    # The peak of what this grading allocates (200 frames of 1 MiB would be 200 MiB), not the process's
    # high-water mark (ru_maxrss), which an earlier test or a first import in this process moves: that one
    # fails under a test order that loads torch here, and cannot fail after a test that peaked higher.
    tracemalloc.start()
    try:
        graded = grade(grader, _forge(code))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150 * 1024 * 1024, peak
    assert graded["activation"][0]
    assert "a handin may report" in graded["linear_forward"][2] or "malformed" in graded["linear_forward"][2]


@pytest.mark.slow
def test_the_handin_budget_stops_a_handin_of_slow_cases():
    slow = in_process_grader(make_plan(b"a secret for the tests", per_spec=0, timeout=2.0, budget=5.0),
                             first_uid=UID + 1)
    files = attacked(LINEAR, "forward", "import time\ntime.sleep(1.5)\nreturn args[0] @ self.W.T + self.b")
    try:
        results = {r.id: r for r in grade_one(slow, 0, lambda: files).results}
    finally:
        slow.close()
    for step in ("linear_forward", "char_rnn_complete"):
        assert "time budget of 5 s ran out" in "\n".join(message_lines(results[step]))
        assert results[step].failure.cause is Cause.OVER_BUDGET  # recorded as data too, for the class report
    assert results["activation"].passed


def test_disk_use_is_bounded_for_the_handin(grader):
    from autograder.official.confine import sandbox

    if not sandbox.namespace_for(grader.identities[0]):
        pytest.skip("no mount namespaces here: disk use is bounded per file only")
    body = ("import errno, os\nwritten = {}\nfor where in ('.', '/tmp', '/var/tmp', '/dev/shm'):\n"
            "    written[where] = 0\n    if not os.path.isdir(where):\n        continue\n"
            "    try:\n        for k in range(100):\n"
            "            with open(os.path.join(where, f'fill{k}.bin'), 'wb') as f:\n"
            "                for _ in range(32):\n                    f.write(bytes(1 << 20))\n"
            "                    written[where] += 1\n"
            "    except OSError as exc:\n        assert exc.errno == errno.ENOSPC, exc\n"
            "raise RuntimeError('wrote ' + ' '.join(f'{w}={n}' for w, n in written.items()))")
    graded, message = forward_attacked(grader, "mytorch/loss.py", "loss_forward", body)
    written = dict(item.split("=") for item in message.split("wrote ")[1].split()[:4])
    assert int(written["."]) <= grader.limits.disk >> 20
    for where in ("/tmp", "/var/tmp", "/dev/shm"):
        assert int(written[where]) <= grader.limits.scratch >> 20, written
    only_failed(graded, "loss_forward")
    assert not list(Path("/tmp").glob("fill*.bin"))


def test_frames_for_every_later_job_and_one_past_the_last_cost_only_this_handin(grader):
    code = ("js = json.dumps({'r': {'kind': 'case', 'outputs': [], 'records': [], 'error': None, 'warnings': None},"
            " 'a': []}).encode()\n"
            "for k in range(n, len(jobs) + 1):\n"
            "    " + _head("k", "len(js)", "0") + "    os.write(fd, js)")
    graded = grade(grader, _forge(code))
    assert graded["activation"][0]
    assert not graded["linear_forward"][0] and not graded["char_rnn_complete"][0]
