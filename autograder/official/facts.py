"""What official grading records of how it graded, in every results.json (top-level "extra_data").

The class report (`autograder/classreport/`) shows it, so that the page says how the grades were made.
"""

import platform
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.official.secret import fingerprint
from autograder.report import grading_facts

if TYPE_CHECKING:  # batch.py imports this module
    from autograder.official.batch import Grader


def grader_facts(grader: "Grader") -> dict[str, Any]:
    """-> results.json's top-level "extra_data" for handins graded by `grader`: its settings, runtimes and
    whether the grade is official (not a same-user trial)."""
    import torch

    plan = grader.plan
    return grading_facts("official", {
        "official": all(identity.official for identity in grader.identities),
        "secret_fingerprint": fingerprint(plan.secret),
        "hidden_cases_per_spec": plan.per_spec,
        "timeout": plan.timeout,
        "budget": plan.budget,
        "jobs": len(grader.identities),
        "hidden_visibility": grader.visibility,
        "worker_runtime": grader.identities[0].python if grader.identities else None,
        "torch_worker_runtime": grader.torch_python,
        "grader": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
    })
