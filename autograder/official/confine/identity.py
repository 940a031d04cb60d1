"""Who student code runs as: a dedicated unprivileged uid per concurrent handin, and how to end all it started.

A worker identity is a bare uid/gid (no supplementary groups, no login, no
files of its own) that nothing else on the machine uses. The grader needs root
to switch to it. Killing "everything of the uid" reaches the processes that
left the worker's process group or session (`setsid()` daemons) too.
"""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FIRST_UID = 61000
# World-writable places a worker can leave files in besides its own folder.
SHARED_TMP = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


class IdentityError(Exception):
    """No usable worker identity (not root, a uid in use, a uid that is the grader's)."""


@dataclass(frozen=True)
class Identity:
    """The OS identity a worker runs as. uid None: the grader's own user (a trial run, not official).

    python: the interpreter the worker runs, which this identity must be able to execute.
    """

    uid: int | None
    gid: int | None
    python: str
    groups: tuple[int, ...] = ()  # supplementary groups (the torch steps' workers: sandbox.TORCH_GROUP)

    @property
    def official(self) -> bool:
        """Whether this is a worker uid of its own (not the grader's user in a trial run)."""
        return self.uid is not None

    def popen_args(self) -> dict:
        """-> the subprocess.Popen arguments that start a process as this identity."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}


def processes_of(uid: int, zombies: bool = False) -> list[int]:
    """List the pids of every live process (and zombie, if asked) with `uid`.

    A process counts whose real, effective, saved or file-system uid is `uid`.
    """
    found = []
    wanted = str(uid).encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as f:
                zombie = False
                for line in f:
                    if line.startswith(b"State:"):
                        zombie = line.split()[1:2] == [b"Z"] and not zombies
                    elif line.startswith(b"Uid:"):
                        if not zombie and wanted in line.split()[1:]:
                            found.append(int(entry.name))
                        break
        except OSError:
            continue  # ended meanwhile
    return found


def worker_identities(first_uid: int, count: int, python: str) -> list[Identity]:
    """-> `count` identities with uids (and gids) first_uid, first_uid + 1, ...

    Raises IdentityError when not root, when a uid is 0 or the grader's, or
    when a process already runs as one of them (another grading run?).
    """
    if os.geteuid() != 0:
        raise IdentityError(
            "official grading runs student code as another user, which needs root; run the grader "
            "as root (in a container or VM), or pass --same-user-trial for a trial run that "
            "is not an official grade"
        )
    uids = list(range(first_uid, first_uid + count))
    if first_uid < 1000 or uids[-1] >= 2**31:
        raise IdentityError(f"worker uids {uids[0]}..{uids[-1]} are outside 1000..2^31: pick --worker-uid")
    for uid in uids:
        running = processes_of(uid)
        if running:
            raise IdentityError(
                f"uid {uid} already runs processes ({', '.join(map(str, running[:5]))}): another "
                "grading run, or a uid that belongs to someone? Pick --worker-uid"
            )
    return [Identity(uid, uid, python) for uid in uids]


def _kill_command() -> list[str]:
    kill = shutil.which("kill", path="/usr/bin:/bin")
    return [kill, "-9", "-1"] if kill else []


def kill_all(identity: Identity, attempts: int = 100) -> None:
    """SIGKILL every process of the identity's uid and wait until none is left.

    A helper running as that uid signals them all. kill(-1) cannot race with fork: a process with SIGKILL
    pending cannot fork.
    """
    if identity.uid is None:
        return
    command = _kill_command() or [identity.python, "-I", "-S", "-c", "import os; os.kill(-1, 9)"]
    for _ in range(attempts):
        if not processes_of(identity.uid):
            return
        subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin"},
            cwd="/",
            check=False,
            **identity.popen_args(),
        )
        time.sleep(0.01)
    left = processes_of(identity.uid)
    if left:
        raise IdentityError(f"processes of uid {identity.uid} survive SIGKILL: {left[:5]}")


def wait_reaped(identity: Identity, timeout: float = 5.0) -> None:
    """Wait until the uid's killed processes are reaped too: zombies still count against its process limit."""
    if identity.uid is None:
        return
    deadline = time.monotonic() + timeout
    while processes_of(identity.uid, zombies=True) and time.monotonic() < deadline:
        time.sleep(0.005)


def remove_leftovers(identity: Identity) -> None:
    """Remove what the identity's uid left in the shared temporary folders (its own folder is removed apart)."""
    if identity.uid is None:
        return
    for place in SHARED_TMP:
        try:
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != identity.uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
