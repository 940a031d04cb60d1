"""A handin's worker folder: the batch's base folder, and one handin's files, inputs and job list in it.

The folder holds the shipped release files with the solution regions
stubbed, the handin's files over them, the autograder less its oracles, the
inputs of every job and the job list (`plan.json`); then it becomes the
worker identity's alone.
"""

import json
import os
import secrets
from pathlib import Path

from autograder.official.confine import identity as identities
from autograder.official.confine import sandbox
from autograder.official.confine.limits import Limits
from autograder.official.intake.handin import HandinError
from autograder.official.judging.plan import Job, Plan
from autograder.official.worker import wire


def make_base() -> Path:
    """-> a fresh folder for the batch's worker folders: root's, traversable (0711) but not listable."""
    base = sandbox.base_folder() / f"rnn-official-{secrets.token_hex(6)}"
    base.mkdir(mode=0o700)
    os.chmod(base, 0o711)
    return base


def prepare_folder(
    plan: Plan, jobs: list[Job], files: dict[str, str], folder: Path, identity: identities.Identity, limits: Limits
) -> None:
    """Write the worker's (created, possibly mounted) folder, then make it the identity's (0700).

    It gets the stubbed release files, the handin over them, the autograder, the worker, the inputs and the job
    list. Raises HandinError when a file cannot be placed.
    """
    for rel, data in plan.shipped.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel, text in {**plan.stubbed, **files}.items():
        path = folder / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise HandinError(f"{rel}: cannot be placed ({exc.strerror}); a file and a folder share a name?") from None
    inputs = {f"j{n:04d}/{k}": v for n, job in enumerate(jobs) for k, v in job.inputs.items()}
    (folder / "inputs.bin").write_bytes(wire.write_arrays(inputs))
    cpu = int(plan.budget) + 30
    (folder / "plan.json").write_text(
        json.dumps(
            {
                "timeout": plan.timeout,
                "jobs": [{"step": job.step, "kind": job.kind.value} for job in jobs],
                "limits": limits.rlimits(cpu, per_uid=identity.official),
            }
        )
    )
    if identity.uid is not None and identity.gid is not None:
        for path in [folder, *folder.rglob("*")]:
            os.lchown(path, identity.uid, identity.gid)
