"""The grader's side of the fork server (see forkserver.py): start one per worker slot and runtime, spawn workers.

A `Launcher` starts its server at once (so that several runtimes import in
parallel) and waits for it only when first used. `spawn` returns a
`WorkerProcess`, which the grader watches like a subprocess: its pid (to place
it in the handin's cgroups and to signal its session), `poll`, `wait` and
`returncode`. A server that died (it never should) is started again for the
next worker.
"""

import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

OFFICIAL = Path(__file__).resolve().parent.parent
# What the server's folder holds: the server, the worker and the wire format (a package, copied whole), under the
# names they import (relative to autograder/official/).
SERVER_FILES = {"_forkserver.py": "confine/forkserver.py", "_worker.py": "worker/main.py", "_wire": "worker/wire"}
WORKER_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
READY_TIMEOUT = 180.0
REPLY_BYTES = 1 << 16


def write_server_files(folder: Path) -> None:
    """Write the server, the worker and the wire format into `folder` under the names they import.

    A package is copied whole (its modules, no caches), so that its modules import each other relatively.
    """
    for name, rel in SERVER_FILES.items():
        source, target = OFFICIAL / rel, folder / name
        if source.is_dir():
            target.mkdir(mode=0o700)
            for module in sorted(source.glob("*.py")):
                (target / module.name).write_bytes(module.read_bytes())
        else:
            target.write_bytes(source.read_bytes())


class LaunchError(Exception):
    """The worker runtime's fork server cannot start, or stopped answering."""


def _receive(sock: socket.socket, timeout: float | None) -> dict | None:
    """-> the server's next reply; {} when the server is gone; None when nothing came within `timeout` s."""
    readable, _, _ = select.select([sock], [], [], timeout)
    if not readable:
        return None
    data = sock.recv(REPLY_BYTES)
    return json.loads(data) if data else {}


class WorkerProcess:
    """A worker the fork server started: its pid and, once it ended, its exit code (as subprocess gives it)."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        """Follow worker `pid` through `sock`, the fork server's connection that reports its end."""
        self.pid = pid
        self.returncode: int | None = None
        self._sock = sock
        self._released = False

    def wait(self, timeout: float | None = None) -> int:
        """-> the exit code once the worker ended. Raises subprocess.TimeoutExpired after `timeout` seconds."""
        if self.returncode is None:
            reply = _receive(self._sock, timeout)
            if reply is None:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
            # Without a reply the server itself is gone (the worker is ended with everything of its identity).
            self.returncode = int(reply["exit"]) if reply else -9
        return self.returncode

    def release(self) -> None:
        """Let the server reap the ended worker (its pid may then be reused).

        Call once it is waited for and nothing more will signal it.
        """
        if self.returncode is not None and not self._released:
            self._released = True
            try:
                self._sock.send(json.dumps({"reap": True}).encode())
            except OSError:
                pass  # the server is gone, and its children were reaped by init

    def poll(self) -> int | None:
        """-> the exit code, or None while the worker runs."""
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None


class Launcher:
    """A fork server for one worker slot and runtime (`python`, with torch preloaded if `torch`), in `base`."""

    def __init__(self, python: str, base: Path, torch: bool = False) -> None:
        """Prepare, without starting it, the fork server of runtime `python` (torch preloaded if `torch`)."""
        self.python = python
        self.torch = torch
        self.base = base
        self.versions: dict = {}
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._folder: Path | None = None
        self._start()

    def _start(self) -> None:
        folder = self.base / f"server-{secrets.token_hex(6)}"
        folder.mkdir(mode=0o700)
        write_server_files(folder)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [self.python, "-I", "-B", str(folder / "_forkserver.py"), str(theirs.fileno())]
        try:
            self._proc = subprocess.Popen(
                argv + (["--torch"] if self.torch else []),
                cwd="/",
                env=WORKER_ENV,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except OSError as exc:
            ours.close()
            shutil.rmtree(folder, ignore_errors=True)
            raise LaunchError(f"cannot run {self.python} ({exc})") from None
        finally:
            theirs.close()
        self._sock, self._folder, self.versions = ours, folder, {}

    def ready(self, timeout: float = READY_TIMEOUT) -> dict:
        """Wait for the server's imports -> {"numpy": version, "torch": bool}. Raises LaunchError."""
        if self.versions:
            return self.versions
        assert self._sock is not None and self._proc is not None
        reply = _receive(self._sock, timeout)
        if not (reply and reply.get("ready")):
            why = (reply or {}).get("error") or self._stderr() or f"no answer within {timeout:g} s"
            self.close()
            raise LaunchError(f"{self.python} cannot start workers: {why}")
        self.versions = {"numpy": reply["numpy"], "torch": reply["torch"], "view": reply.get("view", {})}
        if self._proc.stderr is not None:  # only start-up errors come that way
            self._proc.stderr.close()
            self._proc.stderr = None
        return self.versions

    def _stderr(self) -> str:
        assert self._proc is not None and self._proc.stderr is not None
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return ""
        lines = self._proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def spawn(
        self,
        folder: Path,
        uid: int | None,
        gid: int | None,
        scratch: int | None,
        env: dict[str, str],
        pipes: tuple[int, int, int],
        start: int = 0,
        program: tuple[str, list[str]] | None = None,
        view: bool = False,
        groups: tuple[int, ...] = (),
    ) -> WorkerProcess:
        """Start a worker for the jobs from `start` on in `folder` (or `program`: (source, args) instead).

        uid/gid: the identity (None: the grader's own); scratch: bytes of each private temporary folder in
        namespaces of its own (None: no namespaces); view: in those namespaces, see only the runtime, the folder
        (at forkserver.VIEW_FOLDER), the temporary folders, a few devices and its own processes; groups: its
        supplementary groups; pipes: (its stdin, its output, the frames pipe) ends. Raises LaunchError.
        """
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        self.ready()
        request = {
            "folder": str(folder),
            "start": start,
            "uid": uid,
            "gid": gid,
            "scratch": scratch,
            "env": env,
            "view": view,
            "groups": list(groups),
        }
        if program is not None:
            request["program"], request["args"] = program
        assert self._sock is not None
        try:
            socket.send_fds(self._sock, [json.dumps(request).encode()], list(pipes))
            while True:
                reply = _receive(self._sock, READY_TIMEOUT)
                if not reply:
                    self.close()
                    raise LaunchError(f"the fork server of {self.python} stopped")
                if "pid" in reply:  # not the end of an earlier worker nobody waited for
                    break
        except OSError as exc:
            raise LaunchError(f"the fork server of {self.python} stopped ({exc})") from None
        return WorkerProcess(int(reply["pid"]), self._sock)

    def clear_keys(self, uid: int, gid: int) -> bool:
        """Unlink every key of the uid's user and user-session keyrings (kernel objects that outlive it).

        Returns whether both are empty now. Raises LaunchError.
        """
        self.ready()
        assert self._sock is not None
        try:
            self._sock.send(json.dumps({"clear_keys": [uid, gid]}).encode())
            while True:
                reply = _receive(self._sock, READY_TIMEOUT)
                if not reply:
                    self.close()
                    raise LaunchError(f"the fork server of {self.python} stopped")
                if "cleared" in reply:
                    return bool(reply["cleared"])
        except OSError as exc:
            raise LaunchError(f"the fork server of {self.python} stopped ({exc})") from None

    def close(self) -> None:
        """Stop the server (it ends when its socket closes) and remove its folder."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stderr is not None:
                self._proc.stderr.close()
            self._proc = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def spawn_program(
    launcher: Launcher,
    folder: Path,
    uid: int | None,
    gid: int | None,
    scratch: int | None,
    source: str,
    args: list[str],
    timeout: float,
    view: bool = False,
    groups: tuple[int, ...] = (),
) -> tuple[int | None, str]:
    """Run `source` as a worker would be run (see Launcher.spawn).

    Returns (its exit code, None if it timed out; what it printed).
    """
    stdin_r, stdin_w = os.pipe()
    out_r, out_w = os.pipe()
    frames_r, frames_w = os.pipe()
    try:
        proc = launcher.spawn(
            folder,
            uid,
            gid,
            scratch,
            {**WORKER_ENV, "HOME": str(folder)},
            (stdin_r, out_w, frames_w),
            program=(source, args),
            view=view,
            groups=groups,
        )
    except BaseException:
        os.close(out_r)
        raise
    finally:
        for fd in (stdin_r, out_w, frames_w, stdin_w, frames_r):
            os.close(fd)
    chunks = []
    deadline = time.monotonic() + timeout
    code: int | None
    with os.fdopen(out_r, "rb") as out:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([out], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(out.fileno(), 1 << 16) if readable else b""
            if not chunk:
                break
            chunks.append(chunk)
        try:
            code = proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None  # timed out
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    proc.release()
    return code, b"".join(chunks).decode("utf-8", "replace")
