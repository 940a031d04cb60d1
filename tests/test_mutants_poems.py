"""Plausible student bugs in hw/poems fail exactly the steps they should, naming what went wrong.

gen_poem runs the student's RNN_model, so a model bug also fails poem_generate (whose message
then points at poem_model); bugs in the generation loop fail poem_generate alone.
"""

import ast

import pytest

from autograder.rubric import load_rubric
from tests.tree import REPO

# The poem homework is written in torch.
pytest.importorskip("torch")

from tests.mutants import mutant, mutants_fail_their_steps, mutants_of_their_own, variants

PRE = "hw/poems/preprocess.py"
MODEL = "hw/poems/model.py"
GEN = "hw/poems/generate.py"
BPTT = "hw/poems/bptt.py"
PREPROCESS, FORWARD, GENERATE, SUMS = "poems_preprocess", "poem_model", "poem_generate", "poem_bptt"
BOTH = {FORWARD, GENERATE}

POEM_MUTANTS = (
    # poems_preprocess
    mutant("title kept with the content", PRE, 'content = line.split(":", 1)[1] if ":" in line else line',
           "content = line", PREPROCESS, ("lengths of poems_vector", "kept poem 0", "got 'G")),
    mutant("split at the last colon", PRE, 'content = line.split(":", 1)[1] if ":" in line else line',
           'content = line.rsplit(":", 1)[1] if ":" in line else line', PREPROCESS, "a second colon",
           hint="splitting the title at the last colon"),
    mutant("lines with G or E inside kept", PRE, "if any(c in content for c in skip + START_TOKEN + END_TOKEN):",
           "if any(c in content for c in skip):", PREPROCESS, ("tokens G, E inside are skipped", "poems kept")),
    mutant("length bound exclusive", PRE, "if not min_length <= len(content) <= max_length:",
           "if not min_length < len(content) < max_length:", PREPROCESS, ("poems kept", "check which lines"),
           hint="exclusive length bounds"),
    mutant("length counted with the tokens", PRE, "if not min_length <= len(content) <= max_length:",
           "if not min_length <= len(content) + 2 <= max_length:", PREPROCESS, "poems kept"),
    mutant("ties broken by first appearance", PRE, "key=lambda c: (-counts[c], ord(c))",
           "key=lambda c: -counts[c]", PREPROCESS, ("int_word_map", "expected 'E', got 'G'"),
           hint="ties by first appearance"),
    mutant("least frequent first", PRE, "key=lambda c: (-counts[c], ord(c))",
           "key=lambda c: (counts[c], ord(c))", PREPROCESS, ("int_word_map", "first difference at index 0")),
    mutant("no padding entry", PRE, "sorted(counts, key=lambda c: (-counts[c], ord(c))) + [PAD]",
           "sorted(counts, key=lambda c: (-counts[c], ord(c)))", PREPROCESS, ("int_word_map", "shape")),
    mutant("vectors without the start token", PRE, "poems_vector = [[word_int_map[c] for c in poem] for poem in poems]",
           "poems_vector = [[word_int_map[c] for c in poem[1:]] for poem in poems]", PREPROCESS,
           ("poems_vector", "kept poem 0 (read through int_word_map): expected 'G")),
    mutant("int_word_map keyed by character", PRE, "int_word_map = dict(enumerate(words))",
           "int_word_map = {w: w for w in words}", PREPROCESS, "int_word_map must map int -> str"),
    # poem_model
    mutant("one LSTM layer", MODEL, "num_layers=LAYERS,", "num_layers=1,", BOTH,
           ("expected num_layers=2", "got num_layers=1"), step=FORWARD),
    mutant("LSTM not batch first", MODEL, "LAYERS, batch_first=True", "LAYERS, batch_first=False", BOTH,
           "expected batch_first=True", step=FORWARD),
    mutant("Linear from the embedding size", MODEL, "self.fc = nn.Linear(lstm_hidden_dim, vocab_len)",
           "self.fc = nn.Linear(embedding_dim, vocab_len)", BOTH, "must be nn.Linear", step=FORWARD),
    mutant("no Xavier initialisation", MODEL, "        self.apply(weights_init)\n", "", BOTH,
           "Xavier", step=FORWARD),
    mutant("random initial states", MODEL,
           "zeros = torch.zeros(LAYERS, batch_size, self.lstm_dim, dtype=batch_input.dtype, device=batch_input.device)",
           "zeros = torch.randn(LAYERS, batch_size, self.lstm_dim, dtype=batch_input.dtype, device=batch_input.device)",
           BOTH, ("logits (B * T, V), training mode", "Mismatched elements"), step=FORWARD),
    mutant("test mode returns the first step", MODEL, "return logits[-1:, :]", "return logits[:1, :]", BOTH,
           ("logits (1, V) with is_test=True", "the last step's row"), step=FORWARD,
           hint="with is_test=True return the last step's row"),
    mutant("states carried from call to call", MODEL, "output, _ = self.rnn_lstm(batch_input, (zeros, zeros))",
           "output, kept = self.rnn_lstm(batch_input, self.__dict__.get(f's{batch_size}', (zeros, zeros)))\n"
           "        self.__dict__[f's{batch_size}'] = tuple(s.detach() for s in kept)", BOTH,
           ("logits of a second call", "zero hidden and cell states"), step=FORWARD,
           hint="every call must start from zero hidden and cell states"),
    mutant("softmax applied to the logits", MODEL, "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = torch.softmax(self.fc(output.reshape(-1, self.lstm_dim)), dim=1)", FORWARD,
           ("logits (B * T, V), training mode", "softmax probabilities"), hint="these are softmax probabilities"),
    mutant("ReLU on the logits, as in the original lab", MODEL,
           "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = torch.relu(self.fc(output.reshape(-1, self.lstm_dim)))", FORWARD,
           ("logits (B * T, V), training mode", "no ReLU"), hint="no ReLU after self.fc"),
    mutant("time-major flattening", MODEL, "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = self.fc(output.transpose(0, 1).reshape(-1, self.lstm_dim))", FORWARD,
           ("logits (B * T, V), training mode", "time-major"), hint="the rows are in time-major order"),
    # poem_generate
    mutant("the start token is not fed", GEN, "indices = to_indices(START_TOKEN + begin_word, word_int_map)",
           "indices = to_indices(begin_word, word_int_map)", GENERATE, ("expected poem", "got poem"),
           hint="without the start token G"),
    mutant("the end token is written into the poem", GEN, "        if nxt == end:\n            return poem\n", "",
           GENERATE, ("it goes on after the end", "end token E")),
    mutant("one character too many", GEN, "while len(poem) < max_length:", "while len(poem) <= max_length:",
           GENERATE, "length limit"),
    mutant("unknown begin words skipped silently", GEN,
           "indices = to_indices(START_TOKEN + begin_word, word_int_map)",
           "indices = [word_int_map[c] for c in START_TOKEN + begin_word if c in word_int_map]", GENERATE,
           ("it must raise ValueError naming the character", "'Z'")),
    mutant("only the last character fed each step", GEN,
           "sentence = torch.tensor([indices], dtype=torch.int64, device=device)",
           "sentence = torch.tensor([indices[-1:]], dtype=torch.int64, device=device)", GENERATE,
           ("expected poem", "got poem"), hint="feeding only the last character"),
    # poem_bptt
    mutant("only the diagonal deltas delta_{t,t}", BPTT, "per_step = deltas.sum(axis=0)",
           "per_step = np.einsum('tth->th', deltas)", SUMS, "returned dW", hint="only the diagonal"),
    mutant("dW transposed", BPTT, "dW = per_step.T @ xs", "dW = xs.T @ per_step", SUMS, ("returned dW", "shape"),
           hint="the axes look swapped"),
    mutant("db averaged over time", BPTT, "db = per_step.sum(axis=0)", "db = per_step.mean(axis=0)", SUMS,
           "returned db", hint="a constant factor is off"),
)

POEM_VARIANTS = (
    *variants(PRE,
              ("vocabulary sorted with a tuple key on items",
               "words = sorted(counts, key=lambda c: (-counts[c], ord(c))) + [PAD]",
               "words = [c for _, c in sorted((-n, c) for c, n in counts.items())] + [PAD]")),
    *variants(MODEL,
              ("the LSTM run without explicit states (torch's default is zeros)",
               "output, _ = self.rnn_lstm(batch_input, (zeros, zeros))",
               "output, _ = self.rnn_lstm(batch_input)")),
    *variants(BPTT,
              ("the double sum written out as loops",
               "    per_step = deltas.sum(axis=0)  # (T, H): sum over t of "
               "delta_{t,k}, for each k\n    dW = per_step.T @ xs\n    db = per_step.sum(axis=0)\n",
               "    T, H = deltas.shape[1], deltas.shape[2]\n    dW = np.zeros((H, xs.shape[1]))\n"
               "    db = np.zeros(H)\n    for t in range(T):\n        for k in range(t + 1):\n"
               "            dW += np.outer(deltas[t, k], xs[k])\n            db += deltas[t, k]\n")),
)

POEM_STEPS = (PREPROCESS, FORWARD, GENERATE, SUMS)

test_mutant_fails_its_step = mutants_fail_their_steps(POEM_MUTANTS, POEM_STEPS)


@pytest.mark.parametrize("v", POEM_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    tree.replace(v.file, v.old, v.new)
    result = tree.run(*(a for s in POEM_STEPS for a in ("--step", s)))
    assert result.returncode == 0 and result.failed() == set(), result.stdout


test_every_step_has_at_least_three_mutants_of_its_own = mutants_of_their_own(POEM_MUTANTS, POEM_STEPS)


def test_a_model_bug_points_generation_at_the_model_step(tree):
    tree.replace(MODEL, "return logits[-1:, :]", "return logits[:1, :]")
    result = tree.run("--step", FORWARD, "--step", GENERATE)
    assert "uses poem_model, which failed above" in result.output(GENERATE)


def test_poem_code_imports_no_other_student_code():
    # Mutants and variants elsewhere run without torch, their poem steps not run (tests/tree.py: Tree.run,
    # torch_importable): that leaves nothing unchecked only while the poem steps' code imports none of theirs.
    todo = [e.file for e in load_rubric() if e.file.startswith("hw/poems/")]
    assert len(todo) == 4
    seen: set[str] = set()
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        for node in ast.walk(ast.parse((REPO / rel).read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["hw.poems"] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("hw", "mytorch"):
                    assert name.startswith("hw.poems"), f"{rel} imports {name}"
                    module = REPO / (name.replace(".", "/") + ".py")
                    if module.is_file():
                        todo.append(module.relative_to(REPO).as_posix())
