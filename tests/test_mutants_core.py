"""Each plausible bug in a core module fails exactly the steps it should, naming the right tensor."""

from tests.mutants import CORE_MUTANTS, CORRECT_VARIANTS, mutants_fail_their_steps, mutants_of_their_own, variants_pass

# Beyond the mutant's own steps, only steps built on the broken code may fail.
test_mutant_fails_its_step = mutants_fail_their_steps(CORE_MUTANTS, allow_downstream=True)
test_correct_variant_passes = variants_pass(CORRECT_VARIANTS)


# lstm_backward runs the student's forward, so a forward bug in what backward reads fails both.
test_each_lstm_step_has_at_least_three_mutants_of_its_own = mutants_of_their_own(
    CORE_MUTANTS, ("lstm_forward", "lstm_backward"), alone=("lstm_backward",))
