"""The BPTT derivation of the handout's questions, as a function: dL/dW and dL/db from the deltas (numpy).

For a recurrence a_k = W x_k + U h_{k-1} + b, h_k = f(a_k), with loss L = sum_t L_t, let
delta_{t,k} = dL_t / da_k, the error of step t's loss carried back to step k (zero for k > t).
Then dL/dW = sum_t sum_k delta_{t,k} x_k^T and dL/db = sum_t sum_k delta_{t,k}.
"""

from __future__ import annotations

import numpy as np


def bptt_gradients(deltas: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compute dL/dW = sum_t sum_k delta_{t,k} x_k^T and dL/db = sum_t sum_k delta_{t,k}.

    Inputs:
    - deltas: of shape (T, T, H), deltas[t, k] = delta_{t,k}
    - xs: inputs, of shape (T, D), xs[k] = x_k

    Returns a tuple of:
    - dW: of shape (H, D), float64
    - db: of shape (H,), float64
    """
    # BEGIN SOLUTION hint: sum deltas over t first, then one product with xs (np.einsum or @)
    per_step = deltas.sum(axis=0)  # (T, H): sum over t of delta_{t,k}, for each k
    dW = per_step.T @ xs
    db = per_step.sum(axis=0)
    return dW, db
    # END SOLUTION
