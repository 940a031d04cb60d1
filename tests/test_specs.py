from autograder.steps import Spec
from autograder.steps._specs import Described


def test_the_description_is_filled_in_from_the_params_with_plural_nouns():
    make = Described("batch {batch}, {layers:layer}, {output} classes, temperature {t:g}")
    assert make(batch=3, layers=2, output=4, t=1.0) == Spec(
        "batch 3, 2 layers, 4 classes, temperature 1", {"batch": 3, "layers": 2, "output": 4, "t": 1.0}
    )
    assert make(batch=1, layers=1, output=2, t=0.5).desc == "batch 1, 1 layer, 2 classes, temperature 0.5"


def test_shown_values_describe_left_out_params_and_notes_follow():
    make = Described("V {vocab}, {layers:layer}", {"layers": 1})
    spec = make("zero state", "peaked", vocab=5)
    assert spec == Spec("V 5, 1 layer, zero state, peaked", {"vocab": 5})
    assert make.then("; window {steps}")(vocab=6, layers=3, steps=2).desc == "V 6, 3 layers; window 2"
