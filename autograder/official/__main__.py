"""Official grading (instructor only; needs torch).

  python -m autograder.official grade HANDIN.tar [HANDIN.tar ...] --out DIR [--secret FILE]
                                      [--hidden-cases N] [--timeout S]
      DIR/<name>/results.json per handin (Gradescope's schema) and DIR/gradebook.csv.
      <name> is the archive's file name without extension, or its folder's name
      when the archive is called handin.tar.
  python -m autograder.official gradescope --submission DIR --results PATH [--secret FILE] ...
      grades DIR/handin.tar, or else the mytorch/ and hw/ folders in DIR.
  python -m autograder.official new-secret FILE
      writes a fresh random secret; keep it private, reuse it to reproduce grades.

Exit code 0 when grading ran (whatever the grades), 2 when it could not run.
"""

import argparse
import csv
import io
import os
import re
import sys
import time
from pathlib import Path

from autograder.engine import StepResult
from autograder.official.grade import (
    DEFAULT_HIDDEN,
    DEFAULT_TIMEOUT,
    GradingError,
    Plan,
    grade_files,
    make_plan,
    new_secret,
    read_secret,
    rejected,
)
from autograder.official.handin import HandinError, read_folder, read_tar
from autograder.reference_store import ReferenceDataError
from autograder.report import table, write_json


def handin_name(path: Path) -> str:
    """handins/alice.tar -> 'alice'; handins/alice/handin.tar -> 'alice'."""
    name = path.name
    for ext in (".tar.gz", ".tgz", ".tar"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    if name == "handin":
        name = path.resolve().parent.name
    return name


def gradebook_csv(rows: dict[str, list[StepResult]]) -> str:
    """name -> results -> the gradebook: handin, total, max, one column per step; rows sorted by name."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    first = next(iter(rows.values()), [])
    writer.writerow(["handin", "total", "max"] + [r.id for r in first])
    for name in sorted(rows):
        results = rows[name]
        writer.writerow([name, f"{sum(r.points for r in results):g}", f"{sum(r.max_points for r in results):g}"]
                        + [f"{r.points:g}" for r in results])
    return buf.getvalue()


def _plan(args: argparse.Namespace) -> Plan:
    if args.secret is not None:
        secret = read_secret(args.secret)
    else:
        print("note: no --secret given: the hidden cases come from a one-off random secret, "
              "so these grades cannot be reproduced", file=sys.stderr)
        secret = os.urandom(32).hex().encode()
    if args.hidden_cases < 0 or args.timeout <= 0:
        raise GradingError("--hidden-cases must be 0 or more and --timeout positive")
    return make_plan(secret, args.hidden_cases, args.timeout)


def _grade_one(plan: Plan, read) -> tuple[list[StepResult], float]:
    started = time.perf_counter()
    try:
        files = read()
    except HandinError as exc:
        return rejected(plan, str(exc)), time.perf_counter() - started
    return grade_files(plan, files), time.perf_counter() - started


def cmd_grade(args: argparse.Namespace) -> int:
    names = [handin_name(p) for p in args.handins]
    bad = sorted({n for n in names if names.count(n) > 1 or not re.fullmatch(r"[\w.@+-]+", n) or n in (".", "..")})
    if bad:
        print(f"error: handin names must be distinct, usable folder names: {', '.join(bad)}", file=sys.stderr)
        return 2
    plan = _plan(args)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[StepResult]] = {}
    for name, path in sorted(zip(names, args.handins)):
        results, elapsed = _grade_one(plan, lambda: read_tar(path))
        (args.out / name).mkdir(exist_ok=True)
        write_json(args.out / name / "results.json", results, elapsed)
        rows[name] = results
        total, top = sum(r.points for r in results), sum(r.max_points for r in results)
        print(f"{name}: {total:g} / {top:g}")
    (args.out / "gradebook.csv").write_text(gradebook_csv(rows))
    print(f"wrote {args.out / 'gradebook.csv'} ({len(rows)} handins)")
    return 0


def cmd_gradescope(args: argparse.Namespace) -> int:
    plan = _plan(args)
    tar = args.submission / "handin.tar"
    read = (lambda: read_tar(tar)) if tar.is_file() else (lambda: read_folder(args.submission))
    results, elapsed = _grade_one(plan, read)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.results, results, elapsed)
    print(table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.official", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade handin archives into results.json files and a gradebook")
    grade.add_argument("handins", nargs="+", type=Path, metavar="HANDIN.tar")
    grade.add_argument("--out", type=Path, required=True, help="folder for the results and gradebook.csv")
    scope = sub.add_parser("gradescope", help="grade one Gradescope submission folder")
    scope.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    scope.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    for p in (grade, scope):
        p.add_argument("--secret", type=Path, help="file holding the secret the hidden cases are drawn from")
        p.add_argument("--hidden-cases", type=int, default=DEFAULT_HIDDEN,
                       help="hidden cases per case spec of each step (default: %(default)s)")
        p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help="seconds one case may take (default: %(default)s)")
    secret = sub.add_parser("new-secret", help="write a fresh random secret to FILE")
    secret.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "new-secret":
            try:
                new_secret(args.file)
            except FileExistsError:
                raise GradingError(f"{args.file} exists; not overwriting a secret") from None
            print(f"wrote a new secret to {args.file}")
            return 0
        return cmd_grade(args) if args.command == "grade" else cmd_gradescope(args)
    except (GradingError, ReferenceDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
