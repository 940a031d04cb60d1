"""The rubric file and selecting steps from it."""
from autograder.rubric import load_rubric, select_steps

IDS = [e.id for e in load_rubric()]


def test_only_mc_is_marked_officially():
    assert [e.id for e in load_rubric() if e.marked_officially] == ["mc"]


def test_select_by_id_or_group_prefix_in_rubric_order():
    assert select_steps(IDS, ["gru"]) == (["gru_forward", "gru_backward", "gru_inference"], [])
    assert select_steps(IDS, ["rnn_classifier", "linear_backward"]) == (
        ["linear_backward", "rnn_classifier_forward", "rnn_classifier_backward"], [])
    # A prefix ends at an underscore: "rnn" also names the classifier's steps, "rn" names nothing.
    assert select_steps(IDS, ["rnn"])[0] == ["rnn_forward", "rnn_backward", "rnn_classifier_forward",
                                               "rnn_classifier_backward"]
    assert select_steps(IDS, ["rn", "mc", "char_rnn_"]) == (["mc"], ["rn", "char_rnn_"])
