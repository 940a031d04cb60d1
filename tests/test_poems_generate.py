"""hw/poems/generate.py: greedy generation stops at E or the length limit; unknown begin words; sampling."""

import pytest

torch = pytest.importorskip("torch")

from hw.poems.generate import choose, gen_poem, poem_lines
from hw.poems.model import RNN_model, word_embedding

VOCAB = "月日G山E水 "
INT_WORD = dict(enumerate(VOCAB))
WORD_INT = {w: i for i, w in INT_WORD.items()}


def model_preferring(order):
    """A model whose logits depend on the last input only: after character a comes order[a]."""
    torch.manual_seed(0)
    V = len(VOCAB)
    model = RNN_model(V, word_embedding(V, 3), 3, 4)

    class Scripted(torch.nn.Module):
        def forward(self, sentence, batch_size, is_test=False):
            last = int(sentence[0, -1])
            logits = torch.zeros(1, V)
            logits[0, WORD_INT[order[VOCAB[last]]]] = 1.0
            return logits

    scripted = Scripted()
    scripted.fc = model.fc  # gen_poem reads the device from the parameters
    return scripted


def test_stops_before_the_end_token():
    model = model_preferring({"G": "日", "日": "山", "山": "水", "水": "E"})
    assert gen_poem(model, "日", WORD_INT, INT_WORD) == "日山水"


def test_stops_at_the_length_limit():
    model = model_preferring({"G": "日", "日": "山", "山": "日"})
    assert gen_poem(model, "日", WORD_INT, INT_WORD, max_length=6) == "日山日山日山"
    assert gen_poem(model, "日山", WORD_INT, INT_WORD, max_length=2) == "日山"


def test_unknown_begin_word_names_the_character():
    model = model_preferring({})
    with pytest.raises(ValueError, match="'X'"):
        gen_poem(model, "日X", WORD_INT, INT_WORD)


def test_choose_greedy_and_sampled():
    logits = torch.tensor([0.0, 3.0, 3.0, -1.0])
    assert choose(logits) == 1  # the lowest index among equal maxima
    g = torch.Generator().manual_seed(0)
    draws = {choose(logits, 1.0, g) for _ in range(200)}
    assert draws <= {0, 1, 2, 3} and {1, 2} <= draws


def test_poem_lines():
    poem = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
    assert poem_lines(poem) == ["床前明月光，疑是地上霜。", "举头望明月，低头思故乡。"]
    assert poem_lines("日照香炉") == ["日照香炉"]
