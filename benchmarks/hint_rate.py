"""How many of the mutant corpus's failures the runner names by a hint, and whether any hint names a wrong cause.

    python benchmarks/hint_rate.py [--corpus old|new] [--show unnamed|all] [--match TEXT]

The corpus (`old`, the default) is the test suite's: every mutant of
tests/mutants.py and of tests/test_mutants_*.py (the numpy steps), each a
plausible student bug planted in a fresh copy of the toolkit. `new` is
tests/mutants_new_steps.py: bugs of the newer steps (LSTM, CTC, decoding, the
poem homework) written from the writeups before their catalogs were extended.
For each, the runner runs (stored references only) on the steps the mutant
must fail, and the message of its inspected step is read:
- named: it holds the mutant's hint phrase (a "hint:" line, or a locator's
  finding such as "the hidden state is not carried");
- wrong cause: a "hint:" line that is not the mutant's;
- unnamed: neither (only the bare mismatch report).
Prints the counts and the rate named / failures.
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mutants import CORE_MUTANTS, HW_MUTANTS, Mutant, hint_lines  # noqa: E402
from tests.mutants_new_steps import NEW_STEP_MUTANTS  # noqa: E402
from tests.test_mutants_char_rnn import CHAR_RNN_MUTANTS  # noqa: E402
from tests.test_mutants_ctc import CTC_MUTANTS  # noqa: E402
from tests.tree import Tree  # noqa: E402

CORPORA: dict[str, tuple[Mutant, ...]] = {
    "old": CORE_MUTANTS + HW_MUTANTS + CTC_MUTANTS + CHAR_RNN_MUTANTS,
    "new": NEW_STEP_MUTANTS,
}


def judge(m: Mutant, scratch: Path) -> tuple[str, str]:
    """Plant m in a fresh copy under scratch -> (verdict: named / unnamed / wrong / not failed, the message)."""
    tree = Tree(scratch / "copy")
    tree.replace(m.file, m.old, m.new)
    result = tree.run(*(a for step in sorted(m.fails) for a in ("--step", step)))
    if result.report is None or m.step not in result.failed():
        return "not failed", result.stdout
    message = result.output(m.step)
    hints = hint_lines(message)
    if any(m.hint is None or m.hint not in h for h in hints):
        return "wrong", message
    if m.hint is not None and m.hint in message:
        return "named", message
    return "unnamed", message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="old", help="which mutants (default old)")
    parser.add_argument("--show", choices=("unnamed", "all"), help="print the messages of these mutants")
    parser.add_argument("--match", default="", help="only mutants whose name contains this text")
    args = parser.parse_args()
    corpus = [m for m in CORPORA[args.corpus] if args.match in m.name]
    counts = {"named": 0, "unnamed": 0, "wrong": 0, "not failed": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for i, m in enumerate(corpus):
            verdict, message = judge(m, Path(tmp) / str(i))
            counts[verdict] += 1
            if verdict in ("wrong", "not failed") or args.show == "all" or (args.show and verdict == "unnamed"):
                print(f"--- {verdict}: {m.name} [{m.step}]\n{message}\n")
    failures = len(corpus) - counts["not failed"]
    print(f"mutants: {len(corpus)}; failing their step: {failures}")
    print(f"named by a hint: {counts['named']} / {failures} ({100.0 * counts['named'] / max(failures, 1):.1f}%)")
    print(f"unnamed: {counts['unnamed']}; hints naming a wrong cause: {counts['wrong']}")
    if counts["wrong"] or counts["not failed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
