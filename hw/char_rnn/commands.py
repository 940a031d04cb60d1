"""What each command of `python -m hw.char_rnn` does, given its parsed arguments.

Each function takes the argparse namespace of its subcommand and returns the exit status.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from hw.char_rnn.corpus import load_text
from hw.char_rnn.explain import explain, format_explanation, save_explanation_chart
from hw.char_rnn.model import CharRNN
from hw.char_rnn.sampling import complete, make_draw, sample
from hw.char_rnn.snapshot import load_snapshot
from hw.char_rnn.train import TrainConfig, new_snapshot, settings_from, train
from hw.char_rnn.vocab import Vocabulary
from mytorch.gradient_check import GradCheckReport, check_gradients


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model (or resume one) and write its snapshots; return the exit status."""
    text, corpus_name = load_text(args.data)
    config = TrainConfig(
        hidden_size=args.hidden,
        num_layers=args.layers,
        seq_length=args.seq_length,
        lr=args.lr,
        batch=args.batch,
        seed=args.seed,
        sample_every=args.sample_every,
        sample_length=args.sample_length,
        snapshot_every=args.snapshot_every,
    )
    if args.resume:
        snap = load_snapshot(args.resume)
        config = settings_from(snap, config)
        print(
            f"resuming {args.resume} at update {snap.state.iteration} "
            f"(hidden, layers, seq_length, lr, batch and seed come from the snapshot)"
        )
    else:
        snap = new_snapshot(Vocabulary.from_text(text), len(text), config)
    data = snap.vocab.encode(text)
    snap.data_size = len(text)
    train(snap, data, config, args.updates, args.out, corpus_name, progress=not args.no_progress)
    return 0


def _start_index(vocab: Vocabulary, start: str | None) -> int:
    if start is None:
        start = "\n" if "\n" in vocab.index else vocab.chars[0]
    return int(vocab.encode(start)[-1])


def cmd_sample(args: argparse.Namespace) -> int:
    """Print characters sampled from a snapshot; return the exit status."""
    snap = load_snapshot(args.snapshot)
    seed_ix = _start_index(snap.vocab, args.start)
    for temperature in args.temperature:
        ixs = sample(
            snap.model,
            snap.model.initial_state(1),
            seed_ix,
            args.length,
            temperature=temperature,
            draw=make_draw(args.seed),
        )
        print(f"--- temperature {temperature:g} ---")
        print(snap.vocab.decode(ixs))
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    """Print a starter string and its completion by a snapshot; return the exit status."""
    snap = load_snapshot(args.snapshot)
    starter = snap.vocab.encode(args.starter)
    ixs = complete(snap.model, list(starter), args.length, temperature=args.temperature, draw=make_draw(args.seed))
    print(args.starter + snap.vocab.decode(ixs))
    return 0


def check_model_gradients(model: CharRNN, seq_length: int, batch: int, seed: int, **options: Any) -> GradCheckReport:
    """Numerical gradient check of model on a random window.

    The window (seq_length x batch random characters and targets, and a random carried-in
    state per layer) and the checked entries are drawn from seed; options go to
    mytorch.gradient_check.check_gradients (num_checks, step, tolerance, relative_floor).
    """
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, model.vocab_size, size=(seq_length, batch))
    targets = rng.integers(0, model.vocab_size, size=(seq_length, batch))
    h0 = [np.tanh(rng.standard_normal((batch, model.hidden_size))) for _ in range(model.num_layers)]
    model.loss_and_grads(inputs, targets, h0)
    analytic = {name: g.copy() for name, g in model.grads.items()}

    def loss() -> float:
        return model.forward(inputs, targets, h0)[0]

    return check_gradients(loss, model.params, analytic, seed=seed, **options)


def cmd_gradcheck(args: argparse.Namespace) -> int:
    """Check a model's gradients against central differences; return the exit status."""
    if args.snapshot:
        model = load_snapshot(args.snapshot).model
        what = f"snapshot {args.snapshot}"
    else:
        model = CharRNN(args.vocab, args.hidden, args.layers, seed=args.seed, init_scale=args.init_scale)
        what = "a fresh model"
    print(
        f"checking {what}: V={model.vocab_size}, hidden={model.hidden_size}, "
        f"layers={model.num_layers}, window {args.seq_length} x {args.batch} random characters"
    )
    report = check_model_gradients(
        model, args.seq_length, args.batch, args.seed, num_checks=args.checks, step=args.step, tolerance=args.tolerance
    )
    print(report.format())
    return 0 if report.passed else 1


def cmd_explain(args: argparse.Namespace) -> int:
    """Print (and chart) what a snapshot predicts after a context; return the exit status."""
    snap = load_snapshot(args.snapshot)
    context = args.context.encode("utf-8").decode("unicode_escape") if args.escapes else args.context
    ex = explain(snap.model, snap.vocab, context, top_chars=args.top_chars, top_units=args.top_units, seed=args.seed)
    print(format_explanation(ex))
    if not args.no_png:
        png = args.png or str(Path(args.snapshot).with_name("explain.png"))
        print(save_explanation_chart(ex, png))
    return 0
