"""What a handin's worker sees of the machine: its runtime and its folder, nothing else where the kernel allows.

As root, where the kernel lets us (checked once with util-linux's `unshare`
and `mount`), the worker starts in its own mount, PID, network, IPC and UTS
namespaces with a view of the filesystem of its own (the fork server's child
builds it, see forkserver.enter_view): its runtime read-only (the venv, the
base interpreter and standard library, the shared libraries it loads; no
other Python installation, no other runtime), its folder at /handin, fresh
/tmp and /dev/shm tmpfs mounts of `Limits.scratch` bytes, /dev/null, zero,
random and urandom, and a /proc that shows only its own processes. No /home,
/root, /opt, /srv, /run, no other mount, no path unix socket; the only
network interface is a loopback of its own (abstract unix sockets are per
network namespace), System V and POSIX IPC are its own. Its folder is a tmpfs
of `Limits.disk` bytes mounted by the grader. Together they bound what one
handin can write and see, and all of it vanishes with the handin.

Without namespaces (or root) the folder is a plain directory, the shared
temporary folders are cleaned after the handin instead, and what is hidden is
hidden by permissions alone (the torch runtime readable only by the group
TORCH_GROUP, which only the torch steps' workers get); `isolation` says which,
for every results.json. The probe (probe.py) refuses that weaker isolation
unless the instructor accepts it.
"""

import functools
import grp
import os
import shutil
import subprocess
from pathlib import Path

from autograder.official.confine.forkserver import SCRATCH_DIRS
from autograder.official.confine.identity import Identity


def _which(name: str) -> str | None:
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


def _tool(name: str) -> str:
    """-> the path of a system tool that available() has found."""
    found = _which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed")
    return found


_PERMISSIONS_ONLY: list[bool] = []  # set by permissions_only(): no namespaces even where the kernel allows them


def permissions_only() -> None:
    """Grade without namespaces (as where the kernel does not allow them).

    The instructor asked for it (--isolation permissions), e.g. to check a setup meant for a container without
    CAP_SYS_ADMIN.
    """
    _PERMISSIONS_ONLY.append(True)


def available() -> bool:
    """Tell whether workers get their own view and namespaces here.

    They do as root, with the tools, where the kernel lets us, and when the instructor did not ask for
    permissions only.
    """
    return not _PERMISSIONS_ONLY and kernel_allows()


@functools.lru_cache(maxsize=1)
def kernel_allows() -> bool:
    """Tell whether workers can get their own mount and PID namespaces here (root, the tools, the kernel)."""
    if os.geteuid() != 0 or not all(_which(t) for t in ("unshare", "mount", "umount")):
        return False
    trial = subprocess.run(
        [
            _tool("unshare"),
            "--mount",
            "--net",
            "--ipc",
            "--uts",
            "--pid",
            "--fork",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            "mount -t tmpfs -o size=1m tmpfs /tmp",
        ],
        capture_output=True,
        check=False,
    )
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
    done = subprocess.run(
        [_tool("mount"), "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
    )
    return done.returncode == 0


def unmount_folder(folder: Path) -> None:
    """Unmount the folder's tmpfs (lazily, should anything still hold it)."""
    subprocess.run([_tool("umount"), "-l", str(folder)], capture_output=True, check=False)


def _in_scratch(path: Path) -> bool:
    return any(path == Path(d) or Path(d) in path.parents for d in SCRATCH_DIRS)


def namespace_for(identity: Identity) -> bool:
    """Tell whether this identity's workers get their own mount namespace.

    They do not when its runtime lives in a folder the namespace replaces, e.g. a venv in /tmp.
    """
    python = Path(identity.python)
    return (
        identity.official
        and available()
        and not any(_in_scratch(p) for p in (python.parent.parent, python.resolve().parent.parent))
    )


def describe(identity: Identity) -> str:
    """-> how this identity's workers are confined on disk and network, for the grading summary."""
    if namespace_for(identity):
        return (
            "own view of the filesystem (its runtime read-only, its folder, small temporary folders); own mount, "
            "PID, network, IPC and UTS namespaces; no keyrings"
        )
    why = " (the worker runtime is in a temporary folder)" if identity.official and available() else ""
    return f"shared temporary folders, cleaned after each handin{why}; no keyrings"


VIEW = "namespaces"
PERMISSIONS = "permissions"
TRIAL = "none"
TORCH_GROUP = "rnn-torch"


def isolation(identity: Identity) -> str:
    """Name what keeps this identity's workers from the rest of the machine, for results.json's "isolation".

    VIEW (a filesystem view and namespaces of their own), PERMISSIONS (file permissions only) or TRIAL (the grader's
    own user).
    """
    if not identity.official:
        return TRIAL
    return VIEW if namespace_for(identity) else PERMISSIONS


def torch_groups() -> tuple[int, ...]:
    """Return the supplementary groups of the torch steps' workers.

    That is TORCH_GROUP's gid where that group exists (so that, without namespaces, the torch runtime can be
    made readable by that group alone).
    """
    try:
        return (grp.getgrnam(TORCH_GROUP).gr_gid,)
    except KeyError:
        return ()
