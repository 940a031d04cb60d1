"""Each plausible bug in the homework programs fails exactly the steps it should, and says where.

For backpropagation through time the message must name the wrong tensor and
the time step and layer where the first wrong value appears; correct programs
written differently (other loop orders, no call to RNNCell.backward) pass.
"""

from tests.mutants import HW_MUTANTS, HW_VARIANTS, mutants_fail_their_steps, mutants_of_their_own, variants_pass

HW_STEPS = ("rnn_classifier_forward", "rnn_classifier_backward", "gru_inference", "mc")


test_mutant_fails_its_step = mutants_fail_their_steps(HW_MUTANTS, HW_STEPS)
test_correct_variant_passes = variants_pass(HW_VARIANTS)


# The backward step runs the same forward, so a forward bug fails both.
test_every_new_step_has_at_least_three_mutants_failing_only_it = mutants_of_their_own(
    HW_MUTANTS, HW_STEPS, alone=HW_STEPS[1:])
