"""Resource limits for one handin as a whole: a cgroup where the kernel lets us make one, else rlimits.

With cgroups (v1 controllers, or a cgroup2 that delegates them), every
process a handin starts shares one memory limit, one process-count limit and
one CPU quota, and the cgroup can be killed at once. Without them the worker
identity's per-uid process limit (RLIMIT_NPROC, which a dedicated uid makes a
per-handin limit) and per-process limits (address space, CPU time, file size)
apply; `Confinement.mode` says which.
"""

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    """What a handin's workers may use.

    memory: bytes for the handin (cgroup) and per process (address space, which counts mappings, so higher);
    processes: tasks at once; cpu_cores: CPU share; file_bytes: largest file; open_files: per process;
    disk: the handin's folder (a tmpfs); scratch: each private temporary folder (see sandbox.py).
    """

    memory: int = 1 << 30
    address_space: int = 4 << 30
    processes: int = 64
    cpu_cores: float = 1.0
    file_bytes: int = 64 << 20
    open_files: int = 256
    disk: int = 256 << 20
    scratch: int = 16 << 20

    def rlimits(self, cpu_seconds: int, per_uid: bool) -> dict[str, int]:
        """-> what the worker sets on itself (see worker.LIMITS); the process count only for a dedicated uid."""
        out = {"memory": self.address_space, "cpu": cpu_seconds, "file": self.file_bytes, "open_files": self.open_files}
        if per_uid:
            out["processes"] = self.processes
        return out


def _own_paths() -> dict[str, str]:
    """-> controller (or '' for cgroup2) -> this process's cgroup path."""
    out: dict[str, str] = {}
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            out[c] = path
    return out


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


@dataclass
class Confinement:
    """The cgroups of one handin (possibly none). Make with `confine`, then place, kill, remove."""

    groups: list[Path] = field(default_factory=list)
    kill_file: Path | None = None
    memory_events: Path | None = None
    mode: str = "per-uid process limit and per-process limits (no cgroups)"

    def place(self, pid: int) -> None:
        """Move the process (before it runs student code) into every cgroup of the handin."""
        for group in self.groups:
            _write(group / "cgroup.procs", str(pid))

    def oom_kills(self) -> int:
        """-> how many times the kernel killed a process of the handin for memory (0 without a memory cgroup)."""
        if self.memory_events is None:
            return 0
        try:
            for line in self.memory_events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def kill(self) -> None:
        """SIGKILL every process in the handin's cgroup at once, where the kernel offers cgroup.kill."""
        if self.kill_file is not None:
            try:
                _write(self.kill_file, "1")
            except OSError:
                pass

    def remove(self, wait: float = 2.0) -> None:
        """Remove the cgroups (their processes must be gone; waits up to `wait` s for them to exit)."""
        deadline = time.monotonic() + wait
        for group in self.groups:
            while True:
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)


def _make_v1(paths: dict[str, str], name: str, limits: Limits) -> Confinement:
    made: list[Path] = []
    try:
        for controller in ("memory", "pids", "cpu"):
            base = CGROUP_ROOT / controller
            if controller not in paths or not (base / "cgroup.procs").exists():
                raise OSError(f"no {controller} controller")
            group = base / paths[controller].lstrip("/") / name
            group.mkdir()
            made.append(group)
        memory, pids, cpu = made
        _write(memory / "memory.limit_in_bytes", str(limits.memory))
        try:  # memory plus swap, where swap accounting is on
            _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory))
        except OSError:
            pass
        _write(pids / "pids.max", str(limits.processes))
        _write(cpu / "cpu.cfs_period_us", "100000")
        _write(cpu / "cpu.cfs_quota_us", str(int(limits.cpu_cores * 100000)))
    except OSError:
        Confinement(made).remove(0)
        raise
    conf = Confinement(made, mode="cgroup v1 (memory, pids, cpu) per handin")
    conf.memory_events = memory / "memory.oom_control"
    unified = paths.get("")
    if unified is not None and (CGROUP_ROOT / "unified" / "cgroup.procs").exists():
        # A cgroup2 without controllers still kills a whole group at once.
        group = CGROUP_ROOT / "unified" / unified.lstrip("/") / name
        try:
            group.mkdir()
            made.append(group)
            if (group / "cgroup.kill").exists():
                conf.kill_file = group / "cgroup.kill"
                conf.mode += ", cgroup2 kill"
        except OSError:
            pass
    return conf


def _make_v2(paths: dict[str, str], name: str, limits: Limits) -> Confinement:
    parent = CGROUP_ROOT / paths[""].lstrip("/")
    delegated = (parent / "cgroup.subtree_control").read_text().split()
    if not {"memory", "pids"} <= set(delegated):
        raise OSError("the memory and pids controllers are not delegated to this cgroup")
    group = parent / name
    group.mkdir()
    conf = Confinement([group], mode="cgroup2 (memory, pids" + (", cpu" if "cpu" in delegated else "") + ") per handin")
    try:
        _write(group / "memory.max", str(limits.memory))
        if (group / "memory.swap.max").exists():
            _write(group / "memory.swap.max", "0")
        _write(group / "pids.max", str(limits.processes))
        if "cpu" in delegated:
            _write(group / "cpu.max", f"{int(limits.cpu_cores * 100000)} 100000")
    except OSError:
        conf.remove(0)
        raise
    conf.memory_events = group / "memory.events"
    conf.kill_file = group / "cgroup.kill" if (group / "cgroup.kill").exists() else None
    return conf


def confine(limits: Limits) -> Confinement:
    """-> the cgroups of a new handin with `limits`, or an empty Confinement when cgroups cannot be made here."""
    if os.geteuid() != 0:
        return Confinement()
    paths = _own_paths()
    name = f"rnn-official-{os.getpid()}-{secrets.token_hex(4)}"
    for make in (_make_v1, _make_v2):
        try:
            return make(paths, name, limits)
        except (OSError, KeyError, ValueError):
            continue
    return Confinement()
