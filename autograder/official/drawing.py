"""Drawing hidden cases in a process of its own per slot, beside the threads that supervise workers and judge.

Drawing a submission's hidden cases runs the torch oracles: the largest share
of the grader's own work per handin. In a grading thread it would hold the GIL
that the other slots' supervision and judging need. So each slot gets a
`Drawer`: a process forked from the grader once the plan is loaded, before any
grading thread, fork server or student code exists. It holds the same steps
and oracles, takes a case stream (an int) and sends back the drawn cases.
Nothing of a handin reaches it but that int, and what comes back is the
grader's own data. Should the process be gone, the slot draws in its own
thread instead, with the same result.
"""

import multiprocessing
from multiprocessing.connection import Connection

from autograder.cases import Case
from autograder.official.plan import Plan


def _serve(plan: Plan, conn: Connection) -> None:
    """In the drawing process: answer each stream with its cases, or with why they could not be drawn."""
    while True:
        try:
            stream = conn.recv()
        except EOFError:
            return
        if stream is None:  # the grader is done (a drawer forked later may hold a copy of this pipe's end)
            return
        try:
            conn.send((True, plan.draw_hidden(stream)))
        except Exception as exc:  # noqa: BLE001 - the slot says so in its own thread
            conn.send((False, f"{type(exc).__name__}: {exc}"))


class Drawer:
    """One slot's drawing process for `plan`. Make it before any grading thread or fork server starts."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        context = multiprocessing.get_context("fork")
        self._conn: Connection | None
        self._conn, theirs = context.Pipe()
        self._proc = context.Process(target=_serve, args=(plan, theirs), daemon=True, name="rnn-draw")
        self._proc.start()
        theirs.close()

    def draw(self, stream: int) -> dict[str, list[Case]]:
        """-> step id -> the hidden cases of `stream` (see Plan.draw_hidden). Raises RuntimeError if an oracle
        failed."""
        if self._conn is not None:
            try:
                self._conn.send(stream)
                ok, drawn = self._conn.recv()
            except (EOFError, OSError):
                self.close()
                return self.plan.draw_hidden(stream)
            if not ok:
                raise RuntimeError(f"hidden cases could not be drawn: {drawn}")
            return drawn
        return self.plan.draw_hidden(stream)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
