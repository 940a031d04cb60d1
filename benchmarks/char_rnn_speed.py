"""Training speed of hw.char_rnn against min-char-rnn's training loop.

    python benchmarks/char_rnn_speed.py [--data FILE] [--updates N] [--rounds N]
                                        [--loss-updates STREAMS:UPDATES ...] [--target LOSS]

Uses ../shared/data/shakespeare_train.txt beside the repository when that file is there,
else the built-in corpus (or --data). Hidden 100, seq_length 25, lr 0.1, BLAS limited to
one thread for both sides. The baseline is benchmarks/min_char_rnn.py, the training loop of
Karpathy's min-char-rnn.py doing the same work per update. The script first checks that
both compute the same updates from the same weights.

1. Updates per second at one stream: the baseline and hw.char_rnn in interleaved rounds
   (median of --rounds), then characters per second of hw.char_rnn with more streams.
2. Smooth loss reached per second of training: the baseline and hw.char_rnn at each
   --loss-updates setting, round r starting all of them from the weights of seed r,
   interleaved, the smooth loss recorded with the time every 100 updates. Printed: the
   medians of the updates and seconds to reach --target, how many times sooner than the
   baseline, and the smooth loss after 5, 10, 20 and 40 s.
Timings on a shared machine move between rounds: interleaving makes a burst of load hit
every side alike, and medians keep one slow round from deciding.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hw.char_rnn.blas import limit_blas_threads  # noqa: E402

if not limit_blas_threads(1):  # both sides get one BLAS thread; this must happen before numpy loads
    sys.exit("numpy was loaded before the BLAS threads could be limited")

import numpy as np  # noqa: E402

from benchmarks import min_char_rnn  # noqa: E402
from hw.char_rnn.corpus import load_text  # noqa: E402
from hw.char_rnn.train import TrainConfig, new_snapshot, train  # noqa: E402
from hw.char_rnn.vocab import Vocabulary  # noqa: E402

HIDDEN, SEQ, LR = 100, 25, 0.1
SHARED_TEXT = ROOT.parent / "shared" / "data" / "shakespeare_train.txt"
CHECKPOINTS = (5.0, 10.0, 20.0, 40.0)
Trace = list[tuple[int, float, float]]  # (update, seconds, smooth loss)


def ours(text: str, vocab: Vocabulary, updates: int, batch: int, out: Path,
         trace_every: int = 1000, seed: int = 0) -> tuple[float, Trace, float]:
    """-> (seconds, trace, final smooth loss) for `updates` updates of hw.char_rnn's train()."""
    config = TrainConfig(hidden_size=HIDDEN, seq_length=SEQ, lr=LR, batch=batch, seed=seed,
                         sample_every=0, snapshot_every=0, history_every=trace_every)
    snap = new_snapshot(vocab, len(text), config)
    data = vocab.encode(text)
    trace: Trace = []
    start = time.perf_counter()
    train(snap, data, config, updates, out, "benchmark", progress=False, log=io.StringIO(), plot=False,
          on_history=lambda it, smooth: trace.append((it, time.perf_counter() - start, smooth)))
    return time.perf_counter() - start, trace, snap.state.smooth_loss


def baseline(start_params: dict[str, np.ndarray], text: str, vocab: Vocabulary, updates: int,
             trace_every: int = 0) -> tuple[float, Trace, float]:
    """-> (seconds, trace, final smooth loss) for `updates` updates of the min-char-rnn loop."""
    params = {k: v.copy() for k, v in start_params.items()}
    start = time.perf_counter()
    smooth, trace = min_char_rnn.train(params, text, vocab.index, updates, SEQ, LR, trace_every)
    return time.perf_counter() - start, trace, smooth


def start_weights(vocab: Vocabulary, text: str, seed: int) -> dict[str, np.ndarray]:
    """The initial weights of a fresh hw.char_rnn model with this seed, for the baseline to start from."""
    model = new_snapshot(vocab, len(text), TrainConfig(hidden_size=HIDDEN, seed=seed)).model
    return {k: v.copy() for k, v in model.params.items()}


def time_to(trace: Trace, target: float) -> float | None:
    """Seconds until the smooth loss first reached target, or None."""
    return next((seconds for _, seconds, loss in trace if loss <= target), None)


def updates_to(trace: Trace, target: float) -> int | None:
    """Updates until the smooth loss first reached target, or None."""
    return next((n for n, _, loss in trace if loss <= target), None)


def loss_at(trace: Trace, seconds: float) -> float | None:
    """The smooth loss at the last record made by `seconds`, or None past the end of the run."""
    if not trace or trace[-1][1] < seconds:
        return None
    before = [loss for _, t, loss in trace if t <= seconds]
    return before[-1] if before else None


def median(values: list[float | None]) -> float | None:
    """The median, counting None (not reached) as larger than any number; None if that is the median."""
    ranked = sorted(values, key=lambda v: (v is None, v or 0.0))
    return ranked[len(ranked) // 2]


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def speed(text: str, vocab: Vocabulary, start_params: dict, args: argparse.Namespace, out: Path) -> None:
    ours_times, base_times = [], []
    for _ in range(args.rounds):
        ours_times.append(ours(text, vocab, args.updates, 1, out)[0])
        base_times.append(baseline(start_params, text, vocab, args.updates)[0])
    rate_ours = args.updates / float(np.median(ours_times))
    rate_base = args.updates / float(np.median(base_times))
    print(f"\n1. updates per second over {args.updates} updates, one stream, median of {args.rounds} "
          "interleaved rounds:")
    for name, rate, times in (("min-char-rnn loop", rate_base, base_times), ("hw.char_rnn", rate_ours, ours_times)):
        print(f"  {name:<17}: {rate:8.1f} it/s   rounds: {', '.join(f'{args.updates / t:.0f}' for t in times)}")
    print(f"  speedup: {rate_ours / rate_base:.2f}x")
    print("  characters per second of hw.char_rnn with parallel streams (one round each):")
    for batch in args.batches:
        seconds = ours(text, vocab, args.updates, batch, out)[0]
        print(f"    {batch:3d} streams: {args.updates / seconds:8.1f} it/s  "
              f"{args.updates * SEQ * batch / seconds:9.0f} chars/s")


def loss_per_second(text: str, vocab: Vocabulary, args: argparse.Namespace, out: Path) -> None:
    runs = [("min-char-rnn loop", 1, args.baseline_updates)] + [
        (f"hw.char_rnn, {b} stream{'s' if b > 1 else ''}", b, n) for b, n in args.loss_updates]
    traces: dict[str, list[Trace]] = {name: [] for name, _, _ in runs}
    for r in range(args.rounds):
        # Each round starts every run from the weights of seed r: where a run first crosses
        # the target depends on its trajectory, so several seeds are needed for a fair median.
        start_params = start_weights(vocab, text, seed=r)
        for name, batch, updates in runs:
            if name.startswith("min-char-rnn"):
                _, trace, _ = baseline(start_params, text, vocab, updates, trace_every=100)
            else:
                _, trace, _ = ours(text, vocab, updates, batch, out, trace_every=100, seed=r)
            traces[name].append(trace)
            print(f"  round {r + 1} (seed {r}): {name:<24} {updates:6d} updates in {trace[-1][1]:6.1f} s, "
                  f"reached {args.target:g} at {fmt(time_to(trace, args.target), '.1f')} s "
                  f"(update {fmt(updates_to(trace, args.target), 'd')})", flush=True)
    base = median([time_to(t, args.target) for t in traces[runs[0][0]]])
    print(f"\n2. smooth loss per second of training (medians over {args.rounds} interleaved rounds, seeds "
          f"0 to {args.rounds - 1}):")
    header = "".join(f"  at {c:g} s" for c in CHECKPOINTS)
    print(f"  {'run':<24} {'it/s':>6} {'updates to':>10} {'s to':>6} {'vs loop':>8}{header}")
    print(f"  {'':<24} {'':>6} {format(args.target, 'g'):>10} {format(args.target, 'g'):>6}")
    for name, _, updates in runs:
        seconds = median([time_to(t, args.target) for t in traces[name]])
        steps = median([updates_to(t, args.target) for t in traces[name]])
        rate = median([updates / t[-1][1] for t in traces[name]])
        ratio = None if seconds is None or base is None else base / seconds
        at = "".join(f"{fmt(median([loss_at(t, c) for t in traces[name]]), '.2f'):>9}" for c in CHECKPOINTS)
        print(f"  {name:<24} {fmt(rate, '6.0f')} {fmt(steps, 'd'):>10} {fmt(seconds, '6.1f'):>6} "
              f"{fmt(ratio, '.2f') + 'x':>8}{at}")
    print(f"  ('-': {args.target:g} not reached, or the run had ended by then; 'vs loop': how many times "
          "sooner than the min-char-rnn loop)")


def batch_and_updates(text: str) -> tuple[int, int]:
    batch, _, updates = text.partition(":")
    return int(batch), int(updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="UTF-8 text (default: ../shared/data/shakespeare_train.txt when "
                                       "present, else the built-in corpus)")
    parser.add_argument("--updates", type=int, default=3000, help="updates timed per side in part 1")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians reported)")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32],
                        help="stream counts for the characters-per-second lines")
    parser.add_argument("--loss-updates", type=batch_and_updates, nargs="*",
                        default=[(1, 40000), (4, 16000), (8, 12000), (32, 6000)], metavar="STREAMS:UPDATES",
                        help="hw.char_rnn runs of part 2 (default: 1:40000 4:16000 8:12000 32:6000); "
                             "none to skip it")
    parser.add_argument("--baseline-updates", type=int, default=40000, help="updates of the loop in part 2")
    parser.add_argument("--target", type=float, default=50.0, help="smooth loss to reach in part 2")
    parser.add_argument("--out", default="runs/char_rnn_benchmark", help="scratch output folder")
    args = parser.parse_args()
    data = args.data or (str(SHARED_TEXT) if SHARED_TEXT.exists() else None)
    text, corpus = load_text(data)
    vocab = Vocabulary.from_text(text)
    out = Path(args.out)
    print(f"corpus: {corpus}, V={len(vocab)}; hidden {HIDDEN}, seq_length {SEQ}, lr {LR}; "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}, one BLAS thread")

    # The same initial weights for both, taken from a fresh hw.char_rnn model.
    start_params = start_weights(vocab, text, seed=0)
    # The same computation: after a few updates both hold the same weights up to rounding.
    # (Over thousands of updates rounding differences grow, so the losses drift apart a little.)
    check = {k: v.copy() for k, v in start_params.items()}
    min_char_rnn.train(check, text, vocab.index, 5, SEQ, LR)
    config = TrainConfig(hidden_size=HIDDEN, seq_length=SEQ, lr=LR, sample_every=0, snapshot_every=0)
    early = new_snapshot(vocab, len(text), config)
    train(early, vocab.encode(text), config, 5, out, "check", progress=False, log=io.StringIO(), plot=False)
    gap = max(float(np.abs(check[k] - early.model.params[k]).max()) for k in check)
    print(f"largest weight difference after 5 updates: {gap:.1e}")
    if gap > 1e-9:
        sys.exit("the two implementations do not compute the same updates")

    speed(text, vocab, start_params, args, out)
    if args.loss_updates:
        print()
        loss_per_second(text, vocab, args, out)


if __name__ == "__main__":
    main()
