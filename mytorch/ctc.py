"""Connectionist temporal classification (CTC): the lattice, the loss and its gradient.

Shape legend: T input length (time steps), C number of classes (symbols + 1, the
blank at index BLANK), L target length, S = 2L + 1 extended target length, B batch.

The network outputs are probabilities (softmax outputs), `logits[t, k]` = y_t(k), as in
the course this homework follows. Target length L >= 1 and T >= L + (number of
adjacent equal symbols in the target), the fewest steps that can emit the target.

Probabilities multiplied over hundreds of steps underflow float64, so the loss works
with scaled recursions: each row of the forward (backward) lattice is divided by its
sum, and the logs of those sums are kept. See handout/ctc.md.
"""

import numpy as np


class CTC:
    """CTC(BLANK=0): the CTC lattice of one sequence.

    Attributes:
    - BLANK: the index of the blank among the C classes
    """

    def __init__(self, BLANK: int = 0) -> None:
        """Remember which class is the blank."""
        self.BLANK = BLANK

    def extend_target_with_blank(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Put a blank before, between and after the target's symbols.

        Inputs:
        - target: symbol indices, of shape (L,), none of them BLANK

        Returns a tuple of:
        - extended_symbols: int array of shape (S,): [BLANK, target[0], BLANK, target[1], ..., BLANK]
        - skip_connect: int array of shape (S,): 1 where position r may be entered from r - 2
          (r holds a symbol that differs from the symbol at r - 2), else 0
        """
        # BEGIN SOLUTION
        target = np.asarray(target, dtype=np.int64)
        extended_symbols = np.full(2 * len(target) + 1, self.BLANK, dtype=np.int64)
        extended_symbols[1::2] = target
        skip_connect = np.zeros(len(extended_symbols), dtype=np.int64)
        # Jumping over a blank is allowed only between different symbols: "aa" needs a blank between.
        skip_connect[3::2] = target[1:] != target[:-1]
        return extended_symbols, skip_connect
        # END SOLUTION

    def get_scaled_forward_probs(
        self, logits: np.ndarray, extended_symbols: np.ndarray, skip_connect: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Compute the forward probabilities, each time step scaled to sum to 1.

        alpha[t, r] is the probability of all paths that emit y_0 ... y_t and are at
        position r of the extended target at time t (y_t(extended_symbols[r]) included).

        Inputs:
        - logits: probabilities, of shape (T, C)
        - extended_symbols, skip_connect: of shape (S,), from extend_target_with_blank

        Returns a tuple of:
        - alpha_hat: of shape (T, S), alpha_hat[t] = alpha[t] / alpha[t].sum()
        - log_scale: of shape (T,), with alpha[t] = alpha_hat[t] * exp(log_scale[:t + 1].sum())
        """
        # BEGIN SOLUTION hint: row by row: recurse from the scaled previous row, divide by the sum, keep log(sum)
        T, S = len(logits), len(extended_symbols)
        y = logits[:, extended_symbols]
        # 1.0 where position r may be entered from r - 2: a product is cheaper than a choice per position.
        skip = np.asarray(skip_connect[2:], dtype=np.float64)
        alpha_hat = np.zeros((T, S))
        totals = np.zeros(T)
        row = np.zeros(S)
        row[:2] = y[0, :2]
        for t, y_t in enumerate(y):
            if t > 0:
                prev = alpha_hat[t - 1]
                row = prev.copy()
                row[1:] += prev[:-1]
                row[2:] += skip * prev[:-2]
                row *= y_t
            total = row.sum()
            alpha_hat[t] = row / total
            totals[t] = total
        return alpha_hat, np.log(totals)
        # END SOLUTION

    def get_scaled_backward_probs(
        self, logits: np.ndarray, extended_symbols: np.ndarray, skip_connect: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Compute the backward probabilities, each time step scaled to sum to 1.

        beta[t, r] is the probability of emitting y_{t+1} ... y_{T-1} and finishing the
        target, given position r at time t (y_t itself excluded): beta[T - 1, S - 1] =
        beta[T - 1, S - 2] = 1.

        Inputs:
        - logits: probabilities, of shape (T, C)
        - extended_symbols, skip_connect: of shape (S,), from extend_target_with_blank

        Returns a tuple of:
        - beta_hat: of shape (T, S), beta_hat[t] = beta[t] / beta[t].sum()
        - log_scale: of shape (T,), with beta[t] = beta_hat[t] * exp(log_scale[t:].sum())
        """
        # BEGIN SOLUTION hint: mirror the forward recursion: row t comes from row t + 1 weighted by y_{t+1}
        T, S = len(logits), len(extended_symbols)
        y = logits[:, extended_symbols]
        skip = np.asarray(skip_connect[2:], dtype=np.float64)
        beta_hat = np.zeros((T, S))
        totals = np.zeros(T)
        row = np.zeros(S)
        row[-2:] = 1.0
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                nxt = beta_hat[t + 1] * y[t + 1]
                row = nxt.copy()
                row[:-1] += nxt[1:]
                row[:-2] += skip * nxt[2:]
            total = row.sum()
            beta_hat[t] = row / total
            totals[t] = total
        return beta_hat, np.log(totals)
        # END SOLUTION

    def get_forward_probs(
        self, logits: np.ndarray, extended_symbols: np.ndarray, skip_connect: np.ndarray
    ) -> np.ndarray:
        """Compute the forward probabilities alpha, unscaled (they underflow for long inputs).

        Inputs:
        - logits: probabilities, of shape (T, C)
        - extended_symbols, skip_connect: of shape (S,)

        Returns:
        - alpha: of shape (T, S)
        """
        # BEGIN SOLUTION
        alpha_hat, log_scale = self.get_scaled_forward_probs(logits, extended_symbols, skip_connect)
        return alpha_hat * np.exp(np.cumsum(log_scale))[:, None]
        # END SOLUTION

    def get_backward_probs(
        self, logits: np.ndarray, extended_symbols: np.ndarray, skip_connect: np.ndarray
    ) -> np.ndarray:
        """Compute the backward probabilities beta, unscaled (they underflow for long inputs).

        Inputs:
        - logits: probabilities, of shape (T, C)
        - extended_symbols, skip_connect: of shape (S,)

        Returns:
        - beta: of shape (T, S)
        """
        # BEGIN SOLUTION
        beta_hat, log_scale = self.get_scaled_backward_probs(logits, extended_symbols, skip_connect)
        return beta_hat * np.exp(np.cumsum(log_scale[::-1])[::-1])[:, None]
        # END SOLUTION

    def get_posterior_probs(self, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Compute the posterior probability gamma[t, r] of being at position r at time t, given the target.

        Inputs:
        - alpha, beta: of shape (T, S), scaled or not (a factor per time step cancels)

        Returns:
        - gamma: of shape (T, S), each row summing to 1
        """
        # BEGIN SOLUTION
        joint = alpha * beta
        return joint / joint.sum(axis=1, keepdims=True)
        # END SOLUTION


class CTCLoss:
    """CTCLoss(BLANK=0): the batch mean of -log P(target | network outputs)."""

    logits: np.ndarray
    input_lengths: np.ndarray
    extended_symbols: list[np.ndarray]
    gammas: list[np.ndarray]

    def __init__(self, BLANK: int = 0) -> None:
        """Remember which class is the blank; the lattice is a CTC(BLANK)."""
        self.BLANK = BLANK
        self.ctc = CTC(BLANK)

    def __call__(
        self, logits: np.ndarray, target: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray
    ) -> float:
        """Compute the loss: the same as forward(logits, target, input_lengths, target_lengths)."""
        return self.forward(logits, target, input_lengths, target_lengths)

    def forward(
        self, logits: np.ndarray, target: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray
    ) -> float:
        """Compute the CTC loss of a padded batch: the mean over b of -log P(target_b | logits_b).

        Inputs:
        - logits: probabilities, of shape (T, B, C); sequence b uses logits[:input_lengths[b], b]
        - target: padded symbol indices, of shape (B, L_max); sequence b uses target[b, :target_lengths[b]]
        - input_lengths: of shape (B,); target_lengths: of shape (B,), each >= 1

        Returns:
        - loss: a float; it must stay accurate for T in the hundreds

        Caches (backward needs them):
        - self.logits: logits; self.input_lengths: input_lengths, as int64
        - self.extended_symbols: one (S_b,) array per sequence; self.gammas: one (input_lengths[b], S_b) per sequence
        """
        # BEGIN SOLUTION hint: log P = sum of the log scales + log(alpha_hat[T - 1] at the last two positions)
        self.logits = logits
        self.input_lengths = np.asarray(input_lengths, dtype=np.int64)
        self.extended_symbols = []
        self.gammas = []
        losses = np.zeros(len(self.input_lengths))
        for b, (n_in, n_target) in enumerate(zip(self.input_lengths, target_lengths)):
            probs = logits[:n_in, b]
            extended, skip = self.ctc.extend_target_with_blank(target[b, :n_target])
            alpha_hat, log_a = self.ctc.get_scaled_forward_probs(probs, extended, skip)
            beta_hat, _ = self.ctc.get_scaled_backward_probs(probs, extended, skip)
            self.extended_symbols.append(extended)
            self.gammas.append(self.ctc.get_posterior_probs(alpha_hat, beta_hat))
            losses[b] = -(log_a.sum() + np.log(alpha_hat[-1, -2:].sum()))
        return float(losses.mean())
        # END SOLUTION

    def backward(self) -> np.ndarray:
        """Compute the gradient of each sequence's own loss -log P(target_b) with respect to its outputs.

        Returns:
        - dY: of shape (T, B, C); dY[:, b] is per sample (not divided by B), zero past input_lengths[b]
        """
        # BEGIN SOLUTION hint: dY[t, b, k] = -(sum of gamma[t, r] over the positions r holding symbol k) / y_t(k)
        dY = np.zeros(self.logits.shape)
        for b, (n_in, extended, gamma) in enumerate(zip(self.input_lengths, self.extended_symbols, self.gammas)):
            y = self.logits[:n_in, b]
            # A symbol can sit at several positions of the extended target; each adds its share.
            per_symbol = np.zeros(y.shape)
            np.add.at(per_symbol.T, extended, gamma.T)
            dY[:n_in, b] = -per_symbol / y
        return dY
        # END SOLUTION
