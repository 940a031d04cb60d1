"""Training speed of hw.char_rnn against min-char-rnn's training loop.

    python benchmarks/char_rnn_speed.py [--data FILE] [--updates N] [--rounds N]
                                        [--loss-updates STREAMS:UPDATES ...] [--target LOSS]

Uses hw/char_rnn/data/shakespeare_train.txt (public-domain Shakespeare, shipped with the
repository), or --data. Hidden 100, seq_length 25, lr 0.1, BLAS limited to
one thread for both sides. The baseline is benchmarks/min_char_rnn.py, the training loop of
Karpathy's min-char-rnn.py doing the same work per update. The script first checks that
both compute the same updates from the same weights.

1. Updates per second at one stream: the baseline and hw.char_rnn in interleaved rounds
   (median of --rounds), then characters per second of hw.char_rnn with more streams.
2. Smooth loss reached per second of training: the baseline and hw.char_rnn at each
   --loss-updates setting, round r starting all of them from the weights of seed r,
   interleaved, the smooth loss recorded with the time every 100 updates. Printed: the
   medians of the updates and seconds to reach --target, how many times sooner than the
   baseline, and the smooth loss after 2, 4 and 8 s of CPU time.
Timings on a shared machine move between rounds: interleaving makes a burst of load hit
every side alike, and medians keep one slow round from deciding. Both the wall clock and
the process's CPU time are reported: with one BLAS thread they agree on an idle machine,
and CPU time hardly moves when other jobs take turns on the cores.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import NamedTuple

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
SHAKESPEARE = ROOT / "hw" / "char_rnn" / "data" / "shakespeare_train.txt"
CHECKPOINTS = (2.0, 4.0, 8.0)  # CPU seconds; every default run lasts at least 8


class Point(NamedTuple):
    """One record of a training run: seconds since its start, on the wall clock and in CPU time."""

    update: int
    wall: float
    cpu: float
    smooth: float


class Recorder:
    """Starts the clocks; record(update, smooth) is the training loop's callback."""

    def __init__(self) -> None:
        self.points: list[Point] = []
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def record(self, update: int, smooth: float) -> None:
        self.points.append(Point(update, time.perf_counter() - self.wall0, time.process_time() - self.cpu0, smooth))

    def elapsed(self) -> tuple[float, float]:
        """-> (wall seconds, CPU seconds) since the start."""
        return time.perf_counter() - self.wall0, time.process_time() - self.cpu0


def ours(text: str, vocab: Vocabulary, updates: int, batch: int, out: Path, every: int = 1000,
         seed: int = 0) -> tuple[tuple[float, float], list[Point]]:
    """-> ((wall, CPU) seconds, trace) for `updates` updates of hw.char_rnn's train()."""
    config = TrainConfig(hidden_size=HIDDEN, seq_length=SEQ, lr=LR, batch=batch, seed=seed,
                         sample_every=0, snapshot_every=0, history_every=every)
    snap = new_snapshot(vocab, len(text), config)
    data = vocab.encode(text)
    clock = Recorder()
    train(snap, data, config, updates, out, "benchmark", progress=False, log=io.StringIO(), plot=False,
          on_history=clock.record)
    return clock.elapsed(), clock.points


def baseline(start_params: dict[str, np.ndarray], text: str, vocab: Vocabulary, updates: int,
             every: int = 1000) -> tuple[tuple[float, float], list[Point]]:
    """-> ((wall, CPU) seconds, trace) for `updates` updates of the min-char-rnn loop."""
    params = {k: v.copy() for k, v in start_params.items()}
    clock = Recorder()
    min_char_rnn.train(params, text, vocab.index, updates, SEQ, LR, every=every, on_smooth=clock.record)
    return clock.elapsed(), clock.points


def start_weights(vocab: Vocabulary, text: str, seed: int) -> dict[str, np.ndarray]:
    """The initial weights of a fresh hw.char_rnn model with this seed, for the baseline to start from."""
    model = new_snapshot(vocab, len(text), TrainConfig(hidden_size=HIDDEN, seed=seed)).model
    return {k: v.copy() for k, v in model.params.items()}


def first(trace: list[Point], target: float) -> Point | None:
    """The first record at which the smooth loss had reached target, or None."""
    return next((p for p in trace if p.smooth <= target), None)


def loss_at(trace: list[Point], cpu_seconds: float) -> float | None:
    """The smooth loss at the last record made by `cpu_seconds` of CPU time, or None past the run's end."""
    before = [p.smooth for p in trace if p.cpu <= cpu_seconds]
    return before[-1] if before and trace[-1].cpu >= cpu_seconds else None


def median(values: list) -> float | None:
    """The median, counting None (not reached) as larger than any number; None if that is the median."""
    ranked = sorted(values, key=lambda v: (v is None, v or 0.0))
    return ranked[len(ranked) // 2]


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def ratio(base: float | None, ours_: float | None) -> str:
    return "-" if base is None or ours_ is None else f"{base / ours_:.2f}x"


def speed(text: str, vocab: Vocabulary, start_params: dict, args: argparse.Namespace, out: Path) -> None:
    times: dict[str, list[tuple[float, float]]] = {"min-char-rnn loop": [], "hw.char_rnn": []}
    for _ in range(args.rounds):
        times["hw.char_rnn"].append(ours(text, vocab, args.updates, 1, out)[0])
        times["min-char-rnn loop"].append(baseline(start_params, text, vocab, args.updates)[0])
    print(f"\n1. updates per second over {args.updates} updates, one stream, median of {args.rounds} "
          "interleaved rounds (by wall clock; by CPU time):")
    rates = {}
    for name, pairs in times.items():
        wall = args.updates / median([w for w, _ in pairs])
        cpu = args.updates / median([c for _, c in pairs])
        rates[name] = (wall, cpu)
        print(f"  {name:<17}: {wall:7.1f} it/s; {cpu:7.1f} it/s   rounds (wall): "
              + ", ".join(f"{args.updates / w:.0f}" for w, _ in pairs))
    (bw, bc), (ow, oc) = rates["min-char-rnn loop"], rates["hw.char_rnn"]
    print(f"  speedup: {ow / bw:.2f}x by wall clock, {oc / bc:.2f}x by CPU time")
    print("  characters per second of hw.char_rnn with parallel streams (one round each, CPU time):")
    for batch in args.batches:
        _, cpu = ours(text, vocab, args.updates, batch, out)[0]
        chars = args.updates * SEQ * batch / cpu
        print(f"    {batch:3d} streams: {args.updates / cpu:8.1f} it/s  {chars:9.0f} chars/s")


def loss_per_second(text: str, vocab: Vocabulary, args: argparse.Namespace, out: Path) -> None:
    runs = [("min-char-rnn loop", 1, args.baseline_updates)] + [
        (f"hw.char_rnn, {b} stream{'s' if b > 1 else ''}", b, n) for b, n in args.loss_updates]
    traces: dict[str, list[list[Point]]] = {name: [] for name, _, _ in runs}
    for r in range(args.rounds):
        # Each round starts every run from the weights of seed r: where a run first crosses
        # the target depends on its trajectory, so several seeds are needed for a fair median.
        start_params = start_weights(vocab, text, seed=r)
        for name, batch, updates in runs:
            if name.startswith("min-char-rnn"):
                (wall, cpu), trace = baseline(start_params, text, vocab, updates, every=100)
            else:
                (wall, cpu), trace = ours(text, vocab, updates, batch, out, every=100, seed=r)
            traces[name].append(trace)
            hit = first(trace, args.target)
            print(f"  round {r + 1} (seed {r}): {name:<24} {updates:6d} updates in {wall:6.1f} s ({cpu:6.1f} s CPU); "
                  + (f"{args.target:g} at update {hit.update}, {hit.wall:.1f} s ({hit.cpu:.1f} s CPU)" if hit
                     else f"{args.target:g} not reached"), flush=True)
    hits = {name: [first(t, args.target) for t in traces[name]] for name, _, _ in runs}
    base = hits[runs[0][0]]
    base_cpu, base_wall = median([h and h.cpu for h in base]), median([h and h.wall for h in base])
    target = format(args.target, "g")
    print(f"\n2. smooth loss per second of training: medians over {args.rounds} interleaved rounds (seeds 0 to "
          f"{args.rounds - 1})")
    print(f"  {'run':<24} {'it/s':>6} {'updates':>8} {'CPU s':>6} {'vs loop':>8} {'wall s':>7} {'vs loop':>8}"
          + "".join(f"{'at ' + format(c, 'g') + ' s':>9}" for c in CHECKPOINTS))
    print(f"  {'':<24} {'':>6} {'to ' + target:>8} {'to ' + target:>6} {'':>8} {'to ' + target:>7} {'':>8}"
          + f"{'(smooth loss after so many CPU seconds)':>{9 * len(CHECKPOINTS)}}")
    for name, _, _updates in runs:
        cpu = median([h and h.cpu for h in hits[name]])
        wall = median([h and h.wall for h in hits[name]])
        steps = median([h and h.update for h in hits[name]])
        rate = median([t[-1].update / t[-1].cpu for t in traces[name]])
        at = "".join(f"{fmt(median([loss_at(t, c) for t in traces[name]]), '.2f'):>9}" for c in CHECKPOINTS)
        print(f"  {name:<24} {fmt(rate, '6.0f')} {fmt(steps, 'd'):>8} {fmt(cpu, '.1f'):>6} {ratio(base_cpu, cpu):>8} "
              f"{fmt(wall, '.1f'):>7} {ratio(base_wall, wall):>8}{at}")
    print("  ('-': not reached, or the run had ended by then; 'vs loop': how many times sooner than the "
          "min-char-rnn loop)")


def batch_and_updates(text: str) -> tuple[int, int]:
    batch, _, updates = text.partition(":")
    return int(batch), int(updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help=f"UTF-8 text (default: {SHAKESPEARE.relative_to(ROOT)})")
    parser.add_argument("--updates", type=int, default=3000, help="updates timed per side in part 1")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians reported)")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32],
                        help="stream counts for the characters-per-second lines")
    parser.add_argument("--loss-updates", type=batch_and_updates, nargs="*",
                        default=[(1, 40000), (4, 20000), (8, 14000), (32, 6000)], metavar="STREAMS:UPDATES",
                        help="hw.char_rnn runs of part 2 (default: 1:40000 4:20000 8:14000 32:6000); "
                             "none to skip it")
    parser.add_argument("--baseline-updates", type=int, default=40000, help="updates of the loop in part 2")
    parser.add_argument("--target", type=float, default=50.0, help="smooth loss to reach in part 2")
    parser.add_argument("--out", default="runs/char_rnn_benchmark", help="scratch output folder")
    args = parser.parse_args()
    text, corpus = load_text(args.data or SHAKESPEARE)
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
