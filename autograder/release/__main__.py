"""python -m autograder.release build [--out DIR] [--source DIR]

Writes DIR/release/ (the student release as a folder) and DIR/rnn-handout.tar.gz
(the same files, byte-for-byte reproducible). DIR defaults to build/, which git
ignores. Exit code 0 on success, 1 when the source cannot be released (each
problem is printed as file:line: what).
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

from autograder import __version__
from autograder.paths import ROOT
from autograder.release.build import BuildError, build, digest
from autograder.text import plural


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build the student release folder and archive")
    cmd.add_argument("--out", type=Path, default=ROOT / "build", help="build folder (default: %(default)s)")
    cmd.add_argument("--source", type=Path, default=ROOT, help="instructor repository root (default: %(default)s)")
    args = parser.parse_args(argv)
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
    print(f"stubbed {plural(len(release.regions), 'solution region')} in {plural(len(per_step), 'step')}: "
          + ", ".join(f"{step} ({n})" for step, n in per_step.items()))
    print(f"wrote {directory} ({plural(len(release.files), 'file')})")
    print(f"wrote {archive} (sha256 {digest(archive)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
