"""Why a worker ended before it reported: its signal or exit code, the memory it ran out of, its last output.

The grader keeps the last bytes the worker printed in memory (never in a
file the worker could write) and, when the worker dies, says in words what
ended it, with its last output line.
"""

import signal

from autograder.official.confine.launcher import WorkerProcess

LOG_BYTES = 4096


class OutputTail:
    """The last LOG_BYTES of what the worker printed (kept in memory, never in a file it could write)."""

    def __init__(self) -> None:
        """Start with nothing printed."""
        self.data = b""

    def add(self, chunk: bytes) -> None:
        """Keep chunk, the next bytes printed, within the last LOG_BYTES."""
        self.data = (self.data + chunk)[-LOG_BYTES:]

    def last_line(self) -> str | None:
        """-> the last non-blank line printed (at most 200 characters), or None."""
        lines = [line for line in self.data.decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1][:200] if lines else None


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return str(code)


def death_lines(proc: WorkerProcess, tail: OutputTail, oom: bool, memory: int) -> list[str]:
    """-> why the worker `proc` (ended) died, in words, then its last output line if any.

    oom: the cgroup saw it run out of memory; memory: the bytes it was allowed.
    """
    code = proc.returncode
    if oom:
        head = f"the process running the code was killed: the handin ran out of memory ({memory >> 20} MiB allowed)"
    elif code is not None and code < 0:
        name = _signal_name(-code)
        why = {
            "SIGXCPU": "out of CPU time",
            "SIGKILL": "killed, probably out of memory",
            "SIGSEGV": "a crash",
            "SIGXFSZ": "a file larger than allowed",
        }.get(name, "a signal")
        head = f"the process running the code was killed by {name} ({why})"
    else:
        head = f"the process running the code exited (exit code {code}) before the case was done (os._exit()?)"
    last = tail.last_line()
    return [head] + ([f"its last output line: {last}"] if last else [])
