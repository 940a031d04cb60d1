"""Time the reference CTC loss (forward + backward) against torch.nn.CTCLoss, and beam search.

python benchmarks/ctc_speed.py [--T 200] [--batch 16] [--symbols 40] [--width 10] [--rounds 7]

The CTC inputs are a batch of softmax outputs (T, B, symbols + 1) with targets of 20
to 40 symbols. mytorch.ctc.CTCLoss runs forward() then backward(); torch.nn.CTCLoss
(CPU, reduction 'sum', the same probabilities as log-probabilities) runs its forward
and autograd backward, in float32 (what training code uses) and float64, with
torch's default number of threads, and in float32 with one thread as numpy uses. Both give the
same loss (printed). Beam search
decodes one sequence of T steps over the same number of symbols. Every figure is the
median of the rounds, run interleaved so that load on the machine hits all alike.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mytorch.ctc import CTCLoss  # noqa: E402
from mytorch.search import BeamSearch  # noqa: E402


def make_batch(rng: np.random.Generator, T: int, B: int, K: int):
    """-> probabilities (T, B, K + 1), padded targets (B, L_max), input lengths (B,), target lengths (B,)."""
    scores = rng.standard_normal((T, B, K + 1)) * 2.0
    probs = np.exp(scores - scores.max(axis=2, keepdims=True))
    probs /= probs.sum(axis=2, keepdims=True)
    target_lengths = rng.integers(20, 41, size=B)
    target = np.zeros((B, int(target_lengths.max())), dtype=np.int64)
    for b, n in enumerate(target_lengths):
        target[b, :n] = rng.integers(1, K + 1, size=n)
    return probs, target, np.full(B, T, dtype=np.int64), target_lengths


def time_call(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--T", type=int, default=200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--symbols", type=int, default=40)
    parser.add_argument("--width", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    import torch

    rng = np.random.default_rng(0)
    probs, target, input_lengths, target_lengths = make_batch(rng, args.T, args.batch, args.symbols)

    def ours():
        loss = CTCLoss()
        value = loss.forward(probs, target, input_lengths, target_lengths)
        loss.backward()
        return value * args.batch

    # torch gets its inputs ready-made, as in a training loop: only the loss and its backward are timed.
    log_probs = {dtype: torch.tensor(np.log(probs), dtype=dtype) for dtype in (torch.float32, torch.float64)}
    lengths = torch.as_tensor(target), torch.as_tensor(input_lengths), torch.as_tensor(target_lengths)
    ctc_loss = torch.nn.CTCLoss(blank=0, reduction="sum")

    default_threads = torch.get_num_threads()

    def theirs(dtype, threads=default_threads):
        torch.set_num_threads(threads)
        try:
            lp = log_probs[dtype].detach().requires_grad_()
            loss = ctc_loss(lp, *lengths)
            loss.backward()
            return loss.item()
        finally:
            torch.set_num_threads(default_threads)

    y_probs = np.ascontiguousarray(probs[:, 0, :].T[:, :, None])
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    if args.symbols > len(alphabet):
        parser.error(f"at most {len(alphabet)} symbols (BeamSearch takes single-character symbols)")
    symbols = list(alphabet[: args.symbols])
    times: dict[str, list[float]] = {"ours": [], "torch32": [], "torch32_1": [], "torch64": [], "beam": []}
    values = {}
    for _ in range(args.rounds):
        for name, fn in (("ours", ours), ("torch32", lambda: theirs(torch.float32)),
                         ("torch32_1", lambda: theirs(torch.float32, threads=1)),
                         ("torch64", lambda: theirs(torch.float64)),
                         ("beam", lambda: BeamSearch(symbols, y_probs, args.width))):
            elapsed, values[name] = time_call(fn)
            times[name].append(elapsed)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print(f"CTC loss forward + backward, T {args.T}, batch {args.batch}, {args.symbols} symbols + blank "
          f"(median of {args.rounds} rounds, torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(f"  mytorch.ctc.CTCLoss (numpy, float64)      {med['ours']:8.2f} ms   sum of -log P = {values['ours']:.6f}")
    print(f"  torch.nn.CTCLoss (float64)                {med['torch64']:8.2f} ms   sum of -log P = "
          f"{values['torch64']:.6f}")
    print(f"  torch.nn.CTCLoss (float32)                {med['torch32']:8.2f} ms   sum of -log P = "
          f"{values['torch32']:.2f}")
    print(f"  torch.nn.CTCLoss (float32, 1 thread)      {med['torch32_1']:8.2f} ms")
    fastest = min(med["torch32"], med["torch32_1"], med["torch64"])
    print(f"  ratio mytorch / fastest torch             {med['ours'] / fastest:8.2f}x")
    print(f"BeamSearch width {args.width}, one sequence of T {args.T}, {args.symbols} symbols: {med['beam']:.1f} ms")


if __name__ == "__main__":
    main()
