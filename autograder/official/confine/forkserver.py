"""The fork server: starts workers already holding their runtime's imports, as their worker identity.

Importing numpy takes a tenth of a second, torch most of a second: paid by
every worker of every handin, that is most of what official grading costs.
So the grader starts this program once per worker slot and runtime, as root,
from a folder only root can read:

    PYTHON -I -B DIR/_forkserver.py FD [--torch]

It imports numpy (and torch), the runtime modules the shipped autograder
uses (RUNTIME_MODULES), the worker (`_worker.py`) and the wire format
(the package `_wire`), then serves requests on the socket FD, one worker at a time.
A request names the handin's folder and the first job, the identity (uid,
gid, supplementary groups) and, when the worker gets namespaces of its own,
the size of its temporary folders and whether it gets its own view; it comes
with three pipe ends (the worker's stdin, its output, the frames pipe). The
server forks; the child, before any student code runs: starts a session of
its own, keeps only those three pipes (stdin as 0, the output as 1 and 2, the
frames pipe as 3) and closes everything else the server had open, enters its
own view of the machine (enter_view: new mount, PID, network, IPC and UTS
namespaces; a root holding only the runtime read-only, the folder at
/handin, fresh tmpfs temporary folders, a few devices and its own /proc),
drops to the uid and gid with no other groups and no new privileges, joins a
fresh session keyring and loses the keyring system calls, and only then runs
the worker, which waits for the grader's go. With a view, the child is pid 1
of a new PID namespace (fork_viewed): it waits for the go itself (so that
what it forks is born inside the handin's cgroups), forks the worker (pid 2),
reaps, and reports on a pipe how the worker ended, which the server replies
as the child's exit (pid 1 of a namespace cannot end by its own signal). The
server replies `{"pid": N}`, waits for the child and replies `{"exit": CODE}`
(negative: the signal that ended it, as subprocess reports it); it reaps the
child only on the grader's `{"reap": true}` (or its next request), so that
the pid stays the worker's while the grader may still signal it.
`{"clear_keys": [uid, gid]}` empties that uid's user and user-session
keyrings (kernel objects that outlive its processes) in a child of its own.

What the child inherits from the server is what the server loaded: the
runtime's own modules and this folder's modules (the worker and the wire format), nothing of the grader's;
and, for viewed workers, the shipped autograder's modules compiled once from
the first worker's folder (precompile), which a worker uses only for a file
whose source is exactly the same, so it runs what its own files say.
The server stays root and never runs student code, so no handin can reach it
or leave anything in it for the next.
A request may also ask to run a short program given as text instead of the
worker (the grader's probe), in exactly the same place a worker would be.

Standard library and numpy (and torch) only, Python 3.10 and later.
"""

import ctypes
import fcntl
import gc
import importlib.machinery
import json
import os
import platform
import re
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 1 << 14, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2
KEYCTL_JOIN_SESSION_KEYRING = 1
# The folders any user may write: fresh, small and private to the worker in its own namespace.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm")
# In the worker's own view of the filesystem: where its folder is, its temporary folders, its devices.
VIEW_FOLDER = "/handin"
VIEW_SCRATCH = ("/tmp", "/dev/shm")
VIEW_DEVICES = ("null", "zero", "random", "urandom")
# Top-level symlinks of a merged-/usr system (/lib -> usr/lib): kept so that the runtime's paths resolve.
VIEW_LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")
# Folders of an interpreter's own installation that hold other packages than the runtime's (torch, say).
PACKAGE_DIRS = ("site-packages", "dist-packages")
# pivot_root has no libc wrapper; keyring system calls are refused to workers (see _keyring_filter).
SYSCALLS = {
    "x86_64": {"pivot_root": 155, "add_key": 248, "request_key": 249, "keyctl": 250},
    "aarch64": {"pivot_root": 41, "add_key": 217, "request_key": 218, "keyctl": 219},
}
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
FRAMES_FD = 3
REPORT_FD = 4  # in pid 1 of a worker's PID namespace: how the worker ended, for the server
MAX_REQUEST = 1 << 20
PID_NAMESPACE: list[int] = []  # the server's own PID namespace, to return to after forking a worker's
VIEW: dict[str, list[str]] = {}  # what workers of this runtime see (runtime_view), once the server is ready
# The shipped autograder's modules compiled once (see precompile): path as a viewed worker imports it ->
# (its source, the code compile gives for it there).
COMPILED: dict[str, tuple[bytes, Any]] = {}
PRECOMPILED: list[bool] = []  # whether precompile ran (once, on the first worker's folder)
PRECOMPILE_LIMITS = (1000, 1 << 20)  # at most so many files, each at most so many bytes


class SetupError(Exception):
    """The child could not be confined as asked: it must not run anything."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}")


def enter_namespaces(scratch: int) -> None:
    """Enter new mount, network and IPC namespaces, with a tmpfs of `scratch` bytes on each temporary folder.

    scratch: the size limit in bytes of each tmpfs (one per folder of SCRATCH_DIRS that exists). Raises
    SetupError when the kernel refuses a step.
    """
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    # Mounts made here must not propagate back to the grader's namespace.
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    options = f"size={scratch},mode=1777".encode()
    for folder in SCRATCH_DIRS:
        if os.path.isdir(folder):
            _check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {folder}")


def _under(path: str, folders: "list[str] | set[str]") -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def runtime_view() -> dict[str, list[str]]:
    """Return what of the machine a worker of this runtime sees, read-only.

    Returns {"dirs": [...], "files": [...], "masks": [...]}, each a sorted list of absolute paths. dirs: the runtime
    itself (a venv's folder, or the folders on sys.path: the standard library and the packages) and the folders of
    the shared libraries this server loaded (so that those loaded later, libffi for ctypes say, are found too);
    files: the interpreter (not its folder, which holds every other program) and the dynamic linker's cache; masks:
    folders of packages inside those that are not this runtime's (the base interpreter's site-packages, where torch
    may be installed), hidden under an empty folder.
    Called once the server imported what its workers use.
    """
    dirs: set[str] = set()
    files: set[str] = set()
    if sys.prefix != sys.base_prefix:
        dirs.add(os.path.realpath(sys.prefix))
    for entry in sys.path:
        if entry and os.path.isabs(entry) and os.path.exists(entry):
            (dirs if os.path.isdir(entry) else files).add(os.path.realpath(entry))
    path = sys.executable
    for _ in range(40):  # the interpreter and every symlink on the way to it
        files.add(os.path.abspath(path))
        if not os.path.islink(path):
            break
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    executable = os.path.realpath(sys.executable)
    files.add(executable)
    with open("/proc/self/maps") as maps:
        mapped = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) > 5}
    for name in mapped:
        if not name.startswith("/") or name.startswith(("/dev/", "/proc/", "/memfd:")) or not os.path.isfile(name):
            continue
        real = os.path.realpath(name)
        if os.path.dirname(real) == os.path.dirname(executable):
            files.add(real)
        elif ".so" in os.path.basename(real):
            dirs.add(os.path.dirname(real))
    if os.path.isfile("/etc/ld.so.cache"):
        files.add("/etc/ld.so.cache")
    # The program interpreter named in the executable, so that a worker may run its own runtime's interpreter.
    with open(executable, "rb") as elf:
        interp = re.search(rb"(/[\w./-]*ld[\w.-]*\.so[\w.]*)\0", elf.read(4096))
    if interp and os.path.isfile(interp.group(1).decode()):
        files.add(interp.group(1).decode())
    # Placed where their folder really is: the view's top-level symlinks (/lib64 -> usr/lib64) lead there.
    files = {os.path.join(os.path.realpath(os.path.dirname(f)), os.path.basename(f)) for f in files}
    kept = [d for d in sorted(dirs) if not any(d != o and _under(d, [o]) for o in dirs)]
    # Inside a bound folder, other packages (a base interpreter's site-packages) and other interpreters' libraries
    # (/usr/lib64/python3.12 beside the shared libraries) are hidden, unless this runtime uses them.
    masks = sorted(
        {
            os.path.join(d, sub)
            for d in dirs
            for sub in _listing(d)
            if (sub in PACKAGE_DIRS or re.fullmatch(r"python\d[\d.]*", sub))
            and os.path.isdir(os.path.join(d, sub))
            and not any(_under(n, [os.path.join(d, sub)]) for n in dirs | files)
        }
    )
    return {"dirs": kept, "files": sorted(f for f in files if not _under(f, kept)), "masks": masks}


def _listing(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _mount(
    libc: ctypes.CDLL, source: "str | None", target: str, kind: "str | None", flags: int, options: "str | None" = None
) -> None:
    _check(
        libc.mount(
            source.encode() if source else None,
            target.encode(),
            kind.encode() if kind else None,
            flags,
            options.encode() if options else None,
        ),
        f"mount {source or kind} on {target}",
    )


def _bind(libc: ctypes.CDLL, source: str, target: str, read_only: bool = True) -> None:
    """Bind `source` (a folder or file) on `target` (made as needed), read-only unless told otherwise."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    _mount(libc, source, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (MS_RDONLY if read_only else 0)
    _mount(libc, None, target, None, flags | (MS_NODEV if read_only else 0))


def enter_view(view: dict[str, list[str]], folder: str, scratch: int) -> None:
    """Enter new mount, network, IPC and UTS namespaces whose filesystem is a view of the runtime.

    view: what the view shows, read-only (see runtime_view); folder: the worker's folder, bound writable at
    VIEW_FOLDER; scratch: the size limit in bytes of each fresh tmpfs temporary folder. The view also holds the
    harmless devices. Called in pid 1 of a new PID namespace (fork_viewed), which then mounts its /proc
    (finish_view). Raises SetupError when the kernel refuses a step.
    """
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    # Mounts made here must not propagate back to the grader's namespace.
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
    # The new root: a small tmpfs mounted over the server's own folder (nothing the view shows lies in it).
    root = str(HERE)
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for source in view["dirs"] + view["files"]:
        _bind(libc, source, root + source)
    for mask in view["masks"]:
        if os.path.isdir(root + mask):
            _mount(libc, "tmpfs", root + mask, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0755")
    for name in VIEW_LINKS:
        if os.path.islink("/" + name) and not os.path.lexists(f"{root}/{name}"):
            os.symlink(os.readlink("/" + name), f"{root}/{name}")
    _bind(libc, folder, root + VIEW_FOLDER, read_only=False)
    os.makedirs(root + "/dev", exist_ok=True)
    for device in VIEW_DEVICES:
        target = f"{root}/dev/{device}"
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
        _mount(libc, f"/dev/{device}", target, None, MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{root}/dev/{name}")
    for place in VIEW_SCRATCH:
        os.makedirs(root + place, exist_ok=True)
        _mount(libc, "tmpfs", root + place, "tmpfs", MS_NOSUID | MS_NODEV, f"size={scratch},mode=1777")
    os.makedirs(root + "/proc", exist_ok=True)
    old = root + "/.old"
    os.mkdir(old, 0o700)
    call = SYSCALLS.get(platform.machine())
    if call is None:
        raise SetupError(f"no view on {platform.machine()}: pivot_root's number is not known")
    _check(libc.syscall(call["pivot_root"], root.encode(), old.encode()), "pivot_root")
    os.chdir("/")
    _check(libc.umount2(b"/.old", MNT_DETACH), "unmount the old root")
    os.rmdir("/.old")


def finish_view() -> None:
    """Mount a /proc of its own (only its processes) and make the root read-only, in pid 1 of the new PID namespace."""
    libc = _libc()
    _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(libc, None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _keyring_filter() -> None:
    """Refuse the keyring system calls (add_key, request_key, keyctl: EPERM) to this process and its children.

    A key stored in the uid's user keyring would outlive the handin and reach the next one graded as that
    uid (and its owner can make it read-only, so that clearing it afterwards may fail); no worker needs one.
    A seccomp filter: a classic BPF program checked by the kernel on every system call.
    """
    machine = platform.machine()
    if machine not in SYSCALLS:
        raise SetupError(f"no keyring filter on {machine}: the system call numbers are not known")
    calls = SYSCALLS[machine]
    eperm, allow, kill = 0x00050000 | 1, 0x7FFF0000, 0x80000000  # SECCOMP_RET_ERRNO | EPERM, _ALLOW, _KILL_PROCESS
    blocked = [calls["add_key"], calls["request_key"], calls["keyctl"]]
    if machine == "x86_64":  # the x32 numbers of the same calls
        blocked += [0x40000000 | n for n in blocked]
    # (code, jt, jf, k): load arch; wrong arch -> kill; load nr; blocked -> EPERM; else allow.
    program = [(0x20, 0, 0, 4), (0x15, 1, 0, AUDIT_ARCH[machine]), (0x06, 0, 0, kill), (0x20, 0, 0, 0)]
    for k, number in enumerate(blocked):
        program.append((0x15, len(blocked) - k, 0, number))
    program += [(0x06, 0, 0, allow), (0x06, 0, 0, eperm)]

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*f) for f in program])
    prog = Program(len(program), filters)
    libc = _libc()
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp keyring filter")


def become(uid: int, gid: int, groups: "list[int] | None" = None) -> None:
    """Drop to uid/gid for good.

    uid, gid: the worker identity; groups: its only supplementary groups (none when None). Afterwards there is
    no way back, no new privileges through exec, a fresh session keyring of its own and no keyring calls.
    Raises SetupError when any of it fails.
    """
    os.setgroups(groups or [])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if (
        os.getresuid() != (uid, uid, uid)
        or os.getresgid() != (gid, gid, gid)
        or sorted(os.getgroups()) != sorted(groups or [])
    ):
        raise SetupError("the identity did not change")
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    # As after an exec: the worker's own processes may inspect it (/proc/self), as with any program.
    _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    # Not the server's session keyring (root's): an empty one of the worker's own, which dies with it.
    if libc.syscall(SYSCALLS.get(platform.machine(), {}).get("keyctl", -1), KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        raise SetupError(f"join a session keyring: {os.strerror(ctypes.get_errno())}")
    _keyring_filter()


def _read_go() -> bool:
    """Read the grader's go line from stdin, byte by byte (what follows is the worker's); return whether it came."""
    while True:
        byte = os.read(0, 1)
        if not byte:
            return False
        if byte == b"\n":
            return True


def _forward(pid: int, report: int) -> None:
    """Wait for the worker `pid`, report its wait status on the pipe `report` and end; never returns.

    Runs in pid 1 of the worker's PID namespace: it reaps every orphan it adopts meanwhile, and once it ends the
    kernel ends whatever is left in the namespace. The status goes as 4 bytes, little-endian.
    """
    status = 0
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if done == pid:
            break
    os.write(report, status.to_bytes(4, "little"))
    os._exit(0)


def _viewed(request: dict, view: dict[str, list[str]], report: int) -> None:
    """Confine into the view, fork the worker (pid 2) and report how it ended; return in the worker only.

    Runs in pid 1 of a new PID namespace (fork_viewed). request: the grader's request (its folder and scratch
    size; unless it runs a program, pid 1 first waits for the grader's go on stdin, so that what it forks is
    born inside the handin's cgroups); view: see runtime_view; report: the pipe on which pid 1 reports how the
    worker ended (pid 1 of a namespace cannot end by its own signal).
    """
    if os.getpid() != 1:
        raise SetupError("no PID namespace of its own")
    enter_view(view, request["folder"], int(request["scratch"]))
    if "program" not in request and not _read_go():
        os._exit(1)
    finish_view()
    worker = os.fork()
    if worker:
        for fd in range(4):
            os.close(fd)
        _forward(worker, report)
    os.close(report)
    os.setsid()


def fork_viewed(own_pid_namespace: int) -> int:
    """Fork a child that is pid 1 of a new PID namespace; return its pid, as fork does (0 in the child).

    own_pid_namespace: a descriptor of the server's PID namespace, to which the server returns so that its
    own next children stay in it. Raises SetupError (in the server) when the kernel refuses.
    """
    libc = _libc()
    _check(libc.unshare(CLONE_NEWPID), "a new PID namespace")
    try:
        return os.fork()
    finally:
        if os.getpid() != 1:  # the server: its next children are its own namespace's again
            _check(libc.setns(own_pid_namespace, CLONE_NEWPID), "back to the server's PID namespace")


def _reported(report: int, code: int) -> int:
    """Return the worker's exit code as its pid 1 reported it on the pipe `report` (closed), else `code`."""
    try:
        data = os.read(report, 4)
    finally:
        os.close(report)
    if len(data) != 4:
        return code
    status = int.from_bytes(data, "little")
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70


def _child(request: dict, fds: list[int], report: int | None = None) -> None:
    """In the forked child: confine, become the worker identity, run the worker or the program; never returns.

    request: the grader's request; fds: its descriptors (stdin, output, frames); report: with a view, the pipe
    on which it reports how the worker ended (it is pid 1 of its PID namespace).
    """
    code = 70
    try:
        os.setsid()
        stdin, output, frames = fds
        if report is not None:  # out of the way of the descriptors the worker gets
            report = fcntl.fcntl(report, fcntl.F_DUPFD, 16)
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(frames, FRAMES_FD)
        if report is not None:
            os.dup2(report, REPORT_FD)
            report = REPORT_FD
        os.closerange(FRAMES_FD + 1 + (report is not None), os.sysconf("SC_OPEN_MAX"))
        folder = Path(request["folder"])
        env = dict(request["env"])
        if report is not None:
            _viewed(request, VIEW, report)
            folder = Path(VIEW_FOLDER)
            env = {k: VIEW_FOLDER if v == request["folder"] else v for k, v in env.items()}
        elif request.get("scratch") is not None:
            enter_namespaces(int(request["scratch"]))
        os.chdir(folder)
        os.umask(0o077)
        if request.get("uid") is not None:
            become(int(request["uid"]), int(request["gid"]), [int(g) for g in request.get("groups", [])])
        os.environ.clear()
        os.environ.update(env)
        code = 1
        if "program" in request:
            sys.argv = ["-c", *request.get("args", [])]
            exec(compile(request["program"], "<program>", "exec"), {"__name__": "__main__"})
        else:
            import _worker

            _worker.main(folder, int(request["start"]), FRAMES_FD)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            # A thread the worker's code started must not keep the process alive.
            os._exit(code)


def _clear_keys(uid: int, gid: int) -> None:
    """Unlink, as uid, every key of the uid's user and user-session keyrings; never returns.

    Runs in a forked child: uid, gid: the identity whose keyrings are cleared. Exits with code 0 when both are
    empty now, else 1.
    """
    code = 1
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        libc = _libc()
        keyctl = SYSCALLS[platform.machine()]["keyctl"]
        code = 0
        for keyring in (-4, -5):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
            if libc.syscall(keyctl, 7, keyring) < 0:  # KEYCTL_CLEAR
                code = 1
    finally:
        os._exit(code)


def _exit_code(pid: int) -> int:
    """Wait for the child `pid` to end, leaving it a zombie; return its exit code (negative: the ending signal)."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    assert info is not None  # without WNOHANG, waitid returns once the child ended
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def _start(request: dict, fds: list[int], sock: socket.socket) -> tuple[int, int | None]:
    """Fork the child for `request`; return (its pid, the read end of its report pipe or None).

    fds: the request's descriptors, closed here; sock: the grader's socket, closed in the child. With a view the
    child is pid 1 of a new PID namespace and reports how the worker ended on a pipe.
    """
    report_r = report_w = None
    if request.get("scratch") is not None and request.get("view"):
        if not PID_NAMESPACE:
            PID_NAMESPACE.append(os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC))
        report_r, report_w = os.pipe()
        pid = fork_viewed(PID_NAMESPACE[0])
    else:
        pid = os.fork()
    if pid == 0:
        sock.close()
        if report_r is not None:
            os.close(report_r)
        _child(request, fds, report_w)
    for fd in fds + ([report_w] if report_w is not None else []):
        os.close(fd)
    return pid, report_r


def serve(sock: socket.socket) -> None:
    """Answer requests until the grader closes its end.

    An ended child is reaped only when the grader says it is done with it (or sends the next request): until
    then its pid cannot be reused, so the grader can still signal its process group or place it safely.
    """
    ended: int | None = None
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, 3)
        except OSError:
            message, fds = b"", []
        if ended is not None:
            os.waitpid(ended, 0)
            ended = None
        if not message:
            return
        request = json.loads(message)
        if request.get("reap"):
            continue
        if "clear_keys" in request:
            uid, gid = request["clear_keys"]
            pid = os.fork()
            if pid == 0:
                sock.close()
                _clear_keys(int(uid), int(gid))
            _, status = os.waitpid(pid, 0)
            sock.send(json.dumps({"cleared": os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0}).encode())
            continue
        if (
            not PRECOMPILED
            and request.get("view")
            and request.get("scratch") is not None
            and "program" not in request
            and int(request.get("start", 0)) == 0
        ):
            PRECOMPILED.append(True)
            precompile(str(request["folder"]))
            gc.freeze()
        pid, report_r = _start(request, fds, sock)
        sock.send(json.dumps({"pid": pid}).encode())
        code = _exit_code(pid)
        sock.send(json.dumps({"exit": code if report_r is None else _reported(report_r, code)}).encode())
        ended = pid


# What the shipped autograder imports from the runtime beyond numpy (numpy.random is loaded on first use):
# loaded once here instead of in every worker. The runtime's own modules only, never the folder's.
RUNTIME_MODULES = (
    "dataclasses",
    "difflib",
    "enum",
    "hashlib",
    "importlib.util",
    "inspect",
    "numpy.random",
    "pkgutil",
    "signal",
    "threading",
    "traceback",
    "typing",
    "warnings",
    "zlib",
)


def preload_runtime_modules() -> None:
    """Import RUNTIME_MODULES, keeping each child's random streams its own.

    numpy's global generator is seeded once at import: a child reseeds it from the OS when it is forked,
    as Python's own random module does, so that no two workers share (or can predict) its stream.
    """
    import importlib

    for name in RUNTIME_MODULES:
        importlib.import_module(name)
    import numpy.random

    os.register_at_fork(after_in_child=numpy.random.seed)


def precompile(folder: str) -> None:
    """Compile the shipped autograder's modules in `folder` into COMPILED.

    folder: a worker's folder, before any student code ran in it. Each module is stored under the path a viewed
    worker imports it from (VIEW_FOLDER/autograder/...), as (source bytes, code object).

    Importing them is most of what a worker spends before its first case: compiled here once, every
    viewed worker that imports a file with exactly the same source gets the same code without compiling
    (see _source_to_code); any other source is compiled as usual. Regular files only, symbolic links not
    followed, so that the server (root) reads nothing a worker could point it to.
    """
    count, size = PRECOMPILE_LIMITS
    top = os.path.join(folder, "autograder")
    pending = [] if os.path.islink(top) else [("autograder", top)]
    while pending and len(COMPILED) < count:
        rel, path = pending.pop()
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                pending.append((f"{rel}/{entry.name}", entry.path))
            elif entry.name.endswith(".py") and entry.is_file(follow_symlinks=False) and len(COMPILED) < count:
                try:
                    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
                    try:
                        source = os.read(fd, size + 1)
                    finally:
                        os.close(fd)
                    if len(source) > size:
                        continue
                    target = f"{VIEW_FOLDER}/{rel}/{entry.name}"
                    COMPILED[target] = (source, compile(source, target, "exec", dont_inherit=True))
                except (OSError, SyntaxError, ValueError):
                    continue


def _source_to_code(loader: Any, data: Any, path: str, *args: Any, **kwargs: Any) -> Any:
    """Return the code for `data` at `path`: the one precompile made for exactly this source and path, else compile.

    Replaces SourceFileLoader.source_to_code in the workers; loader, args, kwargs are as that method takes them.
    """
    found = COMPILED.get(path)
    if found is not None and not args and not kwargs and isinstance(data, bytes) and found[0] == data:
        return found[1]
    return _COMPILE_SOURCE(loader, data, path, *args, **kwargs)


_COMPILE_SOURCE = importlib.machinery.SourceFileLoader.source_to_code


def main() -> None:
    """Serve the grader on the socket whose descriptor is sys.argv[1], once what workers use is loaded.

    With --torch among the arguments, torch is loaded too. A start-up failure is sent to the grader as
    {"error": ...}; otherwise it sends {"ready": True, ...} with the view, and answers requests (see serve) until
    the grader closes its end.
    """
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        sys.path.insert(0, str(HERE))
        import _wire  # noqa: F401 - loaded here so that workers start with it
        import _worker  # noqa: F401
        import numpy

        preload_runtime_modules()

        has_torch = False
        if "--torch" in sys.argv[2:]:
            import torch  # noqa: F401

            has_torch = True
        # Workers find their modules in their own folder, never in this one.
        sys.path.remove(str(HERE))
    except BaseException as exc:  # noqa: BLE001 - whatever it is, the grader must hear why
        sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    # Nobody reads the start-up error pipe once we are ready: a warning per fork must not fill it and block us.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        VIEW.update(runtime_view())
    except OSError as exc:
        sock.send(json.dumps({"error": f"cannot list what the runtime's workers need: {exc}"}).encode())
        return
    sock.send(json.dumps({"ready": True, "numpy": numpy.__version__, "torch": has_torch, "view": VIEW}).encode())
    # What the server loaded stays out of the children's garbage collections, which would otherwise touch
    # (and so copy) every page of it in every child.
    gc.freeze()
    importlib.machinery.SourceFileLoader.source_to_code = _source_to_code  # type: ignore[method-assign, assignment]
    serve(sock)


if __name__ == "__main__":
    main()
