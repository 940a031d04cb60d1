"""Command line: python -m hw.char_rnn {train,sample,complete,gradcheck,explain} --help"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from hw.char_rnn.corpus import load_text
from hw.char_rnn.explain import explain, format_explanation, save_explanation_chart
from hw.char_rnn.model import CharRNN
from hw.char_rnn.sampling import complete, make_draw, sample
from hw.char_rnn.snapshot import load_snapshot
from hw.char_rnn.train import TrainConfig, new_snapshot, settings_from, train
from hw.char_rnn.vocab import Vocabulary
from mytorch.gradient_check import check_gradients

DEFAULT_OUT = "runs/char_rnn"


def cmd_train(args: argparse.Namespace) -> int:
    text, corpus_name = load_text(args.data)
    config = TrainConfig(hidden_size=args.hidden, num_layers=args.layers,
                         seq_length=args.seq_length, lr=args.lr, batch=args.batch,
                         seed=args.seed, sample_every=args.sample_every,
                         sample_length=args.sample_length, snapshot_every=args.snapshot_every)
    if args.resume:
        snap = load_snapshot(args.resume)
        config = settings_from(snap, config)
        print(f"resuming {args.resume} at update {snap.state.iteration} "
              f"(hidden, layers, seq_length, lr, batch and seed come from the snapshot)")
    else:
        snap = new_snapshot(Vocabulary.from_text(text), len(text), config)
    data = snap.vocab.encode(text)
    snap.data_size = len(text)
    train(snap, data, config, args.updates, args.out, corpus_name,
          progress=not args.no_progress)
    return 0


def _start_index(vocab: Vocabulary, start: str | None) -> int:
    if start is None:
        start = "\n" if "\n" in vocab.index else vocab.chars[0]
    return int(vocab.encode(start)[-1])


def cmd_sample(args: argparse.Namespace) -> int:
    snap = load_snapshot(args.snapshot)
    seed_ix = _start_index(snap.vocab, args.start)
    for temperature in args.temperature:
        ixs = sample(snap.model, snap.model.initial_state(1), seed_ix, args.length,
                     temperature=temperature, draw=make_draw(args.seed))
        print(f"--- temperature {temperature:g} ---")
        print(snap.vocab.decode(ixs))
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    snap = load_snapshot(args.snapshot)
    starter = snap.vocab.encode(args.starter)
    ixs = complete(snap.model, list(starter), args.length, temperature=args.temperature,
                   draw=make_draw(args.seed))
    print(args.starter + snap.vocab.decode(ixs))
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    if args.snapshot:
        snap = load_snapshot(args.snapshot)
        model = snap.model
        what = f"snapshot {args.snapshot}"
    else:
        model = CharRNN(args.vocab, args.hidden, args.layers, seed=args.seed,
                        init_scale=args.init_scale)
        what = "a fresh model"
    T, B = args.seq_length, args.batch
    inputs = rng.integers(0, model.vocab_size, size=(T, B))
    targets = rng.integers(0, model.vocab_size, size=(T, B))
    h0 = [np.tanh(rng.standard_normal((B, model.hidden_size))) for _ in range(model.num_layers)]
    print(f"checking {what}: V={model.vocab_size}, hidden={model.hidden_size}, "
          f"layers={model.num_layers}, window {T} x {B} random characters")
    model.loss_and_grads(inputs, targets, h0)
    analytic = {name: g.copy() for name, g in model.grads.items()}

    def loss() -> float:
        return model.forward(inputs, targets, h0)[0]

    report = check_gradients(loss, model.params, analytic, num_checks=args.checks,
                             step=args.step, tolerance=args.tolerance, seed=args.seed)
    print(report.format())
    return 0 if report.passed else 1


def cmd_explain(args: argparse.Namespace) -> int:
    snap = load_snapshot(args.snapshot)
    context = args.context.encode("utf-8").decode("unicode_escape") if args.escapes else args.context
    ex = explain(snap.model, snap.vocab, context, top_chars=args.top_chars,
                 top_units=args.top_units, seed=args.seed)
    print(format_explanation(ex))
    if not args.no_png:
        png = args.png or str(Path(args.snapshot).with_name("explain.png"))
        print(save_explanation_chart(ex, png))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hw.char_rnn",
        description="Character-level RNN language model: train, generate, check, explain.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train with truncated BPTT and Adagrad",
                       description="Train on a UTF-8 text (default: the English documentation "
                                   "text shipped with CPython). Writes snapshot.npz, "
                                   "samples.txt, smooth_loss.csv and smooth_loss.png to --out.")
    p.add_argument("--data", help="UTF-8 text file (default: built-in corpus)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--updates", type=int, default=100_000, help="updates to run (default 100000)")
    p.add_argument("--hidden", type=int, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--layers", type=int, default=1, help="stacked RNN layers (default 1)")
    p.add_argument("--seq-length", type=int, default=25, help="BPTT window (default 25)")
    p.add_argument("--lr", type=float, default=0.1, help="Adagrad learning rate (default 0.1)")
    p.add_argument("--batch", type=int, default=1,
                   help="parallel streams through the text per update (default 1)")
    p.add_argument("--seed", type=int, default=0, help="initialisation and sampling seed")
    p.add_argument("--sample-every", type=int, default=10_000,
                   help="log a sample every N updates, 0 for never (default 10000)")
    p.add_argument("--sample-length", type=int, default=200, help="characters per sample")
    p.add_argument("--snapshot-every", type=int, default=10_000,
                   help="write the snapshot every N updates, besides at the end (default 10000)")
    p.add_argument("--resume", metavar="SNAPSHOT", help="continue training from a snapshot")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("sample", help="generate text at one or more temperatures")
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--length", type=int, default=200, help="characters to generate")
    p.add_argument("--temperature", type=float, nargs="+", default=[1.0],
                   help="one or more temperatures (1/alpha), e.g. 0.5 1 2")
    p.add_argument("--start", help="character fed first (default newline)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw rule")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("complete", help="continue a starter string")
    p.add_argument("starter", help="the text to continue")
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--length", type=int, default=200, help="characters to generate")
    p.add_argument("--temperature", type=float, default=1.0, help="temperature (1/alpha)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw rule")
    p.set_defaults(run=cmd_complete)

    p = sub.add_parser("gradcheck", help="numerical gradient check of the model",
                       description="Central differences on random entries of every parameter "
                                   "of a fresh model (or a snapshot's) over a random window. "
                                   "Exit status 1 when any entry exceeds the tolerance.")
    p.add_argument("--snapshot", help="check this snapshot's model instead of a fresh one")
    p.add_argument("--vocab", type=int, default=20, help="vocabulary size of a fresh model")
    p.add_argument("--hidden", type=int, default=16, help="hidden size of a fresh model")
    p.add_argument("--layers", type=int, default=2, help="layers of a fresh model")
    p.add_argument("--init-scale", type=float, default=0.3,
                   help="weight scale of a fresh model (large enough for tanh to bend)")
    p.add_argument("--seq-length", type=int, default=8, help="window length")
    p.add_argument("--batch", type=int, default=2, help="streams in the window")
    p.add_argument("--checks", type=int, default=20, help="entries checked per parameter")
    p.add_argument("--step", type=float, default=1e-5, help="central-difference step")
    p.add_argument("--tolerance", type=float, default=1e-5, help="largest relative error")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=cmd_gradcheck)

    p = sub.add_parser("explain", help="which hidden units write the next character",
                       description="Run a context through the model, list the likeliest next "
                                   "characters, the hidden units contributing most to each "
                                   "(Why[c,j]*h_j, with the input weights Wxh[j,ix] that drive "
                                   "them), and test the claim by zeroing those units.")
    p.add_argument("--snapshot", required=True, help="a .npz snapshot")
    p.add_argument("--context", default=":", help="text run through the model (default ':')")
    p.add_argument("--escapes", action="store_true",
                   help="interpret backslash escapes in --context, e.g. '\\n'")
    p.add_argument("--top-chars", type=int, default=3, help="next characters explained")
    p.add_argument("--top-units", type=int, default=5, help="units listed and ablated")
    p.add_argument("--png", help="chart path (default explain.png beside the snapshot)")
    p.add_argument("--no-png", action="store_true", help="text output only")
    p.add_argument("--seed", type=int, default=0, help="seed of the random-unit comparison")
    p.set_defaults(run=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 success, 1 a failed gradient check, 2 unusable input."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (KeyError, ValueError, OSError) as err:
        # Bad input (a character outside the vocabulary, a missing or malformed file)
        # deserves one line, not a traceback.
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
