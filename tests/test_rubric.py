"""The rubric file and selecting steps from it."""

import json

import pytest

from autograder.rubric import load_rubric, nearest_steps, select_steps, step_groups
from autograder.steps import QuizStep, all_steps

IDS = [e.id for e in load_rubric()]


def test_every_rubric_step_exists_and_only_mc_is_a_quiz():
    steps = all_steps()
    assert set(IDS) == set(steps)
    assert [i for i in IDS if isinstance(steps[i], QuizStep)] == ["mc"]


@pytest.mark.parametrize("steps, says", [
    ([{"id": "a", "points": 1, "file": "f.py"}, {"id": "a", "points": 1, "file": "f.py"}], "listed twice"),
    ([{"id": "b", "points": 1, "file": "f.py", "depends": ["a"]}], "must come earlier"),
    ([{"id": "b", "file": "f.py"}], "not a valid rubric"),
])
def test_malformed_rubrics_are_refused_by_name(tmp_path, steps, says):
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps({"steps": steps}))
    with pytest.raises(ValueError, match=says):
        load_rubric(path)


def test_select_by_id_or_group_prefix_in_rubric_order():
    assert select_steps(IDS, ["gru"]) == (["gru_forward", "gru_backward", "gru_inference"], [])
    assert select_steps(IDS, ["rnn_classifier", "linear_backward"]) == (
        ["linear_backward", "rnn_classifier_forward", "rnn_classifier_backward"], [])
    # A prefix ends at an underscore: "rnn" also names the classifier's steps, "rn" names nothing.
    assert select_steps(IDS, ["rnn"])[0] == ["rnn_forward", "rnn_backward", "rnn_classifier_forward",
                                               "rnn_classifier_backward"]
    assert select_steps(IDS, ["rn", "mc", "char_rnn_x"]) == (["mc"], ["rn", "char_rnn_x"])
    # A trailing underscore spells the same group: `ctc_` is `ctc`.
    assert select_steps(IDS, ["gru_"]) == select_steps(IDS, ["gru"])
    assert select_steps(IDS, ["_"]) == ([], ["_"])


def test_a_misspelt_step_or_group_has_its_nearest_ids_and_groups():
    assert nearest_steps(IDS, "gruu")[0] == "gru"
    assert nearest_steps(IDS, "linear_forwad")[0] == "linear_forward"
    assert nearest_steps(IDS, "xyzzy") == []
    assert {"rnn", "rnn_classifier", "gru"} <= set(step_groups(IDS)) and "mc" not in step_groups(IDS)
