"""The grader's clock: how long a worker may take to start, to run a job, and a handin in all.

The grader measures each job from the previous frame it received (never by
what the worker says): a job may take its step's per-job limit, plus a small
grace for the report to arrive; a worker must be ready within STARTUP_GRACE;
and the handin's whole budget bounds everything.
"""

from dataclasses import dataclass

from autograder.findings import Cause
from autograder.official.judging.plan import Job, Plan

STARTUP_GRACE = 15.0
# A report may arrive this much after the limit (encoding and the pipe) and still count.
LATE_GRACE = 0.5


@dataclass
class Watch:
    """The grader's view of one worker: the job it is on, when its last frame came, and why it was stopped."""

    current: int
    since: float
    ready: bool = False
    why: list[str] | None = None  # set when the grader stops the worker
    cause: Cause = Cause.DIED  # with `why`: its kind
    spent: bool = False  # the handin may run nothing more


def time_up(plan: Plan, jobs: list[Job], watch: Watch, now: float, budget_end: float) -> tuple[Cause, list[str]] | None:
    """-> (what kind of stop, why in words) when the worker must be stopped now by the grader's clock, or None.

    now, budget_end: time.monotonic() seconds; the handin's budget runs out at budget_end.
    """
    if now >= budget_end:
        return Cause.OVER_BUDGET, [f"stopped by the grader: the handin's time budget of {plan.budget:g} s ran out"]
    if not watch.ready:
        if now - watch.since >= STARTUP_GRACE:
            return Cause.NOT_STARTED, [f"the process running the code did not start within {STARTUP_GRACE:g} s"]
        return None
    if now - watch.since >= plan.job_limit(jobs[watch.current]) + LATE_GRACE:
        return Cause.TIMED_OUT, [
            f"timed out after {plan.job_limit(jobs[watch.current]):g} s, stopped by the grader "
            "(an endless loop, or far too much work?)"
        ]
    return None
