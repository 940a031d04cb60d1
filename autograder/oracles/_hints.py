"""Whether oracles compute hints (known-bug alternatives and a trace) beside the graded values.

Hints are read only when a case fails: to name a known bug, or to say where a
mismatch starts. Reference generation and the runner's live cases want them
(the default). Official grading draws its hidden cases under `values_only()`
and computes a failing case's hints when it judges it, so an honest handin
never pays for them. A context variable, not a global: the grader judges
(and, without its drawing processes, draws) in several threads at once, and
each thread has a context of its own.
"""

import contextlib
import contextvars
from collections.abc import Iterator

_WANTED: contextvars.ContextVar[bool] = contextvars.ContextVar("oracle_hints_wanted", default=True)


@contextlib.contextmanager
def _wanted(wanted: bool) -> Iterator[None]:
    token = _WANTED.set(wanted)
    try:
        yield
    finally:
        _WANTED.reset(token)


def values_only() -> contextlib.AbstractContextManager[None]:
    """Within it (in this thread), oracles return the graded values alone: `Expected(values)`."""
    return _wanted(False)


def computing_hints() -> contextlib.AbstractContextManager[None]:
    """Within it (in this thread), oracles compute alternatives and the trace too, as they do by default."""
    return _wanted(True)


def hints_wanted() -> bool:
    """-> whether an oracle called now must compute its alternatives and trace."""
    return _WANTED.get()
