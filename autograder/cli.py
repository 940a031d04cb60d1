"""The local runner's command line: what `python autograder/runner.py` runs.

Each step runs the student's code on the stored reference cases (and, when
torch is installed, on fresh random cases checked against torch live), then
prints PASS or FAIL with the first thing that went wrong. Exit code 0 means
every selected step passed, 1 that some failed, 2 that the runner could not
run (bad arguments, unusable reference data or environment).
"""

import argparse
import functools
import os
import platform
import signal
import sys
import time
import traceback
from pathlib import Path

from autograder.cases import LIVE_STREAM
from autograder.command import command_parser
from autograder.isolation import hard_exit
from autograder.references.store import ReferenceDataError, load_cases, read_manifest
from autograder.report import failure_details, grading_facts, table, torch_note, write_json
from autograder.results import StepResult, needs_torch, with_dependency_note
from autograder.rubric import load_rubric, nearest_steps, select_steps
from autograder.steps import AnyStep, all_steps, case_steps
from autograder.text import plural

DEFAULT_TIMEOUT = 20.0


def _parser(step_ids: list[str]) -> argparse.ArgumentParser:
    p = command_parser("python autograder/runner.py", __doc__, epilog="steps, in order: " + ", ".join(step_ids))
    p.add_argument(
        "--step",
        action="append",
        metavar="ID",
        help="run only this step, or every step whose id starts with ID_ (e.g. linear: "
        "linear_forward and linear_backward); repeatable; default: all steps",
    )
    p.add_argument("--list", action="store_true", help="list the steps with their points and exit")
    p.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the results to PATH in Gradescope's results.json format"
    )
    torch_group = p.add_mutually_exclusive_group()
    torch_group.add_argument(
        "--torch",
        dest="torch",
        action="store_true",
        default=None,
        help="also check against torch live (an error if torch is missing)",
    )
    torch_group.add_argument(
        "--no-torch",
        dest="torch",
        action="store_false",
        help="use only the stored references (default: use torch if it is installed)",
    )
    # Defaults are filled in after parsing (_with_defaults), so that the runner knows which were given.
    p.add_argument(
        "--seed", type=_non_negative(int), help=f"which set of random live cases torch checks (default: {LIVE_STREAM})"
    )
    p.add_argument(
        "--timeout",
        type=_non_negative(float),
        help=f"seconds one case may take before the step fails (default: {DEFAULT_TIMEOUT:g}); "
        "0 means no limit, e.g. to stop at a breakpoint() in your code",
    )
    return p


def _non_negative(kind):
    """kind: int or float -> an argparse type that also rejects negative numbers."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value >= 0:  # also rejects nan
            raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _with_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """-> args with --seed and --timeout filled in where they were not given."""
    args.seed_given = args.seed is not None
    args.seed = LIVE_STREAM if args.seed is None else args.seed
    args.timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    return args


def _ignored_by_list(args: argparse.Namespace) -> list[str]:
    """-> the options given with --list that it does not use (it runs nothing)."""
    given = {
        "--step": args.step,
        "--json": args.json,
        "--torch": args.torch is True,
        "--no-torch": args.torch is False,
        "--seed": args.seed is not None,
        "--timeout": args.timeout is not None,
    }
    return [name for name, value in given.items() if value]


def unwritable(path: Path) -> str | None:
    """path: where a result file is to be written -> None if it can be, else why not (one phrase).

    Asked before any step runs, so that a typo in --json costs no run; nothing is created here.
    """
    folder = path.parent
    if path.is_dir():
        return "it is a folder"
    if not folder.is_dir():
        return f"its folder {folder} does not exist"
    if path.exists():
        return None if os.access(path, os.W_OK) else "it is not writable"
    return None if os.access(folder, os.W_OK | os.X_OK) else f"its folder {folder} is not writable"


def _list(rubric) -> str:
    width = max(len(e.id) for e in rubric)
    lines = [f"{e.id:<{width}}  {e.points:>4g} pts  {e.file:<24}  {e.title}" for e in rubric]
    lines.append(f"{'total':<{width}}  {sum(e.points for e in rubric):>4g} pts")
    return "\n".join(lines)


class SetupError(Exception):
    """The runner cannot run as asked (e.g. --torch without torch)."""


def _torch_oracles(wanted: bool | None):
    """-> the oracles, or None (with the reason printed once) when torch is not used."""
    if wanted is False:
        return None
    try:
        from autograder.oracles import load_oracles

        return load_oracles()
    except ImportError as exc:
        if wanted:
            raise SetupError(f"--torch was given but torch cannot be imported ({exc})") from None
        print("torch is not installed: checking against the stored references only.\n")
        return None


@functools.cache
def torch_importable() -> bool:
    """Tell whether the student's torch code can run here.

    Asked only when a step that needs torch is about to run, so that a numpy-only run never imports torch
    otherwise.
    """
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001 - not installed, or an install that cannot load
        return False
    return True


def _run_steps(
    selected: list, steps: dict, stored: dict, oracles: dict | None, args: argparse.Namespace, files: dict[str, str]
) -> list[StepResult]:
    """Run the selected rubric entries in order -> their results (a step that needs torch is not run without it)."""
    results: list[StepResult] = []
    failed: set[str] = set()
    for entry in selected:
        step = steps[entry.id]
        if step.needs_torch and not torch_importable():
            results.append(needs_torch(entry))
            continue
        cases = list(stored.get(entry.id, []))
        hinted = None
        if oracles is not None and entry.id in oracles:
            cases += _live(step, oracles[entry.id], args.seed)
            hinted = functools.partial(_with_hints, oracles[entry.id])
        results.append(with_dependency_note(step.run_here(entry, cases, args.timeout, hinted), failed, entry, files))
    return results


def _facts(args: argparse.Namespace, live: bool) -> dict:
    """-> the JSON's record of how this run graded (for reports across students' results)."""
    import numpy

    return grading_facts(
        "runner",
        {
            "live_torch_cases": live,
            "seed": args.seed if live else None,
            "timeout": args.timeout,
            "python": platform.python_version(),
            "numpy": numpy.__version__,
        },
    )


def _live(step: AnyStep, oracle, seed: int) -> list:
    """-> the step's live cases, values only: a passing step never pays for its catalog of known bugs."""
    from autograder.oracles import values_only

    with values_only():
        return step.draw_cases(oracle, seed, hints_pending=True)


def _with_hints(oracle, case):
    """-> a failing live case with the alternatives and trace its oracle computes for its inputs."""
    from autograder.oracles import computing_hints

    with computing_hints():
        return case.with_hints(oracle(case.inputs))


def _selected(parser: argparse.ArgumentParser, args: argparse.Namespace, rubric: list) -> list:
    """-> the rubric entries to run.

    A usage error (exit 2) for a --step that names nothing or a --json that cannot be written, before any
    step runs.
    """
    if args.json is not None and (why := unwritable(args.json)) is not None:
        parser.error(f"argument --json: cannot write {args.json}: {why}")
    if not args.step:
        return rubric
    ids, unknown = select_steps([e.id for e in rubric], args.step)
    if unknown:
        parser.error(
            "argument --step: " + "; ".join(_unknown_step(w, [e.id for e in rubric]) for w in unknown) + " (see --list)"
        )
    print(f"selected {plural(len(ids), 'step')}: {', '.join(ids)}\n")
    return [e for e in rubric if e.id in ids]


def main(argv: list[str] | None = None) -> int:
    """Run the runner on argv (default: the command line) -> the exit code (0 passed, 1 failed, 2 could not run)."""
    rubric = load_rubric()
    steps = all_steps()
    missing = [e.id for e in rubric if e.id not in steps]
    if missing:
        print(f"the rubric names steps that do not exist: {', '.join(missing)}", file=sys.stderr)
        return 2
    parser = _parser([e.id for e in rubric])
    args = parser.parse_args(argv)
    if args.list:
        ignored = _ignored_by_list(args)
        if ignored:
            print(
                f"note: {' and '.join(ignored)} {'has' if len(ignored) == 1 else 'have'} no effect with --list "
                "(it runs no step)",
                file=sys.stderr,
            )
        print(_list(rubric))
        return 0
    args = _with_defaults(args)
    selected = _selected(parser, args, rubric)
    started = time.perf_counter()
    try:
        manifest = read_manifest()
        with_cases = case_steps()
        stored = {e.id: load_cases(e.id, manifest, step=with_cases[e.id]) for e in selected if e.id in with_cases}
        oracles = _torch_oracles(args.torch)
    except (ReferenceDataError, SetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if oracles is None and args.seed_given:
        why = "with --no-torch" if args.torch is False else "without torch"
        print(f"note: --seed has no effect {why}: it picks the random cases that torch checks live\n")

    files = {e.id: e.file for e in rubric}
    results = _run_steps(selected, steps, stored, oracles, args, files)
    elapsed = time.perf_counter() - started

    details = failure_details(results)
    if details:
        print(details + "\n")
    print(table(results))
    note = torch_note(results)
    if note:
        print("\n" + note)
    first = next((r for r in results if r.failed), None)
    if first is not None:
        print(f"\nfirst failing step: {first.id}; open {files[first.id]} first")
    if args.json:
        try:
            write_json(args.json, results, elapsed, _facts(args, oracles is not None))
        except OSError as exc:
            print(f"error: cannot write {args.json}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 1 if any(r.failed for r in results) else 0


def _unknown_step(wanted: str, step_ids: list[str]) -> str:
    """-> why `wanted` names no step, with the nearest ids or groups when one is close."""
    group = wanted.rstrip("_") or wanted
    said = f"no step is called {wanted!r} or starts with {group + '_'!r}"
    near = nearest_steps(step_ids, wanted)
    return said + (f": did you mean {' or '.join(map(repr, near))}?" if near else "")


# What a shell reports for a program that a closed pipe ended (128 + SIGPIPE), as for `ls | head`.
CLOSED_PIPE_EXIT = 128 + getattr(signal, "SIGPIPE", 13)


def _quiet_closed_pipe() -> int:
    """Say nothing more now that stdout's reader has gone (`runner.py --list | head`), as `ls` would.

    -> the exit code. Later writes and the flush at exit go to the null device instead of raising again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return CLOSED_PIPE_EXIT


def run(argv: list[str] | None = None) -> None:
    """Run main() and exit with its code; a failure of the runner itself exits 2, never 1."""
    try:
        code = main(argv)
        sys.stdout.flush()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = _quiet_closed_pipe()
    except Exception:  # noqa: BLE001 - student code is isolated; this is the runner's own failure
        traceback.print_exc()
        print("error: the autograder itself failed (the traceback above is not about your code)", file=sys.stderr)
        code = 2
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _quiet_closed_pipe()
    sys.stderr.flush()
    # A hung student thread (platforms without SIGALRM) must not keep the runner alive.
    hard_exit(code)


if __name__ == "__main__":
    run()
