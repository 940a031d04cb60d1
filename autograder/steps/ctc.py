"""Steps `ctc_forward` and `ctc_backward`: mytorch/ctc.py.

A case is a padded batch: `logits` (T, B, C) probabilities (softmax of random scores,
padding steps included), `target` (B, L_max) ints padded with 0, `input_lengths` and
`target_lengths` (B,). `ctc_forward` runs the student's CTC methods on each sequence
and stacks what they return with the batch first, zero-padded to the longest sequence
(messages name them `alpha_hat[b, t, r]`: sequence b of the batch), then CTCLoss.forward on the whole batch. The
unscaled alpha and beta (which underflow) and, to keep the stored files small, the scaled
rows are compared only on short inputs (`short`); the log scales, gamma and the loss on
every case, up to T in the hundreds.
"""

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograder.locators.ctc import locate
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._numbers import number
from autograder.steps._student import owned, student_attr

SHORT_T = 30


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> logits (T, B, C), target (B, L_max), input_lengths (B,), target_lengths (B,), short ()."""
    K = spec["symbols"]
    target_lengths = np.array(spec["targets"], dtype=np.int64)
    targets = []
    for n in target_lengths:
        tg = rng.integers(1, K + 1, size=n)
        if spec.get("repeat"):
            tg[1::2] = tg[0::2][: n // 2]  # pairs of equal neighbours: a a b b ...
        targets.append(tg)
    if spec.get("minimal"):
        # The fewest steps that can emit the target: one per symbol, plus a blank between equal neighbours.
        input_lengths = np.array([len(t) + int(np.sum(t[1:] == t[:-1])) for t in targets], dtype=np.int64)
    else:
        input_lengths = np.array(spec["lengths"], dtype=np.int64)
    T, B = int(input_lengths.max()), len(targets)
    target = np.zeros((B, int(target_lengths.max())), dtype=np.int64)
    for b, tg in enumerate(targets):
        target[b, : len(tg)] = tg
    logits = _softmax(rng.standard_normal((T, B, K + 1)) * spec.get("scale", 1.0), axis=2)
    return {
        "logits": logits,
        "target": target,
        "input_lengths": input_lengths,
        "target_lengths": target_lengths,
        "short": np.array(T <= SHORT_T),
    }


def sequences(inputs: dict[str, np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (probabilities (T_b, C), target (L_b,)) for each sequence of the batch, copied."""
    for b, (n_in, n_target) in enumerate(zip(inputs["input_lengths"], inputs["target_lengths"])):
        yield inputs["logits"][:n_in, b].copy(), inputs["target"][b, :n_target].copy()


def stack(parts: list[np.ndarray]) -> np.ndarray:
    """Per-sequence arrays of equal rank -> one float64 array with the batch first, zero-padded."""
    shape = (len(parts),) + tuple(max(p.shape[i] for p in parts) for i in range(parts[0].ndim))
    out = np.zeros(shape)
    for b, p in enumerate(parts):
        out[(b,) + tuple(slice(0, n) for n in p.shape)] = p
    return out


def _array(value: Any, shape: tuple[int, ...], what: str, indices: bool = False) -> np.ndarray:
    """-> a returned value checked against the shape this sequence needs (its values are compared later).

    indices: the value holds indices or flags (any integer or boolean array, or a list of them);
    otherwise it must be a float64 array.
    """
    if indices and isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{what} must be a numpy array of shape {shape}, got {type(value).__name__}")
    if value.shape != shape:
        raise ValueError(f"{what} has shape {value.shape}; for this sequence it must be {shape}")
    if indices and value.dtype.kind not in "biu":
        raise TypeError(f"{what} must hold integers, got dtype {value.dtype}")
    if not indices and value.dtype != np.float64:
        raise TypeError(f"{what} must be float64, got dtype {value.dtype} (keep every array in float64)")
    return value


def _pair(result: Any, method: str) -> tuple[Any, Any]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):  # the course unpacks it
        raise TypeError(f"{method} must return a tuple of two arrays, got {type(result).__name__}")
    return result[0], result[1]


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's CTC and CTCLoss.forward on each sequence; store every intermediate and the loss in out."""
    ctc = student_attr("mytorch.ctc", "CTC")(BLANK=0)
    seqs = list(sequences(inputs))
    lattices: list[dict[str, Any]] = []
    for probs, target in seqs:
        S = 2 * len(target) + 1
        ext, skip = _pair(ctc.extend_target_with_blank(target), "extend_target_with_blank")
        lattices.append(
            {
                "probs": probs,
                "T": len(probs),
                "S": S,
                "ext": _array(
                    ext, (S,), "extended_symbols (a blank before, between and after the target's symbols)", indices=True
                ),
                "skip": _array(skip, (S,), "skip_connect", indices=True),
            }
        )
    for key in ("ext", "skip"):
        out[key] = stack([np.array(d[key], dtype=np.float64) for d in lattices])

    def each(method: str, names: tuple[str, ...]) -> None:
        results = []
        for d in lattices:
            args = (d["probs"], np.array(d["ext"], copy=True), np.array(d["skip"], copy=True))
            got = getattr(ctc, method)(*args)
            got = _pair(got, method) if len(names) == 2 else (got,)
            shapes = [(d["T"],) if n.endswith("log_scale") else (d["T"], d["S"]) for n in names]
            results.append([_array(g, s, f"{method}: {n}") for g, s, n in zip(got, shapes, names)])
            if names[0] in ("alpha_hat", "beta_hat"):
                d[names[0]] = results[-1][0]
        for i, name in enumerate(names):
            out[name] = stack([np.array(r[i], dtype=np.float64) for r in results])

    each("get_scaled_forward_probs", ("alpha_hat", "alpha_log_scale"))
    each("get_scaled_backward_probs", ("beta_hat", "beta_log_scale"))
    gammas = []
    for d in lattices:
        got = ctc.get_posterior_probs(np.array(d["alpha_hat"], copy=True), np.array(d["beta_hat"], copy=True))
        gammas.append(np.array(_array(got, (d["T"], d["S"]), "get_posterior_probs"), dtype=np.float64))
    out["gamma"] = stack(gammas)
    if bool(inputs["short"]):
        each("get_forward_probs", ("alpha",))
        each("get_backward_probs", ("beta",))
    loss = student_attr("mytorch.ctc", "CTCLoss")(BLANK=0)
    out["loss"] = number(
        owned(loss.forward(inputs["logits"], inputs["target"], inputs["input_lengths"], inputs["target_lengths"])),
        "the loss CTCLoss.forward returned",
    )


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's CTCLoss.forward then backward; store the returned dY in out."""
    loss = student_attr("mytorch.ctc", "CTCLoss")(BLANK=0)
    loss.forward(inputs["logits"], inputs["target"], inputs["input_lengths"], inputs["target_lengths"])
    out["dY"] = owned(loss.backward())


def _listed(sizes: list[int]) -> str:
    # [8] -> "8", [12, 9] -> "12 and 9", [8, 5, 7] -> "8, 5 and 7"
    words = [str(n) for n in sizes]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def _spec(*notes: str, symbols: int, targets: list[int], **params: Any) -> Spec:
    """-> a spec whose description is written from its sizes, then the notes.

    symbols: C - 1 (the blank is extra); targets: each sequence's target length; params: lengths (each input
    length T) or minimal (T the fewest steps each target needs), repeat (targets in pairs of equal symbols,
    a a b b), scale (of the logits before the softmax).
    e.g. "padded batch of 3: T 8, 5 and 7; targets of 3, 1 and 2; 4 symbols".
    """
    lengths = params.get("lengths")
    if len(targets) == 1:
        head, target = "one sequence", f"a target of {targets[0]}"
    else:
        padded = len(set(targets)) > 1 or lengths is None or len(set(lengths)) > 1
        head, target = f"{'padded ' if padded else ''}batch of {len(targets)}", f"targets of {_listed(targets)}"
    steps = f"T {_listed(lengths)}" if lengths else "T the fewest steps each target needs"
    if params.get("repeat"):
        target += " with repeated symbols (a a b b ...)"
    desc = "; ".join((f"{head}: {steps}", target, f"{symbols} symbols", *notes))
    return Spec(desc, {"symbols": symbols, "targets": targets, "batch": len(targets), **params})


SPECS = (
    _spec(symbols=3, targets=[2], lengths=[6]),
    _spec(symbols=4, targets=[3, 1, 2], lengths=[8, 5, 7]),
    _spec(symbols=3, targets=[4], lengths=[10], repeat=True),
    _spec(symbols=2, targets=[1, 1], lengths=[1, 5]),
    _spec(symbols=4, targets=[4, 3], minimal=True, repeat=True),
    _spec("peaked outputs", symbols=5, targets=[5, 4], lengths=[12, 9], scale=4.0),
    _spec("plain probabilities underflow", symbols=20, targets=[12, 8], lengths=[300, 180], scale=2.0),
    _spec("plain probabilities underflow", symbols=40, targets=[30], lengths=[200], repeat=True, scale=2.0),
)


# Known bugs of CTC (tags of the alternatives autograder/oracles/ctc.py computes).
FORWARD_BUGS = {
    "equal_skip": "it matches a lattice that also skips the blank between two equal symbols: "
    "skip_connect[r] is 1 only when extended_symbols[r] differs from extended_symbols[r - 2]",
    "no_blank_stay": "it matches a lattice where a blank position cannot stay on itself (blank to blank) "
    "from t - 1 to t",
    "start_blank_only": "it matches a lattice that starts only on the first blank: at t = 0 both position 0 "
    "(blank) and position 1 (the first symbol) are possible",
    "end_symbol_only": "it matches a lattice that ends only on the last symbol: beta[T - 1] is 1 at both "
    "the last symbol (S - 2) and the final blank (S - 1)",
    "beta_with_emission": "it includes y_t(extended_symbols[r]) in beta[t, r]: beta starts after time t "
    "(beta[T - 1, S - 1] = 1), the emission at t belongs to alpha",
    "unnormalised_rows": "it is the plain alpha: each row of alpha_hat is divided by its sum (and the log of that "
    "sum kept as the step's scale)",
    "scales_not_applied": "it is alpha_hat, the scaled rows: the plain alpha multiplies each row back by the "
    "product of the scales so far",
    "gamma_whole_lattice": "it is normalised over the whole lattice: gamma[t] = alpha_hat[t] * beta_hat[t] divided "
    "by that row's sum, for each t",
    "final_blank_only": "it takes P from the final blank alone: P is the sum of alpha at the last time step over "
    "the last symbol and the final blank",
    "unscaled_probabilities": "the plain probabilities underflow to 0 over a long input (and log 0 = -inf): take "
    "log P from the scaled forward pass, the sum of its log scales",
    "batch_sum": "it is the sum over the batch: the loss is the mean over the sequences",
    "target_length_mean": "each sequence's loss is divided by its target length (torch's reduction='mean'): "
    "the loss is the plain mean of -log P over the batch",
    "skip_inverted": "it matches skip flags set where the symbols are equal: skip_connect is 1 where the symbol "
    "differs from the one two positions back",
    "beta_skip_at_r": "it matches beta reading skip_connect[r] where skip_connect[r + 2] belongs: the jump from "
    "r to r + 2 is allowed by the flag of the position it lands on",
    "alpha_start_late": "it matches alpha starting one position late: alpha[0] is y_0 at position 0 (blank) and "
    "position 1 (the first symbol), zero elsewhere",
    "beta_end_early": "it matches beta ending one position early: beta[T - 1] is 1 at the last symbol (S - 2) and "
    "the final blank (S - 1), zero elsewhere",
    "alpha_previous_emission": "it matches alpha taking y_{t-1} where y_t belongs: alpha[t, r] includes the "
    "emission of its own step, y_t(extended_symbols[r])",
    "beta_own_emission": "it matches beta taking y_t where y_{t+1} belongs: beta[t] sums over the next step's "
    "positions times their emission at t + 1",
    "no_skip": "it matches a lattice without the skip from r - 2: a symbol that differs from the one two positions "
    "back may be entered from r - 2, jumping the blank between them (skip_connect[r] = 1)",
    "skip_everywhere": "it matches a lattice where skip_connect is ignored: only a symbol that differs from the one "
    "two positions back may be entered from r - 2 (never a blank, never an equal symbol)",
    "scale_sums": "log_scale holds the sums themselves: it holds their logs, log(alpha[t].sum()) for each t",
    "gamma_unnormalised": "gamma is not normalised: each row of gamma sums to 1, "
    "gamma[t] = alpha_hat[t] * beta_hat[t] divided by that row's sum",
    "whole_last_row": "it takes P from the whole last row of alpha: P is the sum of alpha at the last time step "
    "over the last symbol and the final blank only",
    "input_length_mean": "each sequence's loss is divided by its input length: the loss is the plain mean of "
    "-log P over the batch",
    "batch_first": "it matches reading the probabilities batch-first (logits[b, :T]): logits is (T, B, C), so "
    "sequence b is logits[:input_lengths[b], b]",
    "last_sequence": "it is the loss of the last sequence of the batch alone: the loss is the mean over all of them",
    "expected_divergence": "it is the expected divergence -sum gamma log y, not -log P: the loss is minus the "
    "log of the total probability of the target (log P from the scaled forward pass)",
}
BACKWARD_BUGS = {
    "divided_by_y_twice": "it is divided by y twice: dY = -(sum of gamma per symbol) / y, once",
    "gamma_unnormalised": "it matches a gradient from gamma not normalised (alpha * beta as they are): "
    "each row of gamma sums to 1",
    "overwritten_repeats": "each symbol gets the gamma of only one of its positions: a symbol (the blank above all) "
    "sits at several positions of the extended target, and their gammas add up (np.add.at)",
    "wrt_log_probs": "it is the gradient with respect to log y (-sum of gamma per symbol): "
    "dY is with respect to the probabilities y themselves, so divide by y",
    "wrt_scores": "it is y - (sum of gamma per symbol), the gradient with respect to the scores before a softmax "
    "(what torch's CTC backward returns): dY is with respect to the probabilities y, -(sum of gamma) / y",
}


FORWARD_OUTPUTS = (
    Output("ext", "CTC.extend_target_with_blank", "extended_symbols[b, r]"),
    Output("skip", "CTC.extend_target_with_blank", "skip_connect[b, r]"),
    Output("alpha_hat", "CTC.get_scaled_forward_probs", "alpha_hat[b, t, r]"),
    Output("alpha_log_scale", "CTC.get_scaled_forward_probs", "log_scale[b, t]"),
    Output("beta_hat", "CTC.get_scaled_backward_probs", "beta_hat[b, t, r]"),
    Output("beta_log_scale", "CTC.get_scaled_backward_probs", "log_scale[b, t]"),
    Output("gamma", "CTC.get_posterior_probs", "gamma[b, t, r] (from alpha_hat and beta_hat)"),
    Output("alpha", "CTC.get_forward_probs", "alpha[b, t, r]"),
    Output("beta", "CTC.get_backward_probs", "beta[b, t, r]"),
    Output("loss", "CTCLoss.forward", "returned loss"),
)
BACKWARD_OUTPUTS = (Output("dY", tensor="returned dY (T, B, C)"),)
# The loss's backward runs on the forward's cases.
CASES = Cases(SPECS, build)
STEPS = (
    Step(
        "ctc_forward", "CTC and CTCLoss.forward", CASES, run_forward, FORWARD_OUTPUTS, locate=locate, bugs=FORWARD_BUGS
    ),
    Step("ctc_backward", "CTCLoss.backward", CASES, run_backward, BACKWARD_OUTPUTS, bugs=BACKWARD_BUGS),
)
