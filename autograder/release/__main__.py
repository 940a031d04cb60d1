"""Build the student release, or regenerate the regions of the source that restate the rubric.

Usage:
    python -m autograder.release build [--out DIR] [--source DIR]
    python -m autograder.release generate [--check] [--source DIR]

build writes DIR/release/ (the student release as a folder) and DIR/rnn-handout.tar.gz
(the same files, byte-for-byte reproducible). DIR defaults to build/, which git
ignores. Exit code 0 on success, 1 when the source cannot be released (each
problem is printed as file:line: what).

generate rewrites the regions of the documents and create_tarball.sh that restate
autograder/rubric.json (the points and files tables, the list of required files).
With --check it writes nothing, names each stale region and exits 1 if there is one.
"""

import sys
from collections import Counter
from pathlib import Path

from autograder.command import command_parser
from autograder.paths import ROOT
from autograder.release.build import RUBRIC, BuildError, build, digest
from autograder.release.generate import COMMAND, stale_regions
from autograder.rubric import load_rubric
from autograder.text import plural


def generate(source: Path, check: bool) -> int:
    """Rewrite (or, with check, only name) the stale generated regions of the source -> exit code."""
    try:
        stale = stale_regions(source, load_rubric(source / RUBRIC), write=not check)
    except (OSError, ValueError) as exc:  # GeneratedRegionError is a ValueError, as is a malformed rubric
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for region in stale:
        print(f"{'stale' if check else 'rewrote'}: {region}")
    if check and stale:
        print(f"{plural(len(stale), 'generated region')} differ from {RUBRIC}: run `{COMMAND}`", file=sys.stderr)
        return 1
    if not stale:
        print(f"every generated region is up to date with {RUBRIC}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (sys.argv[1:] when None); return the exit code (0 success, 1 failure)."""
    parser = command_parser("python -m autograder.release", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build the student release folder and archive")
    cmd.add_argument("--out", type=Path, default=ROOT / "build", help="build folder (default: %(default)s)")
    cmd.add_argument("--source", type=Path, default=ROOT, help="instructor repository root (default: %(default)s)")
    gen = sub.add_parser(
        "generate", help="rewrite the regions of the documents and create_tarball.sh that restate the rubric"
    )
    gen.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale region")
    gen.add_argument("--source", type=Path, default=ROOT, help="instructor repository root (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.command == "generate":
        return generate(args.source.resolve(), args.check)
    try:
        release, directory, archive = build(args.source.resolve(), args.out.resolve())
    except BuildError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"release not built: {plural(len(exc.problems), 'problem')}", file=sys.stderr)
        return 1
    for warning in release.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    per_step = Counter(r.step for r in release.regions)
    print(
        f"stubbed {plural(len(release.regions), 'solution region')} in {plural(len(per_step), 'step')}: "
        + ", ".join(f"{step} ({n})" for step, n in per_step.items())
    )
    print(f"wrote {directory} ({plural(len(release.files), 'file')})")
    print(f"wrote {archive} (sha256 {digest(archive)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
