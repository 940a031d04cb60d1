"""A dependency-free terminal progress bar showing updates per second and the smooth loss."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws one status line in place; the rate is for display only and never logged.

    total: number of updates this run will do
    start: the iteration count the run starts from (non-zero when resuming)
    """

    def __init__(self, total: int, start: int = 0, stream: TextIO | None = None,
                 width: int = 30, min_interval: float = 0.2) -> None:
        self.total = total
        self.start = start
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._t0 = time.perf_counter()
        self._last_draw = float("-inf")

    def update(self, done: int, smooth_loss: float, force: bool = False) -> None:
        """done: updates finished in this run (0..total)."""
        now = time.perf_counter()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        elapsed = max(now - self._t0, 1e-9)
        filled = int(self.width * done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {self.start + done}/{self.start + self.total} "
            f"{done / elapsed:8.1f} it/s  smooth loss {smooth_loss:8.3f}")
        self.stream.flush()

    def close(self, smooth_loss: float) -> None:
        """Draw the final state and end the line."""
        self.update(self.total, smooth_loss, force=True)
        self.stream.write("\n")
        self.stream.flush()
