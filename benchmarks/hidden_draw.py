"""Grader CPU of drawing one handin's hidden cases, per step: building the inputs, and the torch oracle
values only (what official grading pays per handin) and with hints (known-bug alternatives and trace).

    python benchmarks/hidden_draw.py [--hidden-cases N] [--rounds N] [STEP ...]

Each grading slot draws its hidden cases in its own process (autograder/official/judging/slots.py),
so their CPU is a large part of what one handin costs (benchmarks/official_throughput.py).
Official grading draws them values only and computes a case's hints only when a step fails on
it; the hints column is what each case would cost with them (what a failing case costs once,
on top). CPU time of this thread (time.thread_time),
the median of --rounds rounds, each drawing every step's cases from another stream, the
oracle's two modes interleaved on the same inputs.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.official.judging.plan import DEFAULT_HIDDEN  # noqa: E402
from autograder.oracles import load_oracles, values_only  # noqa: E402
from autograder.steps import case_steps  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", help="step ids (default: every step with cases)")
    parser.add_argument("--hidden-cases", type=int, default=DEFAULT_HIDDEN, help="hidden cases per spec")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    steps, oracles = case_steps(), load_oracles()
    names = args.steps or sorted(steps)
    # step -> [build, values only, with hints] -> one total per round
    spent: dict[str, list[list[float]]] = {name: [[], [], []] for name in names}
    for r in range(args.rounds + 1):  # round 0 warms up
        for name in names:
            step, oracle = steps[name], oracles[name]
            totals = [0.0, 0.0, 0.0]
            for k in range(args.hidden_cases):
                for i, spec in enumerate(step.specs):
                    start = time.thread_time()
                    inputs = step.cases.build(step.rng(1000 + r, k * len(step.specs) + i), spec)
                    totals[0] += time.thread_time() - start
                    # Whichever mode runs first on an input pays a little more: they take turns.
                    for mode in ((1, 2) if r % 2 else (2, 1)):
                        start = time.thread_time()
                        with values_only() if mode == 1 else contextlib.nullcontext():
                            oracle(inputs)
                        totals[mode] += time.thread_time() - start
            if r:
                for column, total in zip(spent[name], totals):
                    column.append(total)
    print(f"CPU seconds per handin, {args.hidden_cases} hidden cases per spec, median of {args.rounds} rounds")
    print(f"{'step':26s}{'build':>9s}{'values only':>13s}{'with hints':>12s}")
    sums = [0.0, 0.0, 0.0]
    for name in names:
        medians = [statistics.median(column) for column in spent[name]]
        sums = [s + m for s, m in zip(sums, medians)]
        print(f"{name:26s}" + "".join(f"{m:{w}.4f}" for m, w in zip(medians, (9, 13, 12))))
    print(f"{'total':26s}" + "".join(f"{s:{w}.4f}" for s, w in zip(sums, (9, 13, 12))))


if __name__ == "__main__":
    main()
