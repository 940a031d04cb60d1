"""Official grading (instructor only; needs torch, and root to run student code as other users).

  python -m autograder.official grade HANDIN.tar [HANDIN.tar ...] --out DIR --secret FILE [--jobs N] ...
      DIR/<name>/results.json and DIR/<name>/feedback.txt per handin, and DIR/gradebook.csv.
      With --shard K/N, only share K of N of the handins (and DIR/shard.json), on as many machines.
  python -m autograder.official merge SHARD_OUT [SHARD_OUT ...] --out DIR
      joins the shards' results into DIR/gradebook.csv; exit code 1 if a handin of the batch is missing.
  python -m autograder.official gradescope [--submission DIR] [--results PATH] --secret FILE ...
      grades the single .tar uploaded (any name), or else the uploaded mytorch/ and hw/ folders.
  python -m autograder.official autolab HANDIN.tar --secret FILE [--scoreboard] ...
      prints the feedback, then Autolab's {"scores": {...}} line last.
  python -m autograder.official gradescope-bundle --secret FILE --out autograder.zip
      writes a Gradescope autograder zip (setup.sh, run_autograder, the grader without the solution).
  python -m autograder.official new-secret FILE
      writes a fresh random secret; keep it private, reuse it to reproduce grades.
  python -m autograder.official report DIR [--similarity HANDIN.tar ...]
      DIR/report/index.html (what the class got wrong) and DIR/report/hints.csv, from a graded folder or a
      folder of the runner's --json files; --similarity also compares the handins' code (copydetect).

Student code runs as dedicated uids (--worker-uid UID: UID to UID + jobs - 1, one per parallel handin) with
--worker-python, an interpreter every user can execute with numpy only (and --torch-worker-python for the
steps whose code uses torch, or --skip-torch-steps). Each worker sees only its runtime, its folder and its own
processes (--isolation namespaces; --isolation permissions accepts file permissions alone, as where the
kernel allows no namespaces). Before grading, a probe run as each of them must fail to reach the repository,
the secret, the out folder, torch (numpy runtime), any key and, in its own view, anything of the machine;
otherwise nothing is graded.
Exit code 0 when grading ran (whatever the grades), 2 when it could not run.
"""

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from autograder.classreport import command as class_report
from autograder.command import command_parser
from autograder.official.confine import sandbox
from autograder.official.confine.identity import DEFAULT_FIRST_UID, IdentityError
from autograder.official.confine.probe import Guarded, ProbeError
from autograder.official.intake.handin import HandinError, find_upload, read_folder, read_tar
from autograder.official.intake.shards import ShardError, merge, parse_shard, shard_of, write_shard_file
from autograder.official.judging import outputs
from autograder.official.judging.batch import Grader, grade_one, handin_names, identities_for, start_grader
from autograder.official.judging.facts import grader_facts
from autograder.official.judging.plan import (
    DEFAULT_BUDGET,
    DEFAULT_HIDDEN,
    DEFAULT_TIMEOUT,
    GradingError,
    Plan,
    make_plan,
)
from autograder.official.judging.secret import SecretError, new_secret, read_secret
from autograder.official.judging.slots import Slots, SlotSpec, grade_batch
from autograder.official.judging.worker_folder import make_base
from autograder.references.store import ReferenceDataError
from autograder.report import table
from autograder.text import plural


def _secret(args: argparse.Namespace) -> bytes:
    if args.secret is not None:
        return read_secret(args.secret)
    print(
        "note: no --secret given: the hidden cases come from a one-off random secret, "
        "so these grades cannot be reproduced",
        file=sys.stderr,
    )
    return os.urandom(32).hex().encode()


def _plan(args: argparse.Namespace, jobs: int, out: Path) -> Plan:
    if args.hidden_cases < 0 or args.timeout <= 0 or args.budget <= 0 or jobs < 1:
        raise GradingError("--hidden-cases must be 0 or more; --timeout, --budget and --jobs positive")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    return make_plan(_secret(args), args.hidden_cases, args.timeout, args.budget)


def _guarded(args: argparse.Namespace, out: Path) -> Guarded:
    return Guarded(args.secret.resolve() if args.secret else None, out.resolve())


def _isolation(args: argparse.Namespace) -> None:
    """Choose how workers are kept from the machine (--isolation).

    Raises GradingError when the kernel cannot give each worker a view of its own and the weaker isolation was
    not accepted.
    """
    if args.same_user_trial:
        return
    if args.isolation == "permissions":
        sandbox.permissions_only()
    elif not sandbox.kernel_allows():
        if args.isolation == "namespaces":
            raise GradingError(
                "this machine cannot give each worker a view of its own (the grader needs root where mount, PID and "
                "network namespaces are allowed: a container needs CAP_SYS_ADMIN): workers would see the machine's "
                "files, processes and unix sockets, with only file permissions between them and what they must not "
                "read. Grade as root on a machine (or VM) that allows namespaces, or pass --isolation permissions to "
                "accept the weaker isolation (every results.json and the gradebook record it)"
            )
        sandbox.permissions_only()
        print(
            "note: no namespaces here: workers are kept from the machine by file permissions alone (recorded in "
            'results.json as isolation "permissions")',
            file=sys.stderr,
        )


def _torch_steps(plan: Plan) -> list:
    """-> the rubric entries of the steps whose student code uses torch (the torch worker runtime runs them)."""
    return [e for e in plan.rubric if getattr(plan.steps[e.id], "needs_torch", False)]


def _torch_python(args: argparse.Namespace, plan: Plan) -> str | None:
    """Return the torch steps' runtime (None when the plan has no torch steps or skips them).

    Raises GradingError when the rubric has torch steps, no runtime was given for them and --skip-torch-steps
    was not.
    """
    if args.torch_worker_python:
        return str(args.torch_worker_python)
    torch_steps = _torch_steps(plan)
    if torch_steps and not args.skip_torch_steps:
        names = ", ".join(e.id for e in torch_steps)
        points = sum(e.points for e in torch_steps)
        raise GradingError(
            f"the rubric's steps {names} ({points:g} points) run student code that uses torch, and no "
            "--torch-worker-python was given: give it a runtime with numpy and torch every user can "
            'read, or pass --skip-torch-steps to grade without those steps (they then read "not '
            'graded")'
        )
    return None


def _skipped_note(args: argparse.Namespace, plan: Plan) -> None:
    """Say on the console how many points the grades leave out when the torch steps were skipped."""
    if args.torch_worker_python or not args.skip_torch_steps:
        return
    torch_steps = _torch_steps(plan)
    if torch_steps:
        points = sum(e.points for e in torch_steps)
        top = sum(e.points for e in plan.rubric)
        print(
            f"note: --skip-torch-steps: {points:g} of the rubric's {top:g} points were left out (not graded: "
            f"{', '.join(e.id for e in torch_steps)})",
            file=sys.stderr,
        )


def _trial_warning(args: argparse.Namespace) -> None:
    if args.same_user_trial:
        print(
            "warning: --same-user-trial: student code runs as the grader's own user; these grades are NOT official",
            file=sys.stderr,
        )


def _grader(args: argparse.Namespace, out: Path) -> Grader:
    """-> a grader in this process for one handin (Gradescope, Autolab)."""
    plan = _plan(args, 1, out)
    torch_python = _torch_python(args, plan)
    _isolation(args)
    grader = start_grader(
        plan,
        str(args.worker_python),
        1,
        args.worker_uid,
        args.same_user_trial,
        _guarded(args, out),
        torch_python=torch_python,
    )
    grader.visibility = getattr(args, "hidden_visibility", None)
    _trial_warning(args)
    return grader


def _slots(args: argparse.Namespace, out: Path) -> Slots:
    """-> the batch's grading slots, one process per --jobs, each probed."""
    plan = _plan(args, args.jobs, out)
    torch_python = _torch_python(args, plan)
    _isolation(args)
    identities = identities_for(str(args.worker_python), args.jobs, args.worker_uid, args.same_user_trial)
    base = make_base()
    facts = grader_facts(plan, identities, torch_python, None, torch_python is None)
    specs = [
        SlotSpec(
            identity, not args.same_user_trial or k == 0, torch_python, base, out, _guarded(args, out), facts=facts
        )
        for k, identity in enumerate(identities)
    ]
    try:
        slots = Slots(plan, specs)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    _trial_warning(args)
    return slots


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade the handin archives (or this machine's shard of them) into args.out; return 0.

    Raises GradingError when grading cannot run (a handin file missing, no usable worker runtime).
    """
    missing = [str(p) for p in args.handins if not p.is_file()]
    if missing:
        raise GradingError("no such handin file: " + ", ".join(missing))
    names = handin_names(args.handins)
    handins = list(zip(names, args.handins))
    if args.shard is not None:
        shard, count = args.shard
        handins = [(name, path) for name, path in handins if shard_of(name, count) == shard]
        args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_shard_file(args.out, shard, count, names)
        print(f"shard {shard}/{count}: {plural(len(handins), 'handin')} of {len(names)}", file=sys.stderr)
        if not handins:
            (args.out / "gradebook.csv").write_text(outputs.gradebook_csv({}))
            return 0
    slots = _slots(args, args.out)
    try:
        started, before = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        graded = grade_batch(slots, handins, args.out)
        wall, own = time.perf_counter() - started, _cpu(resource.RUSAGE_SELF) - before
    finally:
        slots.close()
        shutil.rmtree(slots.specs[0].base, ignore_errors=True)
    _skipped_note(args, slots.plan)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    count = max(len(graded), 1)
    print(
        f"graded {len(graded)} handins in {wall:.1f} s with {args.jobs} at once "
        f"({60 * len(graded) / max(wall, 1e-9):.0f} per minute); limits: {slots.mode or 'not used'}",
        file=sys.stderr,
    )
    print(
        f"grader process: {own:.2f} s of CPU while grading ({own / count:.4f} s per handin), grader peak memory "
        f"{peak:.0f} MiB; each slot process: peak {max((m.peak for m in slots.memory), default=0):.0f} MiB, "
        f"its own (not shared with the grader) {max((m.own for m in slots.memory), default=0):.0f} MiB",
        file=sys.stderr,
    )
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    """Join the shards' results into args.out/gradebook.csv; return 1 if a handin of the batch is missing."""
    try:
        merged = merge(args.shards, args.out)
    except ShardError as exc:
        raise GradingError(str(exc)) from None
    print(f"wrote {args.out / 'gradebook.csv'} ({plural(len(merged.graded), 'handin')})")
    if merged.shards_missing:
        print(f"missing shards: {', '.join(map(str, merged.shards_missing))}", file=sys.stderr)
    if merged.missing:
        print(
            f"{plural(len(merged.missing), 'handin')} of the batch graded by no shard: {', '.join(merged.missing)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _shard_arg(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except ShardError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _grade_upload(args: argparse.Namespace, grader: Grader, submission: Path):
    def read() -> dict[str, str]:
        kind, where = find_upload(submission)
        return read_tar(where) if kind == "tar" else read_folder(where)

    return grade_one(grader, 0, read)


def cmd_gradescope(args: argparse.Namespace) -> int:
    """Grade a Gradescope submission folder into args.results and print the table of steps; return 0."""
    grader = _grader(args, args.results.parent)
    try:
        graded = _grade_upload(args, grader, args.submission)
    finally:
        grader.close()
    facts = grader_facts(
        grader.plan, grader.identities, grader.torch_python, grader.visibility, grader.torch_python is None
    )
    outputs.write_results(args.results, graded.results_json(grader.visibility, facts))
    print(table(graded.results))
    _skipped_note(args, grader.plan)
    return 0


def cmd_autolab(args: argparse.Namespace) -> int:
    """Grade one handin (a .tar or a folder); print its feedback, then Autolab's scores line last; return 0."""
    if not args.handin.exists():
        raise GradingError(f"no such handin: {args.handin}")
    grader = _grader(args, args.out)
    try:
        graded = grade_one(
            grader, 0, (lambda: read_tar(args.handin)) if args.handin.is_file() else (lambda: read_folder(args.handin))
        )
    finally:
        grader.close()
    print(outputs.feedback_text(args.handin.name, graded.results))
    _skipped_note(args, grader.plan)
    print(outputs.autolab_line(graded.results, args.scoreboard))
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    """Write a Gradescope autograder zip to args.out (the grader without the solution); return 0."""
    from autograder.official.intake.bundle import write_bundle

    read_secret(args.secret)
    write_bundle(args.out, args.secret, args.hidden_cases, args.timeout, args.hidden_visibility)
    print(f"wrote {args.out}")
    return 0


def _common(p: argparse.ArgumentParser, jobs: bool, isolation: str = "namespaces") -> None:
    p.add_argument("--secret", type=Path, help="file holding the secret the hidden cases are drawn from")
    p.add_argument(
        "--hidden-cases",
        type=int,
        default=DEFAULT_HIDDEN,
        help="hidden cases per case spec of each step (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds one case may take, enforced by the grader (default: %(default)s)",
    )
    p.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET, help="seconds a whole handin may take (default: %(default)s)"
    )
    if jobs:
        p.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="handins graded at once, each as its own uid (default: the number of cores)",
        )
    p.add_argument(
        "--worker-python",
        type=Path,
        default=Path(sys.executable),
        help="the interpreter student code runs with: executable by the worker uids, numpy only (default: this one)",
    )
    p.add_argument(
        "--torch-worker-python",
        type=Path,
        default=None,
        help="the interpreter for the steps whose student code uses torch (the poem homework): "
        "executable by the worker uids, with numpy and torch (required when the rubric has such "
        "steps, unless --skip-torch-steps)",
    )
    p.add_argument(
        "--skip-torch-steps",
        action="store_true",
        help='grade without a torch runtime: the steps whose student code uses torch read "not graded" '
        "and score 0; the console says how many points were left out",
    )
    p.add_argument(
        "--isolation",
        choices=("namespaces", "permissions", "auto"),
        default=isolation,
        help="namespaces: each worker sees only its runtime, its folder and its own processes (refuses to "
        "grade where the kernel does not allow it); permissions: file permissions alone, accepted "
        "knowingly; auto: namespaces where allowed, else permissions (default: %(default)s; every "
        "results.json and the gradebook record which was used)",
    )
    p.add_argument(
        "--worker-uid",
        type=int,
        default=DEFAULT_FIRST_UID,
        help="first of the uids workers run as, one per parallel handin: a batch uses WORKER_UID to "
        "WORKER_UID + jobs - 1, which nothing else on the machine may use (default: %(default)s)",
    )
    p.add_argument(
        "--same-user-trial",
        action="store_true",
        help="run student code as this user (no root needed); the grades say they are NOT official",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (sys.argv[1:] when None); return 0 when grading ran, 2 when it could not."""
    parser = command_parser("python -m autograder.official", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade handin archives into results, feedback and a gradebook")
    grade.add_argument("handins", nargs="+", type=Path, metavar="HANDIN.tar")
    grade.add_argument("--out", type=Path, required=True, help="folder for the results and gradebook.csv")
    grade.add_argument(
        "--shard",
        type=_shard_arg,
        metavar="K/N",
        help="grade only share K of N of the handins (split by name; give every shard the same "
        "list), for `merge` to join",
    )
    _common(grade, jobs=True)
    merging = sub.add_parser("merge", help="join the out folders of `grade --shard` runs into one gradebook")
    merging.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUT")
    merging.add_argument("--out", type=Path, required=True, help="folder for the merged results and gradebook.csv")
    scope = sub.add_parser("gradescope", help="grade one Gradescope submission folder")
    scope.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    scope.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    # Gradescope gives each submission a container of its own, which may not allow namespaces.
    _common(scope, jobs=False, isolation="auto")
    autolab = sub.add_parser("autolab", help="grade one handin and print Autolab's score line last")
    autolab.add_argument("handin", type=Path)
    autolab.add_argument("--scoreboard", action="store_true", help="add a scoreboard list: total, then per step")
    autolab.add_argument(
        "--out",
        type=Path,
        default=Path("official-autolab"),
        help="a private folder the probe checks (default: %(default)s)",
    )
    _common(autolab, jobs=False)
    bundle = sub.add_parser("gradescope-bundle", help="write a Gradescope autograder zip")
    bundle.add_argument("--secret", type=Path, required=True)
    bundle.add_argument("--out", type=Path, default=Path("autograder.zip"))
    bundle.add_argument("--hidden-cases", type=int, default=DEFAULT_HIDDEN)
    bundle.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    for p in (scope, bundle):
        p.add_argument(
            "--hidden-visibility",
            choices=outputs.VISIBILITIES,
            help="Gradescope visibility of steps that failed on a hidden case (e.g. after_published)",
        )
    secret = sub.add_parser("new-secret", help="write a fresh random secret to FILE")
    secret.add_argument("file", type=Path)
    report = sub.add_parser("report", help="write a class report of a graded folder (or of runner --json files)")
    class_report.add_arguments(report)
    args = parser.parse_args(argv)
    try:
        if args.command == "report":
            return class_report.run(args)
        if args.command == "new-secret":
            try:
                new_secret(args.file)
            except FileExistsError:
                raise GradingError(f"{args.file} exists; not overwriting a secret") from None
            print(f"wrote a new secret to {args.file}")
            return 0
        command = {
            "grade": cmd_grade,
            "gradescope": cmd_gradescope,
            "autolab": cmd_autolab,
            "gradescope-bundle": cmd_bundle,
            "merge": cmd_merge,
        }[args.command]
        return command(args)
    except (
        GradingError,
        ReferenceDataError,
        SecretError,
        IdentityError,
        ProbeError,
        HandinError,
        class_report.ReportError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
