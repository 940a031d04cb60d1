"""Running student code so that nothing it does can take the runner down.

An exception, a NotImplementedError, sys.exit() or a hang becomes a short
message with only the traceback lines that are in the student's own files.
"""

import os
import signal
import threading
import traceback
import warnings
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from autograder.paths import ROOT, STUDENT_DIRS


class StepTimeout(BaseException):
    """Raised inside student code when its time is up (BaseException: `except Exception` can't swallow it)."""


class ErrorKind(Enum):
    """How student code failed to finish."""

    EXCEPTION = "exception"  # it raised (SyntaxError and sys.exit() included)
    NOT_IMPLEMENTED = "not implemented"  # it raised NotImplementedError: a stub
    TIMED_OUT = "timed out"


@dataclass
class CodeError:
    """Why student code failed: its kind, a one-line headline and the traceback lines in the student's files."""

    kind: ErrorKind
    headline: str
    where: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the headline, then the student's traceback lines under 'where:'."""
        return [self.headline] + (["where:"] + ["  " + line for line in self.where] if self.where else [])


class FormNote(UserWarning):
    """A warning that a right value came in an accepted form other than the one the docstring asks for.

    Warned by grading code (autograder/steps/_numbers.py); kept like the warnings of student code, and shown
    as a note.
    """


@dataclass
class Outcome:
    """What running student code gave: a value, or a CodeError; plus the warnings kept.

    Each warning is phrased as a message shows it: "numpy warned: ..." for student code's, the note itself for
    a FormNote.
    """

    value: Any = None
    error: CodeError | None = None
    warnings: list[str] = field(default_factory=list)


def _is_student_file(filename: str) -> bool:
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(d) for d in STUDENT_DIRS)


def _rel(filename: str) -> str:
    try:
        return Path(filename).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return filename


def student_frames(exc: BaseException, limit: int = 4) -> list[str]:
    """exc: an exception raised through student code -> up to `limit` 'file:line in func' lines, innermost last."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_student_file(f.filename)]
    lines = []
    for f in frames[-limit:]:
        lines.append(f"{_rel(f.filename)}:{f.lineno} in {f.name}")
        if f.line:
            lines.append(f"    {f.line.strip()}")
    return lines


MAX_LINE = 300


def _text(obj: Any, render: Callable[[Any], str] = str) -> str:
    # Student objects can define __str__/__repr__ that raise or return megabytes.
    try:
        text = render(obj)
    except BaseException:  # noqa: BLE001
        return f"<{type(obj).__name__} that cannot be shown>"
    lines = text.strip().splitlines() if isinstance(text, str) else []
    first = lines[0] if lines else ""
    return first if len(first) <= MAX_LINE else first[: MAX_LINE - 3] + "..."


def timed_out(timeout: float) -> CodeError:
    """Return the error of code stopped after `timeout` seconds."""
    return CodeError(ErrorKind.TIMED_OUT, f"timed out after {timeout:g} s (an endless loop, or far too much work?)")


def describe_exception(exc: BaseException, timeout: float) -> CodeError:
    """exc: what student code raised -> its CodeError (never raises)."""
    try:
        return _describe(exc, timeout)
    except BaseException:  # noqa: BLE001 - a hostile exception must not take the runner down
        return CodeError(ErrorKind.EXCEPTION, f"{type(exc).__name__} (raised by the code; its details cannot be shown)")


def _describe(exc: BaseException, timeout: float) -> CodeError:
    if isinstance(exc, StepTimeout):
        return timed_out(timeout)
    if isinstance(exc, NotImplementedError):
        # The stub's own text names the step and the function; a bare raise gets a generic one.
        # The release's stubs say "<step>: <Class.method> is not implemented yet"; other texts get that said.
        text = _text(exc)
        if not text:
            return CodeError(ErrorKind.NOT_IMPLEMENTED, "not implemented yet (NotImplementedError)")
        return CodeError(
            ErrorKind.NOT_IMPLEMENTED, text if "not implemented" in text.lower() else f"not implemented yet: {text}"
        )
    if isinstance(exc, SystemExit):
        head = f"the code called exit({_text(exc.code, repr)})"
    elif isinstance(exc, SyntaxError) and exc.filename:
        return CodeError(ErrorKind.EXCEPTION, f"SyntaxError in {_rel(exc.filename)} line {exc.lineno}: {exc.msg}")
    else:
        head = f"{type(exc).__name__}: {_text(exc)}".rstrip(": ")
    return CodeError(ErrorKind.EXCEPTION, head, student_frames(exc))


def _call_with_alarm(fn: Callable[[], Any], timeout: float) -> Any:
    def on_alarm(signum: int, frame: Any) -> None:
        raise StepTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(fn: Callable[[], Any], timeout: float) -> Any:
    # Without SIGALRM the hung thread cannot be stopped; it is abandoned as a daemon.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the student
            box["exc"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise StepTimeout()
    if "exc" in box:
        raise box["exc"]
    return box.get("value")


def _call_without_limit(fn: Callable[[], Any], timeout: float) -> Any:
    return fn()


def run_isolated(fn: Callable[[], Any], timeout: float) -> Outcome:
    """fn: a call into student code; timeout: seconds (0: no limit) -> its Outcome.

    Never raises except KeyboardInterrupt.
    """
    if timeout <= 0:
        # No limit, and the call stays in this thread, so a debugger's breakpoint() works.
        call = _call_without_limit
    elif hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        call = _call_with_alarm
    else:
        call = _call_in_thread
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome.value = call(fn, timeout)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - anything student code does is reported, not raised
            outcome.error = describe_exception(exc, timeout)
    for w in caught:
        if issubclass(w.category, FormNote):
            text = str(w.message)
        elif _is_student_file(w.filename):
            text = f"numpy warned: {w.category.__name__}: {w.message} ({_rel(w.filename)}:{w.lineno})"
        else:
            continue
        if text not in outcome.warnings:
            outcome.warnings.append(text)
    return outcome


def hard_exit(code: int) -> None:
    """Exit now even if an abandoned student thread is still spinning."""
    os._exit(code)
