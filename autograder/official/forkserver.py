"""The fork server: starts workers already holding their runtime's imports, as their worker identity.

Importing numpy takes a tenth of a second, torch most of a second: paid by
every worker of every handin, that is most of what official grading costs.
So the grader starts this program once per worker slot and runtime, as root,
from a folder only root can read:

    PYTHON -I -B DIR/_forkserver.py FD [--torch]

It imports numpy (and torch), the worker (`_worker.py`) and the wire format
(`_wire.py`), then serves requests on the socket FD, one worker at a time.
A request names the handin's folder and the first job, the identity (uid,
gid) and, when the worker gets namespaces of its own, the size of its
temporary folders; it comes with three pipe ends (the worker's stdin, its
output, the frames pipe). The server forks; the child, before any student code
runs: starts a session of its own, keeps only those three pipes (stdin as 0,
the output as 1 and 2, the frames pipe as 3) and closes everything else the
server had open, enters new mount,
network and IPC namespaces with fresh tmpfs temporary folders, drops to the
uid and gid with no supplementary groups and no new privileges, and only then
runs the worker, which waits for the grader's go. The server replies
`{"pid": N}`, waits for the child and replies `{"exit": CODE}` (negative: the
signal that ended it, as subprocess reports it); it reaps the child only on
the grader's `{"reap": true}` (or its next request), so that the pid stays
the worker's while the grader may still signal it.

What the child inherits from the server is what the server loaded: the
runtime's own modules and this folder's three files, nothing of the grader's.
The server stays root and never runs student code, so no handin can reach it
or leave anything in it for the next.
A request may also ask to run a short program given as text instead of the
worker (the grader's probe), in exactly the same place a worker would be.

Standard library and numpy (and torch) only, Python 3.10 and later.
"""

import ctypes
import gc
import json
import os
import socket
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
# The folders any user may write: fresh, small and private to the worker in its own namespace.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm")
FRAMES_FD = 3
MAX_REQUEST = 1 << 20


class SetupError(Exception):
    """The child could not be confined as asked: it must not run anything."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}")


def enter_namespaces(scratch: int) -> None:
    """New mount, network and IPC namespaces; a tmpfs of `scratch` bytes on each temporary folder."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    # Mounts made here must not propagate back to the grader's namespace.
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    options = f"size={scratch},mode=1777".encode()
    for folder in SCRATCH_DIRS:
        if os.path.isdir(folder):
            _check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {folder}")


def become(uid: int, gid: int) -> None:
    """Drop to uid/gid for good: no supplementary groups, no way back, no new privileges through exec."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise SetupError("the identity did not change")
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    # As after an exec: the worker's own processes may inspect it (/proc/self), as with any program.
    _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")


def _child(request: dict, fds: list[int]) -> None:
    """In the forked child: confine, become the worker identity, run the worker or the program; never returns."""
    code = 70
    try:
        os.setsid()
        stdin, output, frames = fds
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(frames, FRAMES_FD)
        os.closerange(FRAMES_FD + 1, os.sysconf("SC_OPEN_MAX"))
        if request.get("scratch") is not None:
            enter_namespaces(int(request["scratch"]))
        folder = Path(request["folder"])
        os.chdir(folder)
        os.umask(0o077)
        if request.get("uid") is not None:
            become(int(request["uid"]), int(request["gid"]))
        os.environ.clear()
        os.environ.update(request["env"])
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


def _exit_code(pid: int) -> int:
    """Wait for the child to end, leaving it a zombie -> its exit code (negative: the signal that ended it)."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    assert info is not None  # without WNOHANG, waitid returns once the child ended
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


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
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(request, fds)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())
        sock.send(json.dumps({"exit": _exit_code(pid)}).encode())
        ended = pid


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        sys.path.insert(0, str(HERE))
        import _wire  # noqa: F401 - loaded here so that workers start with it
        import _worker  # noqa: F401
        import numpy

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
    sock.send(json.dumps({"ready": True, "numpy": numpy.__version__, "torch": has_torch}).encode())
    # What the server loaded stays out of the children's garbage collections, which would otherwise touch
    # (and so copy) every page of it in every child.
    gc.freeze()
    serve(sock)


if __name__ == "__main__":
    main()
