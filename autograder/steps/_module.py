"""What a module's two steps share: forward, then backward with parameter gradients.

Every module with parameters (Linear, RNNCell, GRUCell, LSTMCell) is graded
the same way: forward on a set of shapes and flavours; backward on the same
cases plus two more (`accumulation_specs`), one where forward+backward runs
twice without zero_grad() (gradients must accumulate) and one where
zero_grad() runs in between (it must reset them). `calls` stacks the inputs
of repeated calls on a leading axis; `zero_grad_before[k]` says whether
zero_grad() runs first.
Every backward catalog ends with the two accumulation bugs (`ACCUMULATION_BUGS`).
"""

from autograder.steps import Output, Spec

# The known bugs of repeated backward calls; the oracles compute them with `_torch.accumulate`.
ACCUMULATION_BUGS = {
    "last_call_only": "it equals the gradient of the last backward call alone: "
    "gradients must accumulate (+=) until zero_grad()",
    "no_zero_grad": "it still contains the gradient from before zero_grad(): zero_grad() must reset it",
}


def _shape(params: dict) -> str:
    return ", ".join(f"{name} {size}" for name, size in params.items())


def accumulation_specs(twice: dict, reset: dict, calls: str = "forward+backward") -> tuple[Spec, Spec]:
    """-> the accumulation case (two calls) and the reset case (two calls, zero_grad() before the second).

    twice, reset: the two cases' sizes (name -> size, described in that order); calls: what one repetition
    runs, for the description.
    """
    return (
        Spec(f"{_shape(twice)}; {calls} twice without zero_grad (gradients accumulate)", {**twice, "calls": 2}),
        Spec(f"{_shape(reset)}; {calls}, zero_grad(), {calls} again", {**reset, "calls": 2, "zero_grad_at": (1,)}),
    )


def gradient_outputs(returned: tuple[str, ...], grads: tuple[str, ...]) -> tuple[Output, ...]:
    """-> the graded outputs of a backward: what it returns (names, in order), then the gradient attributes."""
    several = len(returned) > 1
    return tuple(
        Output(name, position=i if several else None, returns=name) for i, name in enumerate(returned)
    ) + tuple(Output(g) for g in grads)
