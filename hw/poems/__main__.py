"""Command line: python -m hw.poems {train,generate} --help."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import __version__
from hw.poems.preprocess import SKIP_CHARS

DEFAULT_OUT = "runs/poems"
SYNTHETIC_POEMS = 2000


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of both commands and their options."""
    parser = argparse.ArgumentParser(
        prog="python -m hw.poems", description="Poem generation with a two-layer LSTM (torch): train, generate."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "train",
        help="train on a corpus, one poem per line",
        description="Train on a corpus with one poem per line (title:content or content), "
        "or on the built-in synthetic corpus. Writes checkpoint.pt after every "
        "epoch, losses.csv and loss.png (if matplotlib is installed) to --out.",
    )
    p.add_argument("--data", help="UTF-8 corpus such as the course's poems.txt (default: synthetic quatrains)")
    p.add_argument(
        "--synthetic",
        type=int,
        default=SYNTHETIC_POEMS,
        metavar="N",
        help=f"poems of the synthetic corpus when there is no --data (default {SYNTHETIC_POEMS})",
    )
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--epochs", type=int, default=10, help="epochs in all, resumed ones included (default 10)")
    p.add_argument("--batch", type=int, default=64, help="poems per batch (default 64)")
    p.add_argument("--embedding", type=int, default=100, help="embedding size (default 100)")
    p.add_argument("--hidden", type=int, default=128, help="LSTM hidden size (default 128)")
    p.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    p.add_argument("--min-length", type=int, default=5, help="shortest poem kept, in characters (default 5)")
    p.add_argument("--max-length", type=int, default=80, help="longest poem kept, in characters (default 80)")
    p.add_argument(
        "--skip",
        default=SKIP_CHARS,
        metavar="CHARS",
        help=f"lines holding any of these characters are skipped (default {SKIP_CHARS!r})",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation and batch order")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available, else cpu")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue training from a checkpoint")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")

    p = sub.add_parser("generate", help="write a poem from each begin word")
    p.add_argument("--checkpoint", required=True, help="a checkpoint.pt written by train")
    p.add_argument("--begin", nargs="+", default=["日"], help="begin words, one poem each (default 日)")
    p.add_argument(
        "--temperature",
        type=float,
        default=0.0,
        help="0 (default): greedy; otherwise sample from softmax(logits / temperature)",
    )
    p.add_argument("--max-length", type=int, default=80, help="longest poem, in characters (default 80)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling (with --temperature)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available, else cpu")
    return parser


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model on a corpus (or the synthetic one), a checkpoint per epoch; return the exit status."""
    from hw.poems.corpus import synthetic_corpus
    from hw.poems.preprocess import load_corpus, process_poems
    from hw.poems.train import TrainConfig, pick_device, train

    lines = load_corpus(args.data) if args.data else synthetic_corpus(args.synthetic, seed=args.seed)
    corpus = process_poems(lines, min_length=args.min_length, max_length=args.max_length, skip=args.skip)
    if not corpus.poems_vector:
        raise ValueError("no poem of the corpus was kept: check --data, --min-length and --max-length")
    source = args.data or f"the synthetic corpus ({args.synthetic} quatrains)"
    device = pick_device(args.device)
    print(f"{len(corpus.poems_vector)} poems from {source}, vocabulary {corpus.vocab_size}, device {device}")
    config = TrainConfig(args.embedding, args.hidden, args.batch, args.lr, seed=args.seed)
    out = Path(args.out)
    losses = train(corpus, args.epochs, out, config, device, resume=args.resume, progress=not args.no_progress)
    (out / "losses.csv").write_text("epoch,loss\n" + "".join(f"{i},{v:.6f}\n" for i, v in enumerate(losses, 1)))
    print(f"wrote {out / 'checkpoint.pt'} and {out / 'losses.csv'}; {_plot(losses, out / 'loss.png')}")
    return 0


def _plot(losses: list[float], path: Path) -> str:
    from hw.char_rnn.plot import MATPLOTLIB_MISSING, pyplot_or_none

    plt = pyplot_or_none()
    if plt is None:
        return MATPLOTLIB_MISSING
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    ax.plot(range(1, len(losses) + 1), losses, marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy per character")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"wrote {path}"


def cmd_generate(args: argparse.Namespace) -> int:
    """Print a poem from a checkpoint for each begin word; return the exit status."""
    import torch

    from hw.poems.generate import gen_poem, poem_lines
    from hw.poems.train import load_checkpoint, pick_device

    model, state = load_checkpoint(args.checkpoint, pick_device(args.device))
    int_word_map = dict(enumerate(state["vocab"]))
    word_int_map = {w: i for i, w in int_word_map.items()}
    generator = torch.Generator().manual_seed(args.seed)
    for k, begin in enumerate(args.begin):
        poem = gen_poem(
            model,
            begin,
            word_int_map,
            int_word_map,
            max_length=args.max_length,
            temperature=args.temperature or None,
            generator=generator,
        )
        print(("\n" if k else "") + "\n".join(poem_lines(poem)))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 success, 2 unusable input (a missing file, a begin word outside the vocabulary)."""
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(
            "error: hw.poems needs torch: pip install torch --index-url https://download.pytorch.org/whl/cpu "
            "(the CPU-only build; see handout/poems.md)",
            file=sys.stderr,
        )
        return 2
    try:
        return cmd_train(args) if args.command == "train" else cmd_generate(args)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
