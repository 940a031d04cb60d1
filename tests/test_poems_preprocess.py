"""hw/poems/preprocess.py: which lines are kept, the vocabulary order, the encoded poems; and the synthetic corpus."""

from hw.poems.corpus import BEGIN_WORDS, synthetic_corpus
from hw.poems.preprocess import END_TOKEN, PAD, START_TOKEN, build_vocabulary, process_poems, read_poem


def test_a_titled_line_is_wrapped_in_the_tokens():
    assert read_poem("静夜思:床前明月光，疑是地上霜。") == "G床前明月光，疑是地上霜。E"


def test_content_only_whitespace_and_a_second_colon():
    assert read_poem(" 床前 明月\u3000光 ") == "G床前明月光E"
    assert read_poem("题:床前:明月光") == "G床前:明月光E"  # the title ends at the first colon


def test_skipped_lines():
    for bad in "_(（《[":
        assert read_poem(f"t:床前明{bad}月光") is None, bad
    assert read_poem("t:床前G明月光") is None and read_poem("t:床前明E月光") is None


def test_length_bounds_are_inclusive_and_count_the_content_only():
    assert read_poem("t:" + "月" * 4) is None
    assert read_poem("t:" + "月" * 5) == "G" + "月" * 5 + "E"
    assert read_poem("t:" + "月" * 80) is not None and read_poem("t:" + "月" * 81) is None
    assert read_poem("t:月月月", min_length=3, max_length=3) == "G月月月E"
    assert read_poem("t:月#月月", skip="#") is None


def test_vocabulary_by_count_then_code_point_and_pad_last():
    word_int_map, int_word_map = build_vocabulary(["G乙甲甲E", "G丙乙甲E"])
    # counts: 甲 3; 乙 2, G 2, E 2; 丙 1. Ties by code point: E (69) < G (71) < 乙.
    assert [int_word_map[i] for i in range(len(int_word_map))] == ["甲", "E", "G", "乙", "丙", PAD]
    assert all(word_int_map[w] == i for i, w in int_word_map.items())


def test_process_poems_keeps_corpus_order_and_encodes_every_character():
    corpus = process_poems(["a:月明星稀夜", "b:短", "c:星月明夜稀月"])
    assert len(corpus.poems_vector) == 2
    decoded = ["".join(corpus.int_word_map[i] for i in v) for v in corpus.poems_vector]
    assert decoded == ["G月明星稀夜E", "G星月明夜稀月E"]
    assert corpus.vocab_size == len(corpus.word_int_map) == 8  # 5 characters, G, E, PAD
    assert corpus.int_word_map[0] == "月"


def test_synthetic_corpus_is_deterministic_and_clean():
    lines = synthetic_corpus(200, seed=3)
    assert lines == synthetic_corpus(200, seed=3) and lines != synthetic_corpus(200, seed=4)
    corpus = process_poems(lines)
    assert len(corpus.poems_vector) == 200  # every line is a valid poem
    assert START_TOKEN in corpus.word_int_map and END_TOKEN in corpus.word_int_map
    assert set(BEGIN_WORDS) <= set(corpus.word_int_map)
    contents = [line.split(":", 1)[1] for line in lines]
    assert {len(c) for c in contents} == {24, 32}
    assert all(c[5] == "，" or c[7] == "，" for c in contents)
