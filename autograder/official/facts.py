"""What official grading records of how it graded, in every results.json (top-level "extra_data").

The class report (`autograder/classreport/`) shows it, so that the page says how the grades were made.
"""

import platform
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.official.secret import fingerprint
from autograder.report import grading_facts

if TYPE_CHECKING:
    from autograder.official.identity import Identity
    from autograder.official.plan import Plan


def grader_facts(plan: "Plan", identities: "list[Identity]", torch_python: str | None,
                 visibility: str | None) -> dict[str, Any]:
    """-> results.json's top-level "extra_data" for handins graded with `plan` by the worker `identities` (one
    per parallel slot), with the torch steps' runtime and Gradescope's hidden-case visibility: the settings,
    runtimes and whether the grade is official (not a same-user trial)."""
    import torch

    return grading_facts("official", {
        "official": all(identity.official for identity in identities),
        "secret_fingerprint": fingerprint(plan.secret),
        "hidden_cases_per_spec": plan.per_spec,
        "timeout": plan.timeout,
        "budget": plan.budget,
        "jobs": len(identities),
        "hidden_visibility": visibility,
        "worker_runtime": identities[0].python if identities else None,
        "torch_worker_runtime": torch_python,
        "grader": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
    })
