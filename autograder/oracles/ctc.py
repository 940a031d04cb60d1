"""Oracles for `ctc_forward` and `ctc_backward`.

The loss is torch.nn.CTCLoss (float64, reduction 'none', averaged here over the batch).
Its gradient comes from autograd through that loss, with one correction: torch's CTC
backward returns, as the gradient with respect to log_probs, the true gradient plus
exp(log_probs) (the gradient it returns assumes log_probs came out of a log_softmax,
through which that term cancels). Subtracting exp(log_probs) over each sequence's time
steps gives the gradient of -log P itself, which the chain rule through log turns into
the gradient with respect to the probabilities. tests/test_ctc_oracle.py checks it
against central differences of torch's loss.

The lattice (alpha, beta, gamma and the scaled rows) is written differently from the
usual loops: the rules are an (S, S) transition matrix, and each time step is a product
with it in log space (torch.logsumexp), so it holds for any T. The step reads only the
matrix's band (every move goes at most two positions) and runs alpha and beta (backwards
in time) of every sequence of the batch side by side: one torch step per time step, which
is most of what a long input costs. The same code with one rule changed gives what a known slip produces
(alternatives, only for short inputs, for hints).
"""

from typing import Any

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import array, distinct, tensor
from autograder.steps.ctc import sequences, stack

NEG_INF = float("-inf")
# What recurrence takes: start, start_emission, emission and bands.
Recurrences = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def extend(target: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Extend a target (L,) -> extended symbols, skip flags, flags of a skip allowed between equal symbols (S,)."""
    ext = [0]
    for s in target:
        ext += [int(s), 0]
    skip = [int(r >= 2 and ext[r] != 0 and ext[r] != ext[r - 2]) for r in range(len(ext))]
    equal_skip = [int(r >= 2 and ext[r] != 0) for r in range(len(ext))]
    return ext, skip, equal_skip


def log_transitions(ext: list[int], skip: list[int], blank_stays: bool = True) -> torch.Tensor:
    """-> log A of shape (S, S): A[q, r] = 1 where the lattice may go from position q to r in one step."""
    S = len(ext)
    A = np.eye(S) * [0.0 if (e == 0 and not blank_stays) else 1.0 for e in ext]
    A[np.arange(S - 1), np.arange(1, S)] = 1.0
    r = np.flatnonzero(skip)
    A[r - 2, r] = 1.0
    with np.errstate(divide="ignore"):
        return torch.from_numpy(np.log(A))


def band(logA: torch.Tensor) -> torch.Tensor:
    """Cut the band of a transition matrix: logA (S, S) -> (S, 5), row r holding logA[r, r - 2 .. r + 2].

    Entries beyond the lattice's ends are -inf. Every move of the lattice goes at most two positions,
    so these five weights are all a step of the recurrence reads (the rest of the row is -inf: nothing
    to add).
    """
    S = logA.shape[0]
    padded = torch.full((S, S + 4), NEG_INF, dtype=torch.float64)
    padded[:, 2 : S + 2] = logA
    return torch.gather(padded, 1, torch.arange(S)[:, None] + torch.arange(5)[None, :])


def recurrence(
    start: torch.Tensor, start_emission: torch.Tensor, emission: torch.Tensor, bands: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run N lattice recurrences side by side, one torch step per time step for all of them.

    start: (N, S) row 0 of each; start_emission: (N, S) what row 0 emits to step 1; emission: (T, N, S),
    row t's emission; bands: (N, S, 5) each recurrence's band (see band).
    For t >= 1: summed[t, n, r] = logsumexp over k of (state[t - 1, n, r + k - 2] + bands[n, r, k]),
    state[t] = summed[t] + emission[t]; summed[0] = start, state[0] = start + start_emission.
    Returns (state (T, N, S), summed (T, N, S)).
    """
    T, N, S = emission.shape
    summed = torch.full((T, N, S), NEG_INF, dtype=torch.float64)
    padded = torch.full((T, N, S + 4), NEG_INF, dtype=torch.float64)  # two -inf positions at each end
    state = padded[:, :, 2 : S + 2]
    summed[0] = start
    torch.add(start, start_emission, out=state[0])
    windows = padded.unfold(2, 5, 1)  # windows[t, n, r] = state[t, n, r - 2 .. r + 2]
    for t in range(1, T):
        torch.logsumexp(windows[t - 1] + bands, dim=-1, out=summed[t])
        torch.add(summed[t], emission[t], out=state[t])
    return state, summed


def directions(
    logy: torch.Tensor,
    logA: torch.Tensor,
    logA_beta: torch.Tensor,
    start_on_symbol: bool = True,
    start: int = 0,
    alpha_lag: int = 0,
    end_on_final_blank: bool = True,
    end: int = 0,
    beta_lag: int = 0,
) -> Recurrences:
    """Set up the recurrences of alpha and beta of one sequence (see recurrence), side by side.

    logy: (T, S) log y_t(ext[r]); logA, logA_beta: (S, S) the moves alpha and beta follow
    -> (start (2, S), start_emission (2, S), emission (T, 2, S), bands (2, S, 5)); in what recurrence returns,
    state[:, 0] is log alpha and summed[:, 1] log beta (y_t excluded) with time reversed.

    alpha[t, r] = logsumexp_q(alpha[t - 1, q] + logA[q, r]) + logy[t, r] and
    beta[t, r] = logsumexp_q(logA_beta[r, q] + logy[t + 1, q] + beta[t + 1, q]): beta runs backwards in
    time, so it is computed as a forward recurrence over the reversed rows, side by side with alpha.
    Slips: start, the first of the two start positions (0 is right); alpha_lag 1, rows t >= 1 take the
    emission of t - 1; end 1, the two end positions one earlier (S - 3, S - 2); beta_lag 1, rows take the
    emission of t where that of t + 1 belongs.
    """
    T, S = logy.shape
    first = torch.full((S,), NEG_INF, dtype=torch.float64)
    first[start] = logy[0, start]
    if start_on_symbol and start + 1 < S:
        first[start + 1] = logy[0, start + 1]
    last = torch.full((S,), NEG_INF, dtype=torch.float64)
    last[S - 2 - end] = 0.0
    if end_on_final_blank:
        last[S - 1 - end] = 0.0
    # Row t of alpha emits logy[t - lag]; reversed row s of beta passes on logy[T - 1 - s - lag] (rows that
    # would wrap around are never read).
    alpha_emits = torch.roll(logy, alpha_lag, 0)
    beta_emits = torch.roll(logy.flip(0), -beta_lag, 0)
    return (
        torch.stack([first, last]),
        torch.stack([torch.zeros(S, dtype=torch.float64), beta_emits[0]]),
        torch.stack([alpha_emits, beta_emits], dim=1),
        torch.stack([band(logA.T), band(logA_beta)]),
    )


def padded(parts: list[Recurrences]) -> Recurrences:
    """Stack the recurrences of several sequences (each as directions gives them, of its own T and S) into one.

    -> (start (2N, S_max), start_emission (2N, S_max), emission (T_max, 2N, S_max), bands (2N, S_max, 5)),
    sequence n's in rows 2n and 2n + 1. The padding is -inf: positions beyond a sequence's S are never
    reached from its own, and the rows beyond its T are not read.
    """
    T_max = max(p[2].shape[0] for p in parts)
    S_max = max(p[2].shape[2] for p in parts)
    N = 2 * len(parts)
    start = torch.full((N, S_max), NEG_INF, dtype=torch.float64)
    start_emission = torch.full((N, S_max), NEG_INF, dtype=torch.float64)
    emission = torch.full((T_max, N, S_max), NEG_INF, dtype=torch.float64)
    bands = torch.full((N, S_max, 5), NEG_INF, dtype=torch.float64)
    for n, (first, first_emission, emitted, band_n) in enumerate(parts):
        T, _, S = emitted.shape
        start[2 * n : 2 * n + 2, :S] = first
        start_emission[2 * n : 2 * n + 2, :S] = first_emission
        emission[:T, 2 * n : 2 * n + 2, :S] = emitted
        bands[2 * n : 2 * n + 2, :S] = band_n
    return start, start_emission, emission, bands


def scaled(log_rows: torch.Tensor, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Scale log rows (T, S) -> (rows scaled to sum 1, the log scale of each step) as the solution pins them."""
    totals = torch.logsumexp(log_rows, dim=1)
    scale = totals.clone()
    if reverse:
        scale[:-1] = totals[:-1] - totals[1:]
    else:
        scale[1:] = totals[1:] - totals[:-1]
    return array(torch.softmax(log_rows, dim=1)), array(scale)


def lattice(
    probs: np.ndarray,
    target: np.ndarray,
    short: bool,
    hints: bool = True,
    **slip: Any,
) -> dict[str, np.ndarray]:
    """One sequence: probs (T, C), target (L,) -> its lattice outputs (see the step's outputs).

    hints: also what the alternatives are made of (nll, expected_divergence, final_blank_nll,
    plain_nll, gamma_whole_lattice).
    slip: equal_skip, no_skip, skip_everywhere, skip_inverted, beta_skip_at_r, blank_stays, start_on_symbol,
    start_late, alpha_lag, end_on_final_blank, end_early, beta_lag, with_emission change one rule.
    """
    return lattices([(probs, target)], short, hints, **slip)[0]


def lattices(
    seqs: list[tuple[np.ndarray, np.ndarray]],
    short: bool,
    hints: bool = True,
    **slip: Any,
) -> list[dict[str, np.ndarray]]:
    """Compute the lattice outputs of several sequences at once, as lattice gives each.

    seqs: each (probs (T_b, C), target (L_b,)) -> each one's outputs. Their recurrences run side by
    side, one torch step per time step for all.
    """
    setups = [_setup(probs, target, slip) for probs, target in seqs]
    state, summed = recurrence(*padded([parts for *_, parts in setups]))
    outs = []
    for n, (ext, skip, logy, _) in enumerate(setups):
        T, S = logy.shape
        la, lb = state[:T, 2 * n, :S].contiguous(), summed[:T, 2 * n + 1, :S].flip(0)
        outs.append(_outputs(ext, skip, logy, la, lb, short, hints, bool(slip.get("with_emission"))))
    return outs


def _setup(
    probs: np.ndarray, target: np.ndarray, slip: dict[str, Any]
) -> tuple[list[int], list[int], torch.Tensor, Recurrences]:
    """One sequence: probs (T, C), target (L,) -> (ext, skip (S,), logy (T, S), its recurrences (directions))."""
    ext, skip, equal_skip = extend(target)
    if slip.get("equal_skip"):
        skip = equal_skip
    elif slip.get("no_skip"):
        skip = [0] * len(ext)
    elif slip.get("skip_everywhere"):
        skip = [int(r >= 2) for r in range(len(ext))]
    elif slip.get("skip_inverted"):
        skip = [int(r >= 2 and ext[r] != 0 and ext[r] == ext[r - 2]) for r in range(len(ext))]
    logA = log_transitions(ext, skip, slip.get("blank_stays", True))
    # Beta reading skip_connect[r] for the jump r -> r + 2, where skip_connect[r + 2] belongs.
    shifted = [0, 0] + skip[:-2]
    logA_beta = log_transitions(ext, shifted, slip.get("blank_stays", True)) if slip.get("beta_skip_at_r") else logA
    logy = torch.log(tensor(probs))[:, ext]
    parts = directions(
        logy,
        logA,
        logA_beta,
        slip.get("start_on_symbol", True),
        int(slip.get("start_late", 0)),
        int(slip.get("alpha_lag", 0)),
        slip.get("end_on_final_blank", True),
        int(slip.get("end_early", 0)),
        int(slip.get("beta_lag", 0)),
    )
    return ext, skip, logy, parts


def _outputs(
    ext: list[int],
    skip: list[int],
    logy: torch.Tensor,
    la: torch.Tensor,
    lb: torch.Tensor,
    short: bool,
    hints: bool,
    with_emission: bool,
) -> dict[str, np.ndarray]:
    """One sequence's lattice outputs from ext, skip (S,), logy, log alpha and log beta (T, S) (see lattice)."""
    if with_emission:
        lb = lb + logy
    out = {"ext": np.array(ext, dtype=np.float64), "skip": np.array(skip, dtype=np.float64)}
    out["alpha_hat"], out["alpha_log_scale"] = scaled(la)
    out["beta_hat"], out["beta_log_scale"] = scaled(lb, reverse=True)
    out["gamma"] = array(torch.softmax(la + lb, dim=1))
    if short:
        # Long inputs are graded through the log scales, gamma and the loss, which keeps the stored files small.
        out["alpha"], out["beta"] = array(la.exp()), array(lb.exp())
    else:
        del out["alpha_hat"], out["beta_hat"]
    if not hints:
        return out
    out["nll"] = np.array(-float(torch.logsumexp(la[-1, -2:], dim=0)))
    out["whole_row_nll"] = np.array(-float(torch.logsumexp(la[-1], dim=0)))
    out["expected_divergence"] = np.array(-float((torch.softmax(la + lb, dim=1) * logy).sum()))
    out["final_blank_nll"] = np.array(-float(la[-1, -1]))
    # -log of the plain probability: inf where a long input underflows it to 0.
    out["plain_nll"] = array(-torch.log(la[-1, -2:].exp().sum()))
    # The scaled rows multiplied and normalised once over every (t, r), not row by row.
    joint = torch.softmax(la, dim=1) * torch.softmax(lb, dim=1)
    out["gamma_whole_lattice"] = array(joint / joint.sum())
    out["gamma_unnormalised"] = array(joint)
    return out


# Each slip: the rule it changes, and the lattice outputs it changes.
SLIPS: dict[str, tuple[dict[str, bool | int], tuple[str, ...]]] = {
    "equal_skip": ({"equal_skip": True}, ("skip", "alpha_hat", "alpha", "beta_hat", "beta", "gamma", "loss")),
    "no_blank_stay": ({"blank_stays": False}, ("alpha_hat", "alpha", "beta_hat", "beta", "gamma", "loss")),
    "start_blank_only": ({"start_on_symbol": False}, ("alpha_hat", "alpha", "gamma", "loss")),
    "end_symbol_only": ({"end_on_final_blank": False}, ("beta_hat", "beta", "gamma")),
    "beta_with_emission": ({"with_emission": True}, ("beta_hat", "beta", "beta_log_scale")),
    "skip_inverted": ({"skip_inverted": True}, ("skip", "alpha_hat", "alpha", "beta_hat", "beta", "gamma", "loss")),
    "beta_skip_at_r": ({"beta_skip_at_r": True}, ("beta_hat", "beta", "gamma")),
    "alpha_start_late": ({"start_late": 1}, ("alpha_hat", "alpha", "gamma")),
    "beta_end_early": ({"end_early": 1}, ("beta_hat", "beta", "gamma")),
    "alpha_previous_emission": ({"alpha_lag": 1}, ("alpha_hat", "alpha", "alpha_log_scale", "gamma")),
    "beta_own_emission": ({"beta_lag": 1}, ("beta_hat", "beta", "beta_log_scale", "gamma")),
    "no_skip": ({"no_skip": True}, ("alpha_hat", "alpha", "beta_hat", "beta", "gamma", "loss")),
    "skip_everywhere": ({"skip_everywhere": True}, ("alpha_hat", "alpha", "beta_hat", "beta", "gamma", "loss")),
}
LATTICE_KEYS = ("ext", "skip", "alpha_hat", "alpha_log_scale", "beta_hat", "beta_log_scale", "gamma", "alpha", "beta")


def torch_losses(inputs: dict[str, np.ndarray], log_probs: torch.Tensor) -> torch.Tensor:
    """log_probs (T, B, C) -> -log P(target_b) per sequence (B,), from torch.nn.CTCLoss."""
    ctc = torch.nn.CTCLoss(blank=0, reduction="none")
    return ctc(
        log_probs,
        torch.as_tensor(inputs["target"], dtype=torch.long),
        torch.as_tensor(inputs["input_lengths"], dtype=torch.long),
        torch.as_tensor(inputs["target_lengths"], dtype=torch.long),
    )


def ctc_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the lattice outputs and the mean loss of a batch (see autograder/steps/ctc.py for the inputs).

    inputs: logits (T, B, C) probabilities, target (B, L_max), input_lengths (B,), target_lengths (B,), short ().
    Returns the values (ext, skip (B, S_max); alpha_log_scale, beta_log_scale (B, T_max); gamma (B, T_max,
    S_max); alpha_hat, beta_hat, alpha, beta too on short inputs; loss ()) and, when hints are wanted, what
    known slips give.
    """
    short = bool(inputs["short"])
    seqs = list(sequences(inputs))
    hints = hints_wanted()
    per_seq = lattices(seqs, short, hints)
    out = {k: stack([d[k] for d in per_seq]) for k in LATTICE_KEYS if k in per_seq[0]}
    with torch.no_grad():
        nll = torch_losses(inputs, torch.log(tensor(inputs["logits"])))
    B = len(seqs)
    out["loss"] = np.array(float(nll.mean()))
    if not hints:
        return Expected(out)
    alternatives: dict[str, dict[str, np.ndarray]] = {
        "loss": {"unscaled_probabilities": np.array(np.mean([d["plain_nll"] for d in per_seq]))}
    }
    if short:
        alternatives["loss"] |= {
            "batch_sum": np.array(float(nll.sum())),
            "target_length_mean": np.array(float((nll / tensor(inputs["target_lengths"])).mean())),
            "expected_divergence": np.array(np.mean([d["expected_divergence"] for d in per_seq])),
        }
        alternatives["loss"]["final_blank_only"] = np.array(np.mean([d["final_blank_nll"] for d in per_seq]))
        alternatives["loss"]["whole_last_row"] = np.array(np.mean([d["whole_row_nll"] for d in per_seq]))
        alternatives["loss"]["input_length_mean"] = np.array(float((nll / tensor(inputs["input_lengths"])).mean()))
        alternatives["loss"]["last_sequence"] = np.array(float(nll[-1]))
        if len(seqs) <= inputs["logits"].shape[0]:
            # logits read batch-first: sequence b takes logits[b, :input_lengths[b]], min(T_b, B) rows of step b.
            with np.errstate(divide="ignore"):
                read = [
                    lattice(inputs["logits"][b, :n], tg, short)["nll"]
                    for b, (n, (_, tg)) in enumerate(zip(inputs["input_lengths"], seqs))
                ]
            alternatives["loss"]["batch_first"] = np.array(np.mean(read))
        for side in ("alpha_log_scale", "beta_log_scale"):
            alternatives[side] = {"scale_sums": np.where(out[side] != 0, np.exp(out[side]), 0.0)}
        # Rows never divided by their sums are the plain alpha; the plain alpha without its scales is alpha_hat.
        alternatives["alpha_hat"] = {"unnormalised_rows": out["alpha"]}
        alternatives["alpha"] = {"scales_not_applied": out["alpha_hat"]}
        alternatives["gamma"] = {
            "gamma_whole_lattice": stack([d["gamma_whole_lattice"] for d in per_seq]),
            "gamma_unnormalised": stack([d["gamma_unnormalised"] for d in per_seq]),
        }
        for tag, (rule, keys) in SLIPS.items():
            changed: dict[str, Any] = dict(rule)
            slipped = [lattice(p, tg, short, **changed) for p, tg in seqs]
            for key in keys:
                if key == "loss":
                    alternatives["loss"][tag] = np.array(sum(d["nll"] for d in slipped) / B)
                else:
                    alternatives.setdefault(key, {})[tag] = stack([d[key] for d in slipped])
    return Expected(out, distinct(alternatives, out))


def ctc_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute dY (T, B, C), the gradient of the summed -log P with respect to the probabilities.

    inputs: as ctc_forward's. Where hints are wanted on short inputs, also what known slips give.
    """
    probs = tensor(inputs["logits"], grad=True)
    log_probs = torch.log(probs)
    (g_log,) = torch.autograd.grad(torch_losses(inputs, log_probs).sum(), log_probs, retain_graph=True)
    in_time = torch.arange(probs.shape[0])[:, None] < torch.as_tensor(inputs["input_lengths"])[None, :]
    g_log = g_log - torch.where(in_time[:, :, None], log_probs.exp(), torch.zeros(()))
    (dY,) = torch.autograd.grad(log_probs, probs, g_log)
    alternatives = {}
    if bool(inputs["short"]) and hints_wanted():
        # What the gradient with respect to log y, or to the scores before a softmax, would be.
        alternatives["dY"] = {
            "wrt_log_probs": array(g_log),
            "wrt_scores": array(torch.where(in_time[:, :, None], g_log + probs.detach(), torch.zeros(()))),
            "overwritten_repeats": _overwritten_repeats(inputs),
            "gamma_unnormalised": _from_gamma(inputs, "gamma_unnormalised"),
            "divided_by_y_twice": array(torch.where(in_time[:, :, None], dY / probs.detach(), torch.zeros(()))),
        }
    values = {"dY": array(dY)}
    return Expected(values, distinct(alternatives, values))


def _from_gamma(inputs: dict[str, np.ndarray], which: str) -> np.ndarray:
    """Compute dY (T, B, C) from the lattice output `which` in place of gamma: -(its sum per symbol) / y."""
    grad = np.zeros(inputs["logits"].shape)
    for b, (probs, target) in enumerate(sequences(inputs)):
        ext, _, _ = extend(target)
        per_symbol = np.zeros(probs.shape)
        used = lattice(probs, target, short=True)[which]
        for r, k in enumerate(ext):
            per_symbol[:, k] += used[:, r]
        grad[: len(probs), b] = -per_symbol / probs
    return grad


def _overwritten_repeats(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Compute dY (T, B, C) with each position's gamma assigned to its symbol, not added: the last position wins."""
    grad = np.zeros(inputs["logits"].shape)
    for b, (probs, target) in enumerate(sequences(inputs)):
        ext, _, _ = extend(target)
        gamma = lattice(probs, target, short=True, hints=False)["gamma"]
        last_wins = np.zeros(probs.shape)
        for r, k in enumerate(ext):
            last_wins[:, k] = gamma[:, r]
        grad[: len(probs), b] = -last_wins / probs
    return grad


ORACLES = {"ctc_forward": ctc_forward, "ctc_backward": ctc_backward}
