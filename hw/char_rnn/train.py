"""Truncated-BPTT training with Adagrad, periodic samples, snapshots and resuming."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from hw.char_rnn.adagrad import Adagrad
from hw.char_rnn.model import CharRNN
from hw.char_rnn.plot import save_loss_plot
from hw.char_rnn.progress import ProgressBar
from hw.char_rnn.sampling import make_draw, sample
from hw.char_rnn.snapshot import Snapshot, TrainingState, save_snapshot
from hw.char_rnn.vocab import Vocabulary


@dataclass
class TrainConfig:
    """Hyperparameters and logging cadence. Defaults follow the classic setup."""

    hidden_size: int = 100
    num_layers: int = 1
    seq_length: int = 25
    lr: float = 0.1
    batch: int = 1
    seed: int = 0
    sample_every: int = 10_000
    sample_length: int = 200
    snapshot_every: int = 10_000
    history_every: int = 100


def stream_segments(data: np.ndarray, batch: int, seq_length: int) -> np.ndarray:
    """Split the encoded text into `batch` equal, contiguous segments read in parallel.

    Each stream carries its own hidden state from window to window, so a stream must be a contiguous
    piece of text for the carried state to mean anything.

    Inputs:
    - data: the encoded text, int array of shape (N,)
    - batch: the number of streams
    - seq_length: the window length (a stream must hold one window and one more character)

    Returns:
    - a view of data, of shape (batch, N // batch)
    """
    length = data.shape[0] // batch
    if length < seq_length + 1:
        raise ValueError(
            f"the text ({data.shape[0]} characters) is too short for "
            f"{batch} stream(s) of windows of {seq_length} + 1 characters"
        )
    return data[: batch * length].reshape(batch, length)


EARLY_SAMPLE = 1000


def first_sample_update(start: int, updates: int, every: int) -> int | None:
    """Return the update at which a run logs its first sample: early, so that short runs show one too.

    Inputs:
    - start: the update count the run starts from
    - updates: the run's length
    - every: the sample period (0: no samples at all)

    Returns:
    - start + min(EARLY_SAMPLE, updates // 10) (at least start + 1), or None when there is no early
      sample: samples are off, or the first periodic one comes no later
    """
    if every <= 0:
        return None
    early = start + max(1, min(EARLY_SAMPLE, updates // 10))
    first_periodic = (start // every + 1) * every
    return early if early < first_periodic else None


def initial_smooth_loss(vocab_size: int, seq_length: int) -> float:
    """Return the loss of a uniform guess over a window, -log(1/V) * seq_length."""
    return -math.log(1.0 / vocab_size) * seq_length


def new_snapshot(vocab: Vocabulary, data_size: int, config: TrainConfig) -> Snapshot:
    """Make a freshly initialised model with zero Adagrad memory and an empty history."""
    model = CharRNN(len(vocab), config.hidden_size, config.num_layers, seed=config.seed)
    state = TrainingState(smooth_loss=initial_smooth_loss(len(vocab), config.seq_length))
    return Snapshot(model=model, vocab=vocab, memory=np.zeros_like(model.flat_params), data_size=data_size, state=state)


def settings_from(snap: Snapshot, config: TrainConfig) -> TrainConfig:
    """Return the config to resume with: the snapshot's own settings override the given ones."""
    s = snap.state.settings
    return replace(
        config,
        hidden_size=snap.model.hidden_size,
        num_layers=snap.model.num_layers,
        seq_length=int(s.get("seq_length", config.seq_length)),
        lr=float(s.get("lr", config.lr)),
        batch=int(s.get("batch", config.batch)),
        seed=int(s.get("seed", config.seed)),
    )


def train(
    snap: Snapshot,
    data: np.ndarray,
    config: TrainConfig,
    updates: int,
    out_dir: str | Path,
    corpus_name: str,
    progress: bool = True,
    log: TextIO | None = None,
    plot: bool = True,
    on_history: Callable[[int, float], None] | None = None,
) -> Snapshot:
    """Run `updates` more Adagrad updates on snap (modified in place) and return it.

    data: the text encoded with snap.vocab, int array of shape (N,)
    Writes into out_dir: snapshot.npz (every snapshot_every updates and at the end),
    samples.txt (a sample early in the run, see first_sample_update(), then every
    sample_every updates, appended, so the text's evolution can be read afterwards),
    smooth_loss.csv and, when plot is set, smooth_loss.png (if matplotlib is there).
    progress: show a progress bar (plain lines when stderr is not a terminal)
    on_history: called with (update, smooth loss) whenever the loss history gets a point
    Resuming from the written snapshot continues the weights, optimizer and periodic
    samples exactly where this run stopped.
    """
    log = log if log is not None else sys.stdout
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, vocab, state = snap.model, snap.vocab, snap.state
    T, B = config.seq_length, config.batch
    streams = stream_segments(data, B, T)
    # Recorded in every snapshot, also one that started as a course's file without them,
    # so that resuming never falls back to whatever the next command line says.
    state.settings = {"seq_length": T, "lr": config.lr, "batch": B, "seed": config.seed}
    optimizer = Adagrad(model.flat_params, lr=config.lr)
    optimizer.memory[...] = snap.memory
    snap.memory = optimizer.memory  # one array: the snapshot always sees the live memory
    if state.hidden is not None and state.hidden.shape == (model.num_layers, B, model.hidden_size):
        h = [np.array(layer) for layer in state.hidden]
    else:
        h = model.initial_state(B)
    position = state.position
    history = [tuple(row) for row in state.loss_history]
    smooth = state.smooth_loss
    if math.isnan(smooth):
        smooth = initial_smooth_loss(len(vocab), T)
    bar = ProgressBar(updates, start=state.iteration) if progress else None
    early_sample = first_sample_update(state.iteration, updates, config.sample_every)
    samples_path = out / "samples.txt"

    def save_state() -> None:
        state.position = position
        state.smooth_loss = smooth
        state.loss_history = np.array(history, dtype=np.float64).reshape(-1, 2)
        state.hidden = np.stack(h)
        save_snapshot(out / "snapshot.npz", snap)

    log.write(
        f"training on {corpus_name}: V={len(vocab)}, hidden={model.hidden_size}, "
        f"layers={model.num_layers}, seq_length={T}, lr={config.lr}, batch={B}, "
        f"starting at update {state.iteration}\n"
    )
    for done in range(1, updates + 1):
        if position + T + 1 > streams.shape[1]:
            # End of the segments: start over from their beginning with a fresh state.
            position = 0
            h = model.initial_state(B)
        window = streams[:, position : position + T + 1].T  # (T + 1, B)
        loss, _, h = model.loss_and_grads(window[:-1], window[1:], h)
        optimizer.step(model.flat_grads)
        smooth = 0.999 * smooth + 0.001 * loss
        position += T
        state.iteration += 1
        it = state.iteration
        if it % config.history_every == 0:
            history.append((it, smooth))
            if on_history is not None:
                on_history(it, smooth)
        if it == early_sample or (config.sample_every > 0 and it % config.sample_every == 0):
            draw = make_draw(config.seed * 1_000_003 + it)
            text = vocab.decode(
                sample(model, [layer[:1] for layer in h], int(window[-1, 0]), config.sample_length, draw=draw)
            )
            _record_sample(f"--- update {it}, smooth loss {smooth:.3f} ---\n{text}\n", samples_path, bar, log)
        if config.snapshot_every > 0 and it % config.snapshot_every == 0:
            save_state()
        if bar is not None:
            bar.update(done, smooth)
    if bar is not None:
        bar.close(smooth)
    save_state()
    _write_loss_history(state, out, corpus_name, plot, log)
    return snap


def _record_sample(entry: str, samples_path: Path, bar: ProgressBar | None, log: TextIO) -> None:
    """Append a sample to samples.txt and show it (below the progress bar, which it clears)."""
    with samples_path.open("a", encoding="utf-8") as f:
        f.write(entry)
    if bar is not None:
        bar.clear()
    log.write(entry)
    log.flush()


def _write_loss_history(state, out: Path, corpus_name: str, plot: bool, log: TextIO) -> None:
    """Write smooth_loss.csv and, when asked, smooth_loss.png; say where the snapshot is."""
    np.savetxt(
        out / "smooth_loss.csv",
        state.loss_history,
        delimiter=",",
        header="update,smooth_loss",
        comments="",
        fmt=["%d", "%.6f"],
    )
    log.write(f"smooth loss {state.smooth_loss:.3f} after {state.iteration} updates; snapshot {out / 'snapshot.npz'}\n")
    if plot and len(state.loss_history):
        log.write(
            save_loss_plot(state.loss_history, out / "smooth_loss.png", f"char-RNN smooth loss, {corpus_name}") + "\n"
        )
