"""Disk and network for a handin: a folder of fixed size, private small temporary folders, no network.

As root, where the kernel lets us (checked once with util-linux's `unshare`
and `mount`), the worker starts in its own mount, network and IPC namespaces
(the fork server's child enters them, see forkserver.py): /tmp, /var/tmp,
/run/lock and /dev/shm (the places any user may write) are fresh tmpfs mounts
of `Limits.scratch` bytes, the only network interface is a loopback of its
own, and System V IPC is its own; then it drops to its uid. Its folder is a
tmpfs of `Limits.disk` bytes mounted by the grader. Together they bound what
one handin can write, and all of it vanishes with the handin.
Without namespaces (or root) the folder is a plain directory and the shared
temporary folders are cleaned after the handin instead; `describe` says which.
"""

import functools
import os
import shutil
import subprocess
from pathlib import Path

from autograder.official.forkserver import SCRATCH_DIRS
from autograder.official.identity import Identity


def _which(name: str) -> str | None:
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


def _tool(name: str) -> str:
    """-> the path of a system tool that available() has found."""
    found = _which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed")
    return found


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """-> whether workers can get their own mount namespace here (root, the tools, and the kernel lets us)."""
    if os.geteuid() != 0 or not all(_which(t) for t in ("unshare", "mount", "umount")):
        return False
    trial = subprocess.run([_tool("unshare"), "--mount", "--net", "--ipc", "--propagation", "private", "--",
                            "/bin/sh", "-c", "mount -t tmpfs -o size=1m tmpfs /tmp"], capture_output=True, check=False)
    return trial.returncode == 0


def base_folder() -> Path:
    """-> where the batch's worker folders go: outside the scratch folders a worker's namespace replaces."""
    run = Path("/run")
    return run if available() and run.is_dir() and os.access(run, os.W_OK) else Path("/tmp")


def mount_folder(folder: Path, identity: Identity, size: int) -> bool:
    """Mount a tmpfs of `size` bytes, owned by the identity, mode 700, on the empty `folder` -> whether it did."""
    if not (identity.official and available()):
        return False
    options = f"size={size},mode=0700,uid={identity.uid},gid={identity.gid},nosuid,nodev"
    done = subprocess.run([_tool("mount"), "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


def unmount_folder(folder: Path) -> None:
    """Unmount the folder's tmpfs (lazily, should anything still hold it)."""
    subprocess.run([_tool("umount"), "-l", str(folder)], capture_output=True, check=False)


def _in_scratch(path: Path) -> bool:
    return any(path == Path(d) or Path(d) in path.parents for d in SCRATCH_DIRS)


def namespace_for(identity: Identity) -> bool:
    """-> whether this identity's workers get their own mount namespace (not when its runtime lives in a
    folder the namespace replaces, e.g. a venv in /tmp)."""
    python = Path(identity.python)
    return (identity.official and available()
            and not any(_in_scratch(p) for p in (python.parent.parent, python.resolve().parent.parent)))


def describe(identity: Identity) -> str:
    """-> how this identity's workers are confined on disk and network, for the grading summary."""
    if namespace_for(identity):
        return "own mount, network and IPC namespaces; folder and temporary folders of bounded size"
    why = " (the worker runtime is in a temporary folder)" if identity.official and available() else ""
    return f"shared temporary folders, cleaned after each handin{why}"
