"""Counting across handins: pass rates, the hints named, unnamed failures, handins that need a look, settings.

Everything here reads the typed facts of `collect` (statuses, `Failure`s, the
top-level settings); messages are only shown, never parsed. Orders are fixed
(counts, then rubric order, then text), so the same results give the same report.
"""

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from autograder.classreport.collect import Collected, HandinGrade, StepGrade
from autograder.findings import Cause, HintKind
from autograder.report import ISOLATION_KEY
from autograder.results import Status
from autograder.text import plural

NOT_RECORDED = "not recorded"


@dataclass
class StepRates:
    """One step across the class: its points and how many handins got each status."""

    id: str
    max_points: float
    statuses: Counter = field(default_factory=Counter)

    @property
    def graded(self) -> int:
        """Handins whose step was marked (not left unmarked, not skipped for want of torch)."""
        return sum(n for s, n in self.statuses.items() if s not in (Status.NOT_MARKED, Status.NEEDS_TORCH))

    @property
    def pass_rate(self) -> float | None:
        """The share of graded handins that passed the step (None when none was graded)."""
        return self.statuses[Status.PASSED] / self.graded if self.graded else None


@dataclass
class HintGroup:
    """A hint named for one step, and the handins it was named for.

    texts: its sentences as the students read them (a structural hint may name numbers of the case, e.g. the
    batch size), most frequent first.
    """

    step: str
    kind: HintKind
    tags: tuple[str, ...]
    texts: Counter = field(default_factory=Counter)
    handins: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The hint's most frequent sentence."""
        return self.texts.most_common(1)[0][0]


@dataclass
class Unnamed:
    """Failures of one step at one output that no hint named."""

    step: str
    output: str
    handins: list[str] = field(default_factory=list)


@dataclass
class Trouble:
    """A handin that needs a look: rejected, timed out, over budget, or failed by something outside its code."""

    handin: str
    cause: str
    steps: list[str]
    reason: str
    outside_code: bool  # the grader or its setup failed, not the handin: it needs a regrade


@dataclass
class Summary:
    """What the class report shows (see the module docstring)."""

    handins: list[HandinGrade]
    steps: list[StepRates]
    hints: list[HintGroup]
    unnamed: list[Unnamed]
    trouble: list[Trouble]
    settings: list[tuple[str, str]]
    unreadable: list[tuple[str, str]]

    @property
    def scores(self) -> list[float]:
        """Every handin's score, in the order of handins."""
        return [h.score for h in self.handins]


def _step_order(handins: list[HandinGrade]) -> list[str]:
    order: dict[str, None] = {}
    for h in handins:
        order.update((s.id, None) for s in h.steps)
    return list(order)


def _failed(step: StepGrade) -> bool:
    return step.status not in (Status.PASSED, Status.NOT_MARKED, Status.NEEDS_TORCH)


def _hint_groups(handins: list[HandinGrade], order: list[str]) -> list[HintGroup]:
    groups: dict[tuple[str, HintKind, tuple[str, ...]], HintGroup] = {}
    for h in handins:
        for s in h.steps:
            if not _failed(s) or s.failure is None:
                continue
            for hint in s.failure.hints:
                group = groups.setdefault((s.id, hint.kind, hint.tags), HintGroup(s.id, hint.kind, hint.tags))
                group.texts[hint.text] += 1
                group.handins.append(h.name)
    return sorted(groups.values(), key=lambda g: (-len(g.handins), order.index(g.step), g.text))


def _unnamed(handins: list[HandinGrade], order: list[str]) -> list[Unnamed]:
    groups: dict[tuple[str, str], Unnamed] = {}
    for h in handins:
        for s in h.steps:
            f = s.failure
            if s.status is Status.FAILED and f is not None and f.output and not f.hints and f.cause is None:
                groups.setdefault((s.id, f.output), Unnamed(s.id, f.output)).handins.append(h.name)
    return sorted(groups.values(), key=lambda u: (order.index(u.step), -len(u.handins), u.output))


def _cause(step: StepGrade) -> Cause | None:
    if step.failure is not None and step.failure.cause is not None:
        return step.failure.cause
    # The runner's own clock: a case that timed out in the student's run.
    return Cause.TIMED_OUT if step.status is Status.TIMED_OUT else None


def _trouble(handins: list[HandinGrade]) -> list[Trouble]:
    found = []
    for h in handins:
        by_cause: dict[Cause, list[StepGrade]] = {}
        for s in h.steps:
            cause = _cause(s)
            if cause is not None:
                by_cause.setdefault(cause, []).append(s)
        for cause, steps in sorted(by_cause.items(), key=lambda c: c[0].value):
            # A rejected handin fails every step for the one reason: show it once.
            found.append(Trouble(h.name, cause.value, [s.id for s in steps], steps[0].headline, cause.outside_code))
    return found


def _value(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {_value(v[k])}" for k in sorted(v))
    if v is None:
        return "none"
    return v if isinstance(v, str) else json.dumps(v)


def _settings(handins: list[HandinGrade]) -> list[tuple[str, str]]:
    """-> (setting, value) rows; a setting on which the handins differ lists each value with its count."""
    seen: dict[str, Counter] = {}

    def add(key: str, value: Any) -> None:
        seen.setdefault(key, Counter())[_value(value)] += 1

    for h in handins:
        facts = h.facts
        add("graded by", facts.get("graded_by", NOT_RECORDED))
        add("autograder version", facts.get("autograder", NOT_RECORDED))
        settings = facts.get("settings")
        settings = settings if isinstance(settings, dict) else {}
        for key in sorted(settings):
            add(key.replace("_", " "), settings[key])
        add(
            "isolation mode",
            facts.get(ISOLATION_KEY, NOT_RECORDED)
            if facts.get("graded_by") != "runner"
            else "none (the runner, on the student's machine)",
        )
    rows = []
    for key, values in seen.items():
        if len(values) == 1:
            rows.append((key, next(iter(values))))
        else:
            ranked = sorted(values.items(), key=lambda vn: (-vn[1], vn[0]))
            rows.append((key, "; ".join(f"{v} ({plural(n, 'handin')})" for v, n in ranked)))
    return rows


def summarize(collected: Collected) -> Summary:
    """-> the Summary of what was collected."""
    handins = collected.handins
    order = _step_order(handins)
    rates = {sid: StepRates(sid, 0.0) for sid in order}
    for h in handins:
        for s in h.steps:
            rates[s.id].max_points = max(rates[s.id].max_points, s.max_points)
            rates[s.id].statuses[s.status] += 1
    return Summary(
        handins,
        [rates[sid] for sid in order],
        _hint_groups(handins, order),
        _unnamed(handins, order),
        _trouble(handins),
        _settings(handins),
        collected.unreadable,
    )


def hints_csv(summary: Summary) -> str:
    """-> hints.csv: step, hint, count, handins (separated by ";"), then the hint's kind and tags."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["step", "hint", "count", "handins", "kind", "tags"])
    for g in summary.hints:
        writer.writerow([g.step, g.text, len(g.handins), ";".join(g.handins), g.kind.value, " ".join(g.tags)])
    return buf.getvalue()
