"""Fingerprints of what produced a reference: case specs and oracle sources."""

import dataclasses

from autograder.paths import ROOT
from autograder.references.fingerprint import case_fingerprint, oracle_sources, source_fingerprint
from autograder.steps import Output, Spec, all_steps
from autograder.tolerance import Tolerance


def test_case_fingerprint_changes_with_specs_and_outputs_only():
    step = all_steps()["linear_forward"]

    def with_specs(specs):
        return dataclasses.replace(step, cases=dataclasses.replace(step.cases, specs=specs))

    same = with_specs(tuple(Spec(s.desc, dict(s.params)) for s in step.specs))
    assert case_fingerprint(same) == case_fingerprint(step)
    spec = step.specs[0]
    moved = with_specs((Spec(spec.desc, {**spec.params, "batch": 5}),) + step.specs[1:])
    renamed = with_specs((Spec(spec.desc + "!", spec.params),) + step.specs[1:])
    more = dataclasses.replace(step, outputs=step.outputs + (Output("z"),))
    prints = {case_fingerprint(s) for s in (step, moved, renamed, more)}
    assert len(prints) == 4
    assert case_fingerprint(dataclasses.replace(step, tolerance=Tolerance(1e-3))) == case_fingerprint(step)


def test_oracle_sources_follow_imports_within_the_oracle_package():
    assert oracle_sources("autograder.oracles.gru_inference", ROOT) == [
        "autograder/oracles/_hints.py", "autograder/oracles/_torch.py", "autograder/oracles/gru_cell.py",
        "autograder/oracles/gru_inference.py"]


def test_source_fingerprint_ignores_line_endings_and_sees_edits(tmp_path):
    (tmp_path / "a.py").write_bytes(b"x = 1\ny = 2\n")
    first = source_fingerprint(["a.py"], tmp_path)
    (tmp_path / "a.py").write_bytes(b"x = 1\r\ny = 2\r\n")
    assert source_fingerprint(["a.py"], tmp_path) == first
    (tmp_path / "a.py").write_bytes(b"x = 1\ny = 3\n")
    assert source_fingerprint(["a.py"], tmp_path) != first
    assert source_fingerprint(["a.py", "missing.py"], tmp_path) is None
