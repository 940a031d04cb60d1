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
given, or any writable memory shared with the fork server; import torch from
any folder it can find (the numpy runtime); find a key in any keyring. With a
view of its own (sandbox.py) it must also fail to see any top-level folder
beyond the view, any other Python installation, any unix socket it can
connect to, or any other process in /proc; without one (the weaker isolation
the instructor accepted) those are what permissions cannot hide.
"""

import json
import os
import secrets
import shutil
import stat
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from autograder.official.confine.identity import Identity, kill_all
from autograder.official.confine.launcher import Launcher, LaunchError, spawn_program
from autograder.official.confine.sandbox import namespace_for
from autograder.paths import ROOT

PROBE = r"""
import json, os, sys
targets = {"allowed_top": [], "walk_limit": 0, "walk_depth": 0, "sockets": [], "other_runtimes": [],
           **json.loads(sys.argv[1])}
out = {"reached": [], "exposed": [], "numpy": None, "torch": False}
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
# What a worker's own view must hide (where the kernel gives one; see sandbox.py). "exposed": what only a view
# of its own hides; "reached": what must never be reached.
import socket, stat
own_paths = {os.path.realpath(p) for p in [sys.prefix, *sys.path, *runtime] if p}
# Its own folders: sys.path's, and a venv's (not a system prefix such as /usr, which holds other runtimes).
own_tree = {os.path.realpath(p) for p in sys.path if p} | (
    {os.path.realpath(sys.prefix)} if sys.prefix != sys.base_prefix else set())
# The interpreter's names on the way to it (venv/bin/python -> /usr/bin/python3 -> python3.11): folders it may see.
own_files = set()
path = sys.executable
for _ in range(40):
    own_files.add(os.path.abspath(path))
    if not os.path.islink(path):
        break
    path = os.path.join(os.path.dirname(path), os.readlink(path))
own_files.add(os.path.realpath(sys.executable))
# The interpreter file itself, under whatever name: a view binds each name on its way (/usr/bin/python3, then
# /usr/bin/python3.11) as a file, so the names no longer lead to each other, but they are one file.
interpreter = os.stat(sys.executable)
own_inode = (interpreter.st_dev, interpreter.st_ino)
allowed = set(targets["allowed_top"])
for p in [*own_paths, *own_files]:
    allowed.add(p.strip("/").split("/")[0])
top = sorted(set(os.listdir("/")) - allowed)
if top:
    out["exposed"].append(f"folders of the machine: {', '.join('/' + t for t in top[:12])}")
torches, sockets, pythons = [], [], []
seen = 0
def _walk(where, depth):
    global seen
    try:
        entries = list(os.scandir(where))
    except OSError:
        return
    for entry in entries:
        seen += 1
        if seen > targets["walk_limit"]:
            return
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        mode = info.st_mode
        real = os.path.realpath(entry.path)
        if stat.S_ISSOCK(mode):
            sockets.append(entry.path)
        elif stat.S_ISDIR(mode):
            if entry.name == "torch" and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                torches.append(where)
                continue
            if entry.name in ("site-packages", "dist-packages") or (
                    entry.name.startswith("python3") and os.path.isfile(os.path.join(entry.path, "os.py"))):
                if real not in own_paths and entry.path not in own_paths:
                    pythons.append(entry.path)
            # Not into its own runtime (the torch runtime's own torch is its own), nor /proc, /sys, /dev.
            if depth < targets["walk_depth"] and entry.path not in ("/proc", "/sys", "/dev") and real not in own_tree:
                _walk(entry.path, depth + 1)
        elif stat.S_ISREG(mode) and entry.name.startswith("python") and mode & 0o111 and \
                entry.name[6:].replace(".", "").isdigit() and (info.st_dev, info.st_ino) != own_inode:
            pythons.append(entry.path)
for start in [*targets["other_runtimes"], "/"]:  # each with a budget of its own: the machine's may run out
    seen = 0
    _walk(start, 0)
if pythons:
    out["exposed"].append(f"other Python installations: {', '.join(sorted(set(pythons))[:6])}")
if not out["torch"]:
    for where in dict.fromkeys(torches):  # the runtimes the grader names first, in the order found
        child = os.fork()  # a torch built for another interpreter may crash this one: try it in a child
        if child == 0:
            sys.path.insert(0, where)
            try:
                import torch
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(child, 0)
        if status != 1 << 8:  # imported (or crashed once its files were read)
            out["reached"].append(f"torch, importable from {where}")
            break
try:
    with open("/proc/net/unix") as f:
        abstract = ["\0" + line.split()[7][1:] for line in list(f)[1:] if len(line.split()) > 7
                    and line.split()[7].startswith("@")]
except OSError:
    abstract = []
connected = []
for address in sorted(set(sockets + targets["sockets"])) + abstract:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
        s = socket.socket(socket.AF_UNIX, kind)
        s.settimeout(0.5)
        try:
            s.connect(address)
            connected.append(address.replace("\0", "@"))
            break
        except OSError:
            pass
        finally:
            s.close()
if connected:
    out["exposed"].append(f"unix sockets it can connect to: {', '.join(connected[:6])}")
mine = {os.getpid()}
pid = os.getpid()
while pid > 1:
    try:
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
        mine.add(pid)
    except (OSError, ValueError, IndexError):
        break
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine)
if others:
    out["exposed"].append(f"{len(others)} other processes in /proc (pids {', '.join(map(str, others[:5]))}, ...)")
try:
    with open("/proc/keys") as f:
        keys = [line.split(None, 8) for line in f]
except OSError:
    keys = []
# Keys first, then the keyrings holding something: the message names only the first few.
found = [k[8].strip() for k in keys if len(k) > 8 and k[7] != "keyring"]
found += [k[8].strip() for k in keys if len(k) > 8 and k[7] == "keyring" and not k[8].strip().endswith("empty")]
if found:
    out["reached"].append(f"keys in its keyrings, which may outlive the handin: {', '.join(found[:4])}")
print(json.dumps(out))
"""


PROBE_SCRATCH = 1 << 20
# The top-level folders a worker's view may show besides those of its own runtime (forkserver.enter_view).
VIEW_TOP = {"dev", "proc", "tmp", "etc", "usr", "handin", "bin", "lib", "lib32", "lib64", "libx32", "sbin"}
WALK_LIMIT, WALK_LIMIT_SHARED = 400_000, 200_000
SOCKET_PLACES = ("/run", "/var/run", "/tmp", "/dev/shm", "/var/lib", "/home")
RUNTIME_ADVICE = (
    "give --worker-python an interpreter every user can execute, with numpy installed in a folder every user can read"
)


class ProbeError(Exception):
    """The worker identity can reach what it must not, or cannot run at all; the message says what and how to fix."""


@dataclass(frozen=True)
class Guarded:
    """What the grader keeps from workers: the secret file, the out folder (None when not yet known)."""

    secret: Path | None
    out: Path | None


def _targets(guarded: Guarded, other_handin: Path) -> dict:
    read = [
        ("the answer key", ROOT / "autograder" / "answer_key.py"),
        ("the reference solution", ROOT / "mytorch" / "rnn_cell.py"),
        ("the grading code", ROOT / "autograder" / "official" / "judging" / "plan.py"),
        ("the reference data", ROOT / "reference_data" / "manifest.json"),
        ("the instructor repository", ROOT),
        ("another handin's folder", other_handin),
        ("another handin's files", other_handin / "handin.py"),
    ]
    write = [
        ("the instructor repository", ROOT),
        ("the grading code", ROOT / "autograder"),
        ("the grading code", ROOT / "autograder" / "official"),
        ("the grader's Python packages", Path(sysconfig.get_paths()["purelib"])),
    ]
    if guarded.secret is not None:
        read.append(("the secret", guarded.secret))
    if guarded.out is not None:
        read.append(("the out folder", guarded.out))
        write.append(("the out folder", guarded.out))
    return {
        "read": [(w, str(p)) for w, p in read],
        "write": [(w, str(p)) for w, p in write],
        "grader": os.getpid(),
        "token": secrets.token_hex(6),
    }


def _fixes(reached: list[str]) -> str:
    tips = [
        "make the instructor repository private to the grader (chmod -R go-rwx REPO, or grade from a copy "
        "inside a folder only root can enter)"
    ]
    if any("secret" in r for r in reached):
        tips.append("chmod 600 the secret file (and keep it inside a private folder)")
    if any("out folder" in r for r in reached):
        tips.append("use an out folder that only the grader can read (chmod 700 OUT)")
    if any("runtime" in r for r in reached):
        tips.append(
            "make the worker runtimes root's and read-only for everyone else (chown -R root: RUNTIME; "
            "chmod -R go-w RUNTIME)"
        )
    if any("/proc" in r or "signals" in r for r in reached):
        tips.append("run the grader as root so that workers run as other users")
    if any("its view of the machine" in r for r in reached):
        tips.append(
            "the kernel did not give the worker its own view: run the grader as root where mount and PID "
            "namespaces are allowed (a container needs CAP_SYS_ADMIN), or pass --isolation permissions to "
            "accept the weaker isolation"
        )
    if any(r.startswith("torch") for r in reached):
        tips.append(
            "hide the torch runtime from the numpy steps' workers: chgrp -R rnn-torch TORCH_RUNTIME; chmod -R "
            "o-rwx TORCH_RUNTIME (only the torch steps' workers get the group rnn-torch)"
        )
    if any(r.startswith("keys") for r in reached):
        tips.append("clear the worker uid's keyrings (as that uid: keyctl clear @u; keyctl clear @us)")
    return "; ".join(tips)


def host_sockets(limit: int = 64) -> list[str]:
    """List at most `limit` unix sockets of the machine, for the probe to try besides those it finds itself.

    It looks in the usual places: /run, /var/run, /tmp, /dev/shm, /var/lib, /home.
    """
    found: list[str] = []
    for start in SOCKET_PLACES:
        for folder, dirs, files in os.walk(start):
            if folder.count("/") - start.count("/") >= 3:
                dirs.clear()
            for name in files:
                path = os.path.join(folder, name)
                try:
                    if stat.S_ISSOCK(os.lstat(path).st_mode):
                        found.append(path)
                except OSError:
                    continue
                if len(found) >= limit:
                    return found
    return found


def _enterable(path: Path, identity: Identity) -> Path | None:
    """-> the first folder on the way to `path` that the identity cannot enter (None: it can reach it)."""
    for folder in reversed([path, *path.parents] if path.is_dir() else list(path.parents)):
        try:
            info = folder.stat()
        except OSError:
            return folder
        if info.st_uid == identity.uid:
            bit = 0o100
        elif info.st_gid == identity.gid or info.st_gid in identity.groups:
            bit = 0o010
        else:
            bit = 0o001
        if not info.st_mode & bit:
            return folder
    return None


def check_runtime_paths(identity: Identity, view: dict[str, list[str]]) -> None:
    """Refuse a runtime the worker uid cannot reach through the machine's folders.

    Without a view of its own, the worker reaches its runtime through the machine's folders: refuse, naming the
    folder and the fix, a runtime whose interpreter, standard library or packages lie under a folder the worker
    uid cannot enter (a venv of a pyenv Python under /root, mode 700). Raises ProbeError.
    """
    if not identity.official:
        return
    for path in [*view.get("files", []), *view.get("dirs", [])]:
        blocked = _enterable(Path(path), identity)
        if blocked is not None:
            try:
                mode = f"mode {blocked.stat().st_mode & 0o777:o}"
            except OSError:
                mode = "not there"
            raise ProbeError(
                f"the worker runtime {identity.python} needs {path} (its interpreter, standard library or packages), "
                f"which lies under {blocked} ({mode}), a folder the worker uid {identity.uid} cannot enter: make "
                "the runtime from a Python every user can read, e.g. `sudo /usr/bin/python3 -m venv "
                "/opt/rnn-worker` (where `python3` is a pyenv shim, its Python lives under /root), or install "
                "Python where every user can read it"
            )


def probe(
    identity: Identity,
    launcher: Launcher,
    base: Path,
    guarded: Guarded,
    timeout: float = 60.0,
    torch: bool = False,
    others: list[str] | None = None,
) -> str:
    """Run the probe as `identity`, started by the slot's fork server for its runtime exactly as a worker is.

    Returns the worker runtime's numpy version. Raises ProbeError when unsafe or unusable.

    base: the batch's folder of worker folders (the probe places a stand-in for another handin's folder there).
    torch: this is the runtime of the steps whose student code uses torch: it must import torch (the other
    runtime must not). others: folders of the other runtimes, which this one must not import from.
    With a view of its own (sandbox.namespace_for), the worker must also see no other folder of the machine, no
    other Python installation, no unix socket and no other process.
    """
    view = namespace_for(identity)
    if not view:
        try:
            check_runtime_paths(identity, launcher.ready().get("view", {}))
        except LaunchError as exc:
            raise ProbeError(f"{exc}; {RUNTIME_ADVICE}") from None
    other = base / f"probe-{secrets.token_hex(6)}"
    other.mkdir(mode=0o700)
    (other / "handin.py").write_text("# another handin\n")
    own = base / f"probe-{secrets.token_hex(6)}"
    own.mkdir(mode=0o700)
    if identity.uid is not None and identity.gid is not None:
        os.chown(own, identity.uid, identity.gid)
    scratch = PROBE_SCRATCH if view else None
    targets = {
        "allowed_top": sorted(VIEW_TOP),
        "walk_limit": WALK_LIMIT if view else WALK_LIMIT_SHARED,
        "walk_depth": 12 if view else 6,
        "sockets": host_sockets(),
        "other_runtimes": others or [],
        **_targets(guarded, other),
    }
    try:
        _, output = spawn_program(
            launcher,
            own,
            identity.uid,
            identity.gid,
            scratch,
            PROBE,
            [json.dumps(targets)],
            timeout,
            view=view,
            groups=identity.groups,
        )
    except LaunchError as exc:
        raise ProbeError(
            f"{exc}; give --worker-python (and --torch-worker-python) an interpreter with numpy "
            "(and torch) installed in a folder every user can read"
        ) from None
    finally:
        kill_all(identity)
        shutil.rmtree(other, ignore_errors=True)
        shutil.rmtree(own, ignore_errors=True)
    who = f"uid {identity.uid}" if identity.official else "the grader's own user"
    try:
        report = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = output.strip().splitlines()[-1:] or ["no output"]
        raise ProbeError(
            f"the worker identity ({who}) cannot run the probe with {identity.python}: "
            f"{last[0][:300]}; {RUNTIME_ADVICE}"
        ) from None
    if report.get("unreadable"):
        raise ProbeError(
            f"the worker identity ({who}) cannot run {identity.python}: it cannot read "
            f"{', '.join(map(str, report['unreadable']))}; {RUNTIME_ADVICE}"
        )
    if report.get("numpy") is None:
        raise ProbeError(
            f"the worker identity ({who}) cannot import numpy with {identity.python} "
            f"({report.get('numpy_error', '?')}); install requirements.txt where every user can read it"
        )
    if torch and not report.get("torch"):
        raise ProbeError(
            f"the torch worker runtime {identity.python} cannot import torch: give "
            "--torch-worker-python a runtime with numpy and torch that every user can read"
        )
    if not torch and report.get("torch") and identity.official:
        raise ProbeError(
            f"the worker runtime {identity.python} can import torch, with which student code could "
            "compute the expected values: give --worker-python a runtime with numpy only (the "
            "steps that need torch run with --torch-worker-python)"
        )
    reached = [str(r) for r in report.get("reached", [])]
    exposed = [str(r) for r in report.get("exposed", [])]
    if identity.official and view and exposed:
        reached += [f"{r} (its view of the machine is not its own)" for r in exposed]
    if identity.official and reached:
        raise ProbeError(
            f"refusing to grade: the worker identity ({who}) can reach what it must not:\n"
            + "\n".join(f"  - {r}" for r in reached)
            + "\nfix: "
            + _fixes(reached)
        )
    return str(report["numpy"])
