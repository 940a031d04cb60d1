"""Command line: python -m hw.char_rnn {train,sample,complete,gradcheck,explain} --help.

The arguments are read before numpy loads, so that --blas-threads can take effect.
"""

from __future__ import annotations

import argparse
import sys

from autograder import __version__
from hw.char_rnn.blas import DEFAULT_THREADS, limit_blas_threads

DEFAULT_OUT = "runs/char_rnn"


def thread_count(text: str) -> int:
    """Parse --blas-threads: a count of 0 or more (argparse reports anything else)."""
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {n}")
    return n


def _common() -> argparse.ArgumentParser:
    """Options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--blas-threads",
        type=thread_count,
        metavar="N",
        help=f"threads numpy's BLAS may use (default {DEFAULT_THREADS}, or what "
        "OPENBLAS_NUM_THREADS/OMP_NUM_THREADS say; 0: the library's own default, "
        "usually every core); more than one only pays for large models",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command and its options."""
    parser = argparse.ArgumentParser(
        prog="python -m hw.char_rnn", description="Character-level RNN language model: train, generate, check, explain."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    common = _common()

    p = sub.add_parser(
        "train",
        parents=[common],
        help="train with truncated BPTT and Adagrad",
        description="Train on a UTF-8 text (default: the English documentation "
        "text shipped with CPython). Writes snapshot.npz, "
        "samples.txt, smooth_loss.csv and smooth_loss.png to --out.",
    )
    p.add_argument("--data", help="UTF-8 text file (default: built-in corpus)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--updates", type=int, default=100_000, help="updates to run (default 100000)")
    p.add_argument("--hidden", type=int, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--layers", type=int, default=1, help="stacked RNN layers (default 1)")
    p.add_argument("--seq-length", type=int, default=25, help="BPTT window (default 25)")
    p.add_argument("--lr", type=float, default=0.1, help="Adagrad learning rate (default 0.1)")
    p.add_argument("--batch", type=int, default=1, help="parallel streams through the text per update (default 1)")
    p.add_argument("--seed", type=int, default=0, help="initialisation and sampling seed")
    p.add_argument(
        "--sample-every", type=int, default=10_000, help="log a sample every N updates, 0 for never (default 10000)"
    )
    p.add_argument("--sample-length", type=int, default=200, help="characters per sample")
    p.add_argument(
        "--snapshot-every",
        type=int,
        default=10_000,
        help="write the snapshot every N updates, besides at the end (default 10000)",
    )
    p.add_argument("--resume", metavar="SNAPSHOT", help="continue training from a snapshot")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("sample", parents=[common], help="generate text at one or more temperatures")
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--length", type=int, default=200, help="characters to generate")
    p.add_argument(
        "--temperature", type=float, nargs="+", default=[1.0], help="one or more temperatures (1/alpha), e.g. 0.5 1 2"
    )
    p.add_argument("--start", help="character fed first (default newline)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw rule")

    p = sub.add_parser("complete", parents=[common], help="continue a starter string")
    p.add_argument("starter", help="the text to continue")
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--length", type=int, default=200, help="characters to generate")
    p.add_argument("--temperature", type=float, default=1.0, help="temperature (1/alpha)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw rule")

    p = sub.add_parser(
        "gradcheck",
        parents=[common],
        help="numerical gradient check of the model",
        description="Central differences on random entries of every parameter "
        "of a fresh model (or a snapshot's) over a random window. "
        "Exit status 1 when any entry exceeds the tolerance.",
    )
    p.add_argument("--snapshot", help="check this snapshot's model instead of a fresh one")
    p.add_argument("--vocab", type=int, default=20, help="vocabulary size of a fresh model")
    p.add_argument("--hidden", type=int, default=16, help="hidden size of a fresh model")
    p.add_argument("--layers", type=int, default=2, help="layers of a fresh model")
    p.add_argument(
        "--init-scale", type=float, default=0.3, help="weight scale of a fresh model (large enough for tanh to bend)"
    )
    p.add_argument("--seq-length", type=int, default=8, help="window length")
    p.add_argument("--batch", type=int, default=2, help="streams in the window")
    p.add_argument("--checks", type=int, default=20, help="entries checked per parameter")
    p.add_argument("--step", type=float, default=1e-5, help="central-difference step")
    p.add_argument("--tolerance", type=float, default=1e-5, help="largest relative error")
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser(
        "explain",
        parents=[common],
        help="which hidden units write the next character",
        description="Run a context through the model, list the likeliest next "
        "characters, the hidden units contributing most to each "
        "(Why[c,j]*h_j, with the input weights Wxh[j,ix] that drive "
        "them), and test the claim by zeroing those units.",
    )
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--context", default=":", help="text run through the model (default ':')")
    p.add_argument("--escapes", action="store_true", help="interpret backslash escapes in --context, e.g. '\\n'")
    p.add_argument("--top-chars", type=int, default=3, help="next characters explained")
    p.add_argument("--top-units", type=int, default=5, help="units listed and ablated")
    p.add_argument("--png", help="chart path (default explain.png beside the snapshot)")
    p.add_argument("--no-png", action="store_true", help="text output only")
    p.add_argument("--seed", type=int, default=0, help="seed of the random-unit comparison")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 success, 1 a failed gradient check, 2 unusable input."""
    args = build_parser().parse_args(argv)
    if not limit_blas_threads(args.blas_threads) and args.blas_threads is not None:
        print("note: numpy was loaded before this command, so --blas-threads has no effect", file=sys.stderr)
    from hw.char_rnn import commands  # loads numpy, now that its threads are set

    try:
        return getattr(commands, f"cmd_{args.command}")(args)
    except (KeyError, ValueError, OSError) as err:
        # Bad input (a character outside the vocabulary, a missing or malformed file)
        # deserves one line, not a traceback.
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
