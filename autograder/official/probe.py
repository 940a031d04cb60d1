"""Before grading: run a probe as each worker identity and refuse to grade if it reaches anything it must not.

The probe is a short Python program started exactly as a worker is (by the
slot's fork server for that runtime, as the same identity, in a folder of its
own, with the same confinement). It must be able to import numpy (and must
not be able to import torch, with which student code could compute expected
values, unless it is the torch steps' runtime), and it must fail to: read the
instructor repository's files, the secret, the out folder or another handin's
folder; write into the repository, the grader's own Python packages, the out
folder or its own Python runtime (which the fork server, as root, and every
later worker load); follow `/proc/<grader>/cwd`, read `/proc/<grader>/environ`;
signal the grader; hold any file descriptor besides the three pipes it was
given, or any writable memory shared with the fork server.
"""

import json
import os
import secrets
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from autograder.official.identity import Identity, kill_all
from autograder.official.launcher import Launcher, LaunchError, spawn_program
from autograder.official.sandbox import namespace_for
from autograder.paths import ROOT

PROBE = r'''
import json, os, sys
targets = json.loads(sys.argv[1])
out = {"reached": [], "numpy": None, "torch": False}
try:
    import numpy
    out["numpy"] = numpy.__version__
except Exception as exc:
    out["numpy_error"] = f"{type(exc).__name__}: {exc}"
try:
    import torch
    out["torch"] = True
except Exception:
    pass
for what, path in targets["read"]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        out["reached"].append(f"{what}: read {path}")
    except OSError:
        pass
import site, sysconfig
runtime = {sys.prefix, *site.getsitepackages(), *sysconfig.get_paths().values()}
for name in ("numpy", "torch"):
    module = sys.modules.get(name)
    if module is not None:
        runtime.update(getattr(module, "__path__", []))
runtime = sorted(p for p in runtime if os.path.isdir(p))
# Workers import modules lazily: the runtime must be readable to them, and writable by no one of them.
blocked = [p for p in runtime if not os.access(p, os.R_OK | os.X_OK)]
if not os.access(sys.executable, os.X_OK):
    blocked.insert(0, sys.executable)
out["unreadable"] = blocked[:3]
for path in runtime:
    targets["write"].append(("its Python runtime, which later workers and the fork server load", path))
for what, path in targets["write"]:
    name = os.path.join(path, ".probe-" + targets["token"])
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(name)
        out["reached"].append(f"{what}: create files in {path}")
    except OSError:
        pass
pid = targets["grader"]
try:
    os.listdir(f"/proc/{pid}/cwd")
    out["reached"].append(f"the grader's working directory through /proc/{pid}/cwd")
except OSError:
    pass
try:
    with open(f"/proc/{pid}/environ", "rb") as f:
        f.read(1)
    out["reached"].append(f"the grader's environment: read /proc/{pid}/environ")
except OSError:
    pass
try:
    os.kill(pid, 0)
    out["reached"].append(f"the grader itself: it may send signals to pid {pid}")
except OSError:
    pass
with open("/proc/self/maps") as f:
    mapped = [line.split() for line in f]
shared = sorted({(m[5] if len(m) > 5 else "anonymous") for m in mapped if m[1][1] == "w" and m[1][3] == "s"})
if shared:
    out["reached"].append(f"memory it shares with the fork server, which later workers inherit: {shared[:3]}")
extra = sorted(int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 3)
if len(extra) > 1:  # listdir's own descriptor is one of them
    out["reached"].append(f"file descriptors it was not given: {extra[:-1]}")
print(json.dumps(out))
'''


PROBE_SCRATCH = 1 << 20
RUNTIME_ADVICE = ("give --worker-python an interpreter every user can execute, with numpy installed in a folder "
                  "every user can read")


class ProbeError(Exception):
    """The worker identity can reach what it must not, or cannot run at all; the message says what and how to fix."""


@dataclass(frozen=True)
class Guarded:
    """What the grader keeps from workers: the secret file, the out folder (None when not yet known)."""

    secret: Path | None
    out: Path | None


def _targets(guarded: Guarded, other_handin: Path) -> dict:
    read = [("the answer key", ROOT / "autograder" / "answer_key.py"),
            ("the reference solution", ROOT / "mytorch" / "rnn_cell.py"),
            ("the grading code", ROOT / "autograder" / "official" / "plan.py"),
            ("the reference data", ROOT / "reference_data" / "manifest.json"),
            ("the instructor repository", ROOT),
            ("another handin's folder", other_handin),
            ("another handin's files", other_handin / "handin.py")]
    write = [("the instructor repository", ROOT), ("the grading code", ROOT / "autograder"),
             ("the grading code", ROOT / "autograder" / "official"),
             ("the grader's Python packages", Path(sysconfig.get_paths()["purelib"]))]
    if guarded.secret is not None:
        read.append(("the secret", guarded.secret))
    if guarded.out is not None:
        read.append(("the out folder", guarded.out))
        write.append(("the out folder", guarded.out))
    return {"read": [(w, str(p)) for w, p in read], "write": [(w, str(p)) for w, p in write],
            "grader": os.getpid(), "token": secrets.token_hex(6)}


def _fixes(reached: list[str]) -> str:
    tips = ["make the instructor repository private to the grader (chmod -R go-rwx REPO, or grade from a copy "
            "inside a folder only root can enter)"]
    if any("secret" in r for r in reached):
        tips.append("chmod 600 the secret file (and keep it inside a private folder)")
    if any("out folder" in r for r in reached):
        tips.append("use an out folder that only the grader can read (chmod 700 OUT)")
    if any("runtime" in r for r in reached):
        tips.append("make the worker runtimes root's and read-only for everyone else (chown -R root: RUNTIME; "
                    "chmod -R go-w RUNTIME)")
    if any("/proc" in r or "signals" in r for r in reached):
        tips.append("run the grader as root so that workers run as other users")
    return "; ".join(tips)


def probe(identity: Identity, launcher: Launcher, base: Path, guarded: Guarded, timeout: float = 60.0,
          torch: bool = False) -> str:
    """Run the probe as `identity`, started by the slot's fork server for its runtime exactly as a worker is
    -> the worker runtime's numpy version. Raises ProbeError when unsafe or unusable.

    base: the batch's folder of worker folders (the probe places a stand-in for another handin's folder there).
    torch: this is the runtime of the steps whose student code uses torch: it must import torch (the other
    runtime must not).
    """
    other = base / f"probe-{secrets.token_hex(6)}"
    other.mkdir(mode=0o700)
    (other / "handin.py").write_text("# another handin\n")
    own = base / f"probe-{secrets.token_hex(6)}"
    own.mkdir(mode=0o700)
    if identity.uid is not None and identity.gid is not None:
        os.chown(own, identity.uid, identity.gid)
    scratch = PROBE_SCRATCH if namespace_for(identity) else None
    try:
        _, output = spawn_program(launcher, own, identity.uid, identity.gid, scratch, PROBE,
                                  [json.dumps(_targets(guarded, other))], timeout)
    except LaunchError as exc:
        raise ProbeError(f"{exc}; give --worker-python (and --torch-worker-python) an interpreter with numpy "
                         "(and torch) installed in a folder every user can read") from None
    finally:
        kill_all(identity)
        shutil.rmtree(other, ignore_errors=True)
        shutil.rmtree(own, ignore_errors=True)
    who = f"uid {identity.uid}" if identity.official else "the grader's own user"
    try:
        report = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = output.strip().splitlines()[-1:] or ["no output"]
        raise ProbeError(f"the worker identity ({who}) cannot run the probe with {identity.python}: "
                         f"{last[0][:300]}; {RUNTIME_ADVICE}") from None
    if report.get("unreadable"):
        raise ProbeError(f"the worker identity ({who}) cannot run {identity.python}: it cannot read "
                         f"{', '.join(map(str, report['unreadable']))}; {RUNTIME_ADVICE}")
    if report.get("numpy") is None:
        raise ProbeError(f"the worker identity ({who}) cannot import numpy with {identity.python} "
                         f"({report.get('numpy_error', '?')}); install requirements.txt where every user can read it")
    if torch and not report.get("torch"):
        raise ProbeError(f"the torch worker runtime {identity.python} cannot import torch: give "
                         "--torch-worker-python a runtime with numpy and torch that every user can read")
    if not torch and report.get("torch") and identity.official:
        raise ProbeError(f"the worker runtime {identity.python} can import torch, with which student code could "
                         "compute the expected values: give --worker-python a runtime with numpy only (the "
                         "steps that need torch run with --torch-worker-python)")
    reached = [str(r) for r in report.get("reached", [])]
    if identity.official and reached:
        raise ProbeError(f"refusing to grade: the worker identity ({who}) can reach what it must not:\n"
                         + "\n".join(f"  - {r}" for r in reached) + "\nfix: " + _fixes(reached))
    return str(report["numpy"])
