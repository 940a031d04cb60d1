"""How many threads numpy's BLAS may use, chosen before numpy loads.

The products in a character RNN of the usual size are small (a 100 x 100 matrix times a few
rows): spread over several threads, each product spends more on handing work over than it
saves, and on a busy machine a thread waiting for a core stalls every one of them. So the
command line limits BLAS to one thread unless told otherwise.

OpenBLAS, MKL, BLIS, Apple's Accelerate and OpenMP read their thread count from the
environment once, when numpy loads. Setting those variables needs nothing beyond numpy (a
switch at run time, such as threadpoolctl, would be one more package to install), at the
price of deciding before numpy is imported: this module must not import it.
"""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
DEFAULT_THREADS = 1


def limit_blas_threads(threads: int | None) -> bool:
    """Set the BLAS thread count for numpy, if numpy has not loaded yet.

    Inputs:
    - threads: None for this program's default (DEFAULT_THREADS, unless one of THREAD_VARIABLES is
      already set: an explicit environment is kept); N >= 1 for N threads (overriding the environment);
      0 to leave the environment alone (the library's own default: usually every core)

    Returns:
    - True when the setting can take effect, False when numpy is already loaded (then the thread count
      is whatever it was when numpy loaded)
    """
    if threads is not None and threads < 0:
        raise ValueError(f"the number of BLAS threads must be 0 or more, got {threads}")
    if "numpy" in sys.modules:
        return False
    if threads is None:
        if not any(name in os.environ for name in THREAD_VARIABLES):
            os.environ.update({name: str(DEFAULT_THREADS) for name in THREAD_VARIABLES})
    elif threads > 0:
        os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    return True
