"""Training the poem model: batches of whole poems, cross-entropy on every next character, Adam.

Shapes: B poems per batch, T the longest poem of the batch minus one, V the vocabulary.
A checkpoint (`checkpoint.pt`, written after every epoch) holds the model, the optimizer,
the vocabulary, the configuration, the per-epoch losses and the random state, so that
`--resume` continues exactly where it stopped; it loads with torch.load(weights_only=True).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

import torch
from torch import nn

from hw.char_rnn.progress import is_terminal
from hw.poems.model import RNN_model, word_embedding
from hw.poems.preprocess import PAD, Corpus

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainConfig:
    """Sizes and optimiser settings (the defaults of the course's lab: embedding 100, hidden 128, batch 64)."""

    embedding_dim: int = 100
    hidden_dim: int = 128
    batch_size: int = 64
    lr: float = 0.01
    clip: float = 5.0
    seed: int = 0


def pick_device(name: str | None) -> torch.device:
    """Pick the device named 'cpu' or 'cuda', or None (cuda when available); cuda without one is a ValueError."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but torch sees no CUDA device")
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def new_model(vocab_size: int, config: TrainConfig) -> RNN_model:
    """Make a freshly initialised RNN_model (it draws from torch's generator: seed it first)."""
    embedding = word_embedding(vocab_size, config.embedding_dim)
    return RNN_model(vocab_size, embedding, config.embedding_dim, config.hidden_dim)


def batches(
    poems_vector: list[list[int]], batch_size: int, pad: int, generator: torch.Generator
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Cut one epoch into batches, poems in a random order.

    Each poem is padded with `pad` to the batch's longest; x is a poem without its last character and y
    without its first, so y[b, t] is the character that follows x[b, t].

    Inputs:
    - poems_vector: the poems as index lists
    - batch_size: B
    - pad: the padding index
    - generator: draws the order

    Returns:
    - a list of (x, y), each int64 of shape (B, T)
    """
    order = torch.randperm(len(poems_vector), generator=generator).tolist()
    out = []
    for start in range(0, len(order), batch_size):
        chunk = [poems_vector[i] for i in order[start : start + batch_size]]
        width = max(len(p) for p in chunk)
        padded = torch.full((len(chunk), width), pad, dtype=torch.int64)
        for row, poem in enumerate(chunk):
            padded[row, : len(poem)] = torch.tensor(poem, dtype=torch.int64)
        out.append((padded[:, :-1], padded[:, 1:]))
    return out


class EpochProgress:
    """One line per epoch, redrawn in place on a terminal: poems done, poems/s, mean loss so far."""

    def __init__(self, epoch: int, epochs: int, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        """Start the epoch's clock; a live bar only on a terminal."""
        self.epoch, self.epochs, self.total = epoch, epochs, total
        self.stream = stream if stream is not None else sys.stderr
        self.live = enabled and is_terminal(self.stream)
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def line(self, done: int, loss: float) -> str:
        """Format the bar after `done` of the epoch's poems, at `loss`."""
        rate = done / max(time.perf_counter() - self.t0, 1e-9)
        filled = int(20 * done / max(self.total, 1))
        return (
            f"epoch {self.epoch}/{self.epochs} [{'#' * filled}{'.' * (20 - filled)}] "
            f"{done}/{self.total} poems  {rate:7.1f} poems/s  loss {loss:.4f}"
        )

    def update(self, done: int, loss: float) -> None:
        """Redraw the bar (on a terminal only)."""
        if self.live:
            self.stream.write("\r" + self.line(done, loss))
            self.stream.flush()

    def close(self, loss: float) -> None:
        """Write the epoch's final line."""
        if self.enabled:
            self.stream.write(("\r" if self.live else "") + self.line(self.total, loss) + "\n")
            self.stream.flush()


def save_checkpoint(
    path: Path,
    model: RNN_model,
    optimizer: torch.optim.Optimizer,
    corpus: Corpus,
    config: TrainConfig,
    losses: list[float],
    generator: torch.Generator,
) -> None:
    """Write what resuming and generation need: weights, optimizer, vocabulary, config, losses, generator."""
    vocab = [corpus.int_word_map[i] for i in range(corpus.vocab_size)]
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "vocab": vocab,
        "config": asdict(config),
        "losses": losses,
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # a run stopped while writing never leaves a broken checkpoint


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> tuple[RNN_model, dict]:
    """Load a checkpoint: returns the model (on `device`, in eval mode) and the checkpoint's dict."""
    state = torch.load(path, map_location=device, weights_only=True)
    model = new_model(len(state["vocab"]), TrainConfig(**state["config"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval(), state


def train(
    corpus: Corpus,
    epochs: int,
    out: Path,
    config: TrainConfig,
    device: torch.device,
    resume: str | None = None,
    progress: bool = True,
) -> list[float]:
    """Train for `epochs` epochs in all (counting those of a resumed checkpoint).

    Writes out/checkpoint.pt after every epoch.

    Inputs:
    - corpus: the preprocessed Corpus
    - epochs: the total number of epochs
    - out: the folder of the checkpoint
    - config: the TrainConfig (sizes, optimiser settings, seed)
    - device: where the model runs
    - resume: a checkpoint to resume from, or None
    - progress: whether to show a progress line per epoch

    Returns:
    - the mean loss of each epoch, a list
    """
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = new_model(corpus.vocab_size, config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses: list[float] = []
    if resume:
        state = torch.load(resume, map_location=device, weights_only=True)
        vocab = [corpus.int_word_map[i] for i in range(corpus.vocab_size)]
        if state["vocab"] != vocab:
            raise ValueError(f"{resume} was trained on another vocabulary: resume with the same --data")
        config = TrainConfig(**state["config"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        losses = list(state["losses"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    pad = corpus.word_int_map[PAD]
    loss_fn = nn.CrossEntropyLoss(ignore_index=pad)
    for epoch in range(len(losses) + 1, epochs + 1):
        model.train()
        bar = EpochProgress(epoch, epochs, len(corpus.poems_vector), enabled=progress)
        total, count, done = 0.0, 0, 0
        for x, y in batches(corpus.poems_vector, config.batch_size, pad, generator):
            x, y = x.to(device), y.to(device)
            logits = model(x, x.shape[0])
            loss = loss_fn(logits, y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            tokens = int((y != pad).sum())
            total += loss.item() * tokens
            count += tokens
            done += x.shape[0]
            bar.update(done, total / count)
        mean = total / max(count, 1)
        bar.close(mean)
        if not math.isfinite(mean):
            raise ValueError(f"the loss became {mean} in epoch {epoch}: lower --lr")
        losses.append(mean)
        save_checkpoint(out / CHECKPOINT, model, optimizer, corpus, config, losses, generator)
    return losses
