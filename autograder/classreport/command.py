"""The report command: `python -m autograder.official report OUT_DIR [--similarity HANDIN ...]`."""

import argparse
import sys
from pathlib import Path

from autograder.classreport.collect import REPORT_FOLDER, collect
from autograder.classreport.page import write_report
from autograder.classreport.similarity import DEFAULT_THRESHOLD, Pair, similar_pairs
from autograder.classreport.summary import hints_csv, summarize
from autograder.text import plural


class ReportError(Exception):
    """The report cannot be made (no such folder, a handin for similarity that cannot be read)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the report command's options to its subparser `p`."""
    p.add_argument(
        "folder",
        type=Path,
        metavar="OUT_DIR",
        help="a graded batch folder (grade --out), or a folder of the runner's --json files",
    )
    p.add_argument(
        "--similarity",
        nargs="+",
        type=Path,
        metavar="HANDIN",
        help="also compare these handins' code pairwise (handin .tar files, as given to grade, or "
        "folders holding mytorch/ and hw/)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="list pairs where at least this share of one side's own code is in the other's (default: %(default)s)",
    )


def _handin_files(paths: list[Path]) -> dict[str, dict[str, str]]:
    """paths: handin archives or folders -> name (as grade names them) -> its .py files, read as grading reads them."""
    from autograder.official.intake.handin import HandinError, read_folder, read_tar
    from autograder.official.judging.batch import handin_names

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ReportError("no such handin: " + ", ".join(missing))
    out = {}
    for name, path in zip(handin_names(paths), paths):
        try:
            out[name] = read_folder(path) if path.is_dir() else read_tar(path)
        except HandinError as exc:
            print(f"note: {name} is left out of the similarity check: {exc}", file=sys.stderr)
    return out


def _pairs(paths: list[Path], threshold: float) -> tuple[list[Pair], int]:
    from autograder.official.judging.plan import stubbed_editable
    from autograder.rubric import load_rubric

    handins = _handin_files(paths)
    return similar_pairs(handins, stubbed_editable(load_rubric()), threshold), len(handins)


def run(args: argparse.Namespace) -> int:
    """Write OUT_DIR/report/index.html and hints.csv (and the pair pages) -> exit code 0. Raises ReportError."""
    folder: Path = args.folder
    if not folder.is_dir():
        raise ReportError(f"no such folder: {folder}")
    if not 0 < args.threshold <= 1:
        raise ReportError("--threshold must be more than 0 and at most 1")
    summary = summarize(collect(folder))
    pairs, compared = _pairs(args.similarity, args.threshold) if args.similarity else (None, 0)
    title = f"Class report: {folder.resolve().name}"
    index = write_report(folder / REPORT_FOLDER, title, summary, hints_csv(summary), pairs, args.threshold, compared)
    print(
        f"read the results of {plural(len(summary.handins), 'handin')}"
        + (f" ({plural(len(summary.unreadable), 'file')} not results)" if summary.unreadable else "")
        + (f"; {plural(len(pairs), 'similar pair')} of {compared} handins" if pairs is not None else "")
        + f"; wrote {index}"
    )
    return 0
