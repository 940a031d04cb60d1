"""Training throughput and generation latency of the poem model (hw/poems), on CPU.

python benchmarks/poems_speed.py [--poems 13000] [--rounds 5] [--batches 10] [--threads 1]

Sizes are the lab's: embedding 100, hidden 128, batch 64, on the synthetic corpus scaled
to --poems quatrains (the course's poems.txt has about that many poems that survive
the filters). Each round times, interleaved so that load on the machine hits all alike:

- the lab's training loop: one forward pass per poem (a batch of one sequence), the
  poems' losses averaged over the batch, one backward pass and one optimizer step per
  batch, as the lab's run_training() does (less its prints and its checkpoint every 20
  batches), with the same model, Adam and clipping as hw.poems.train;
- hw.poems.train's loop: the whole batch padded into one (B, T) tensor, one forward pass;
- one whole epoch of hw.poems.train over every poem;
- greedy generation (gen_poem) from the seven begin words 日 红 山 夜 湖 海 月, with the
  model after one epoch.

The two loops run --batches batches of the same poems. Every figure is the median of the
rounds; wall clock and the process's CPU time are both given (on a shared machine CPU time
moves less when other jobs take turns on the cores).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hw.poems.corpus import synthetic_corpus  # noqa: E402
from hw.poems.generate import gen_poem  # noqa: E402
from hw.poems.preprocess import PAD, process_poems  # noqa: E402
from hw.poems.train import TrainConfig, batches, new_model, train  # noqa: E402

BEGIN_WORDS = "日红山夜湖海月"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def lab_loop(model, optimizer, chunks, pad, clip):
    """The lab's loop: a forward pass per poem (its unpadded length), losses averaged over the batch."""
    loss_fn = nn.CrossEntropyLoss()
    for x, y in chunks:
        loss = 0.0
        for b in range(x.shape[0]):
            n = int((y[b] != pad).sum())
            logits = model(x[b:b + 1, :n], 1)
            loss = loss + loss_fn(logits, y[b, :n])
        loss = loss / x.shape[0]
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()


def batched_loop(model, optimizer, chunks, pad, clip):
    """hw.poems.train's inner loop."""
    loss_fn = nn.CrossEntropyLoss(ignore_index=pad)
    for x, y in chunks:
        loss = loss_fn(model(x, x.shape[0]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--poems", type=int, default=13000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=10, help="batches per round for the two loops")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    config = TrainConfig()
    corpus = process_poems(synthetic_corpus(args.poems, seed=0))
    pad = corpus.word_int_map[PAD]
    chunks = batches(corpus.poems_vector, config.batch_size, pad, torch.Generator().manual_seed(0))[: args.batches]
    n_poems = sum(x.shape[0] for x, _ in chunks)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); {len(corpus.poems_vector)} poems, "
          f"V = {corpus.vocab_size}; embedding {config.embedding_dim}, hidden {config.hidden_dim}, "
          f"batch {config.batch_size}; {args.rounds} rounds")
    rows: dict[str, list[tuple[float, float]]] = {"lab": [], "batched": [], "epoch": [], "generate": []}
    lengths = []
    for r in range(args.rounds):
        for name, loop in (("lab", lab_loop), ("batched", batched_loop)):
            torch.manual_seed(r)
            model = new_model(corpus.vocab_size, config)
            optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
            wall, cpu, _ = timed(lambda: loop(model, optimizer, chunks, pad, config.clip))  # noqa: B023
            rows[name].append((n_poems / wall, n_poems / cpu))
        out = Path(f"/tmp/poems_speed_{r}")
        wall, cpu, _ = timed(lambda: train(corpus, 1, out, TrainConfig(seed=r), torch.device("cpu"),  # noqa: B023
                                           progress=False))
        rows["epoch"].append((wall, cpu))
        model = new_model(corpus.vocab_size, config)
        model.load_state_dict(torch.load(out / "checkpoint.pt", weights_only=True)["model"])
        model.eval()
        wall, cpu, poems = timed(lambda: [gen_poem(model, w, corpus.word_int_map,  # noqa: B023
                                                   corpus.int_word_map) for w in BEGIN_WORDS])
        rows["generate"].append((wall / len(BEGIN_WORDS), cpu / len(BEGIN_WORDS)))
        lengths = [len(p) for p in poems]
        print(f"round {r + 1}: lab {rows['lab'][-1][0]:.0f} poems/s, batched {rows['batched'][-1][0]:.0f} poems/s, "
              f"epoch {rows['epoch'][-1][0]:.1f} s, generation {rows['generate'][-1][0] * 1000:.0f} ms/poem",
              flush=True)

    def med(name, k):
        return statistics.median(v[k] for v in rows[name])

    print(f"\ntraining throughput (poems/s, median; wall clock / CPU time), {n_poems} poems per round:")
    print(f"  lab loop (one poem per forward pass): {med('lab', 0):8.0f} / {med('lab', 1):8.0f}")
    print(f"  hw.poems.train (batched):             {med('batched', 0):8.0f} / {med('batched', 1):8.0f}")
    print(f"  speedup:                              {med('batched', 0) / med('lab', 0):7.1f}x / "
          f"{med('batched', 1) / med('lab', 1):7.1f}x")
    print(f"one epoch of hw.poems.train over {len(corpus.poems_vector)} poems: {med('epoch', 0):.1f} s wall, "
          f"{med('epoch', 1):.1f} s CPU (the lab loop at its rate: {len(corpus.poems_vector) / med('lab', 0):.0f} s)")
    print(f"greedy generation after one epoch: {med('generate', 0) * 1000:.0f} ms per poem wall, "
          f"{med('generate', 1) * 1000:.0f} ms CPU (poems of {min(lengths)} to {max(lengths)} characters)")
    print("last round's poems:", " / ".join(poems))


if __name__ == "__main__":
    main()
