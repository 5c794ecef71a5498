"""Term helpers (textkit.terms): the words and pairs theme suggestions cluster on, and the
length measure of quotes."""

from textkit.terms import units, units_each, words_and_pairs


def test_words_and_pairs_of_english_and_chinese():
    assert words_and_pairs("Cold storage, and the keys. 冷錢包") == [
        "cold",
        "storage",
        "cold storage",
        "keys",
        "冷錢",
        "錢包",
    ]


def test_pairs_stop_at_punctuation_numbers_and_dropped_words():
    assert words_and_pairs("capital rules; capital 2026 rules can't apply") == [
        "capital",
        "rules",
        "capital rules",
        "capital",
        "rules",
        "apply",
    ]


def test_chinese_function_characters_and_common_pairs_make_no_term():
    # 的 is a function character; 我們 a common pair; a lone character is a term of its own.
    assert words_and_pairs("監管的制度 我們 錢") == ["監管", "制度", "錢"]


def test_extra_stop_words_and_pairs_are_left_out():
    assert words_and_pairs(
        "the proposal on custody 香港監管",
        extra_stop=frozenset({"proposal"}),
        extra_stop_pairs=frozenset({"香港"}),
    ) == ["custody", "港監", "監管"]


def test_units_count_han_characters_twice():
    assert units("ab 香港") == 7
    assert units_each(["ab 香港", "", "𠀀x"]).tolist() == [7, 0, 3]
