"""Training speed of hw.char_rnn against the textbook one-hot, per-step implementation.

    python benchmarks/char_rnn_speed.py [--data FILE] [--updates N] [--rounds N] [--loss-updates N]

Both train the same model (same initial weights, hidden 100, seq_length 25, lr 0.1,
one stream) on the same text in one run, in interleaved rounds. The script checks that
both compute the same updates (equal weights after a few updates), prints the median
updates per second of each and their ratio, then characters per second with minibatches
of parallel streams, and optionally the smooth loss after --loss-updates updates.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# The matrices here are small: BLAS threads only add synchronisation, and on a busy machine
# a thread waiting for a core stalls every product. Both implementations run with the same
# setting, which must be made before numpy loads; an explicit setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.char_rnn_textbook import textbook_train  # noqa: E402
from hw.char_rnn.corpus import load_text  # noqa: E402
from hw.char_rnn.train import TrainConfig, new_snapshot, train  # noqa: E402
from hw.char_rnn.vocab import Vocabulary  # noqa: E402

HIDDEN, SEQ, LR = 100, 25, 0.1


class Quiet:
    def write(self, _: str) -> None:
        pass


def ours(text: str, vocab: Vocabulary, updates: int, batch: int, out: Path):
    """-> (seconds, snapshot) for `updates` updates of hw.char_rnn without sampling or snapshots."""
    config = TrainConfig(hidden_size=HIDDEN, seq_length=SEQ, lr=LR, batch=batch, seed=0,
                         sample_every=0, snapshot_every=0, history_every=1000)
    snap = new_snapshot(vocab, len(text), config)
    data = vocab.encode(text)
    start = time.perf_counter()
    train(snap, data, config, updates, out, "benchmark", progress=False, log=Quiet(), plot=False)
    return time.perf_counter() - start, snap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="UTF-8 text (default: the built-in corpus)")
    parser.add_argument("--updates", type=int, default=2000, help="updates timed per implementation")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (median reported)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32],
                        help="stream counts for the characters-per-second table")
    parser.add_argument("--loss-updates", type=int, default=0,
                        help="also report the smooth loss after this many updates (e.g. 100000)")
    parser.add_argument("--out", default="runs/char_rnn_benchmark", help="scratch output folder")
    args = parser.parse_args()
    text, corpus = load_text(args.data)
    vocab = Vocabulary.from_text(text)
    out = Path(args.out)
    print(f"corpus: {corpus}, V={len(vocab)}; hidden {HIDDEN}, seq_length {SEQ}, lr {LR}; "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")

    # The same initial weights for both, taken from a fresh hw.char_rnn model.
    start_params = {k: v.copy() for k, v in new_snapshot(vocab, len(text), TrainConfig()).model.params.items()}
    # Same computation: after a few updates both hold the same weights up to rounding. (Over
    # thousands of updates rounding differences grow, so the final losses differ a little.)
    check = {k: v.copy() for k, v in start_params.items()}
    textbook_train(check, text, vocab.index, 5, SEQ, LR)
    _, early = ours(text, vocab, 5, 1, out)
    gap = max(float(np.abs(check[k] - early.model.params[k]).max()) for k in check)
    print(f"largest weight difference after 5 updates: {gap:.1e}")
    # Interleaved rounds, each from the same fresh weights; the median of each side is
    # reported, so a burst of load on a shared machine hits both sides alike.
    ours_times, base_times = [], []
    for _ in range(args.rounds):
        seconds, snap = ours(text, vocab, args.updates, 1, out)
        ours_times.append(seconds)
        params = {k: v.copy() for k, v in start_params.items()}
        t0 = time.perf_counter()
        baseline_smooth = textbook_train(params, text, vocab.index, args.updates, SEQ, LR)
        base_times.append(time.perf_counter() - t0)
    rate_ours = args.updates / float(np.median(ours_times))
    rate_base = args.updates / float(np.median(base_times))
    print(f"\nupdates per second over {args.updates} updates, one stream, median of {args.rounds} rounds:")
    print(f"  textbook one-hot, per-step: {rate_base:9.1f} it/s  (smooth loss {baseline_smooth:.4f})"
          f"  rounds: {', '.join(f'{args.updates / t:.0f}' for t in base_times)}")
    print(f"  hw.char_rnn               : {rate_ours:9.1f} it/s  (smooth loss {snap.state.smooth_loss:.4f})"
          f"  rounds: {', '.join(f'{args.updates / t:.0f}' for t in ours_times)}")
    print(f"  speedup: {rate_ours / rate_base:.2f}x")

    print("\ncharacters per second with parallel streams (hw.char_rnn):")
    for batch in args.batches:
        seconds, _ = ours(text, vocab, args.updates, batch, out)
        print(f"  batch {batch:3d}: {args.updates / seconds:9.1f} it/s  "
              f"{args.updates * SEQ * batch / seconds:11.0f} chars/s")

    if args.loss_updates:
        seconds, snap = ours(text, vocab, args.loss_updates, 1, out)
        print(f"\nsmooth loss after {args.loss_updates} updates (batch 1): "
              f"{snap.state.smooth_loss:.3f}  ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
