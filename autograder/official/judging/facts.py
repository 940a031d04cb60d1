"""What official grading records of how it graded, in every results.json (top-level "extra_data").

The class report (`autograder/classreport/`) shows it, so that the page says how the grades were made.
"""

import platform
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.official.judging.secret import fingerprint
from autograder.report import grading_facts

if TYPE_CHECKING:
    from autograder.official.confine.identity import Identity
    from autograder.official.judging.plan import Plan


def grader_facts(
    plan: "Plan",
    identities: "list[Identity]",
    torch_python: str | None,
    visibility: str | None,
    torch_steps_skipped: bool = False,
) -> dict[str, Any]:
    """Return results.json's top-level "extra_data" for handins graded with `plan`.

    identities: the worker identities, one per parallel slot; torch_python: the torch steps' runtime;
    visibility: Gradescope's hidden-case visibility. The facts: the settings, runtimes, whether the grade is
    official (not a same-user trial) and what kept student code from the machine ("isolation": sandbox.VIEW,
    PERMISSIONS or TRIAL; "isolation_detail" in words).
    """
    import torch

    from autograder.official.confine.sandbox import describe, isolation
    from autograder.report import ISOLATION_KEY

    facts = grading_facts(
        "official",
        {
            "official": all(identity.official for identity in identities),
            "secret_fingerprint": fingerprint(plan.secret),
            "hidden_cases_per_spec": plan.per_spec,
            "timeout": plan.timeout,
            "budget": plan.budget,
            "jobs": len(identities),
            "hidden_visibility": visibility,
            "worker_runtime": identities[0].python if identities else None,
            "torch_worker_runtime": torch_python,
            "torch_steps": "not graded (--skip-torch-steps)" if torch_steps_skipped else "graded",
            "isolation_detail": describe(identities[0]) if identities else None,
            "grader": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
        },
    )
    facts[ISOLATION_KEY] = isolation(identities[0]) if identities else None
    return facts
