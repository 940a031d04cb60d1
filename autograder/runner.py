"""Check your mytorch and hw code, step by step: `python autograder/runner.py`.

Each step runs your code on the stored reference cases (and, when torch is
installed, on fresh random cases checked against torch live), then prints
PASS or FAIL with the first thing that went wrong. Exit code 0 means every
selected step passed, 1 that some failed, 2 that the runner could not run.
"""

import argparse
import sys
import time
from pathlib import Path

# Run as a script, Python puts autograder/ first on the path; the package root is one up.
_ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "autograder":
    sys.path.pop(0)
sys.path.insert(0, str(_ROOT))

from autograder import __version__  # noqa: E402
from autograder.engine import StepResult, live_cases, run_step, with_dependency_note  # noqa: E402
from autograder.isolation import hard_exit  # noqa: E402
from autograder.reference_store import ReferenceError, load_cases, read_manifest  # noqa: E402
from autograder.report import failure_details, table, write_json  # noqa: E402
from autograder.rubric import load_rubric, select_steps  # noqa: E402
from autograder.steps import all_steps  # noqa: E402
from autograder.text import plural  # noqa: E402

LIVE_STREAM = 1
DEFAULT_TIMEOUT = 20.0


def _parser(step_ids: list[str]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python autograder/runner.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="steps, in order: " + ", ".join(step_ids),
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--step", action="append", metavar="ID",
                   help="run only this step, or every step whose id starts with ID_ (e.g. linear: "
                        "linear_forward and linear_backward); repeatable; default: all steps")
    p.add_argument("--list", action="store_true", help="list the steps with their points and exit")
    p.add_argument("--json", type=Path, metavar="PATH",
                   help="also write the results to PATH in Gradescope's results.json format")
    torch_group = p.add_mutually_exclusive_group()
    torch_group.add_argument("--torch", dest="torch", action="store_true", default=None,
                             help="also check against torch live (an error if torch is missing)")
    torch_group.add_argument("--no-torch", dest="torch", action="store_false",
                             help="use only the stored references (default: use torch if it is installed)")
    p.add_argument("--seed", type=int, default=LIVE_STREAM,
                   help="which set of random live cases torch checks (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds one case may take before the step fails (default: %(default)s)")
    return p


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


def main(argv: list[str] | None = None) -> int:
    rubric = load_rubric()
    steps = all_steps()
    missing = [e.id for e in rubric if e.id not in steps]
    if missing:
        print(f"the rubric names steps that do not exist: {', '.join(missing)}", file=sys.stderr)
        return 2
    parser = _parser([e.id for e in rubric])
    args = parser.parse_args(argv)
    if args.list:
        print(_list(rubric))
        return 0
    selected = rubric
    if args.step:
        ids, unknown = select_steps([e.id for e in rubric], args.step)
        if unknown:
            parser.error(f"argument --step: no step is called or starts with {', '.join(map(repr, unknown))} "
                         "(see --list)")
        selected = [e for e in rubric if e.id in ids]
        print(f"selected {plural(len(ids), 'step')}: {', '.join(ids)}\n")
    started = time.perf_counter()
    try:
        manifest = read_manifest()
        stored = {e.id: load_cases(e.id, manifest) for e in selected if steps[e.id].specs}
        oracles = _torch_oracles(args.torch)
    except (ReferenceError, SetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    results: list[StepResult] = []
    failed: set[str] = set()
    files = {e.id: e.file for e in rubric}
    for entry in selected:
        step = steps[entry.id]
        cases = list(stored.get(entry.id, []))
        if oracles is not None and step.specs:
            cases += live_cases(step, oracles[entry.id], args.seed)
        results.append(with_dependency_note(run_step(step, entry, cases, args.timeout), failed, entry, files))
    elapsed = time.perf_counter() - started

    details = failure_details(results)
    if details:
        print(details + "\n")
    print(table(results))
    first = next((r for r in results if not r.passed), None)
    if first is not None:
        print(f"\nfirst failing step: {first.id}; open {files[first.id]} first")
    if args.json:
        write_json(args.json, results, elapsed)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # A hung student thread (platforms without SIGALRM) must not keep the runner alive.
    hard_exit(code)
