"""The one tokeniser (textkit.tokenise): words, Han characters, other runs and clause ends, and
the English words the report's one-scan features find are the tokeniser's words."""

from hypothesis import given
from hypothesis import strategies as st

from textkit.tokenise import (
    HAN_RUN,
    LATIN_TOKEN,
    code_points,
    comparable_form,
    is_han,
    tokens,
)


def test_each_token_has_its_kind():
    assert tokens("Don't stop: 2026 fees — 香港 café, well-being") == [
        ("word", "don't"),
        ("word", "stop"),
        ("end", ":"),
        ("other", "2026"),
        ("word", "fees"),
        ("han", "香"),
        ("han", "港"),
        ("word", "caf"),
        ("other", "é"),
        ("end", ","),
        ("word", "well-being"),
    ]


def test_chinese_punctuation_and_line_ends_end_clauses():
    kinds = [kind for kind, _ in tokens("發牌。監管，\n「制度」/ x|y")]
    assert kinds == ["han", "han", "end", "han", "han", "end", "end", "end"] + [
        "han",
        "han",
        "end",
        "end",
        "word",
        "end",
        "word",
    ]


def test_a_curly_apostrophe_ends_a_clause_and_a_straight_one_stays_in_the_word():
    assert tokens("don’t don't") == [
        ("word", "don"),
        ("end", "’"),
        ("word", "t"),
        ("word", "don't"),
    ]


def test_comparable_form_unfolds_full_width_forms_and_case():
    assert comparable_form("ＨＫ$５ Million STRASSE straße") == "hk$5 million strasse strasse"


def test_han_covers_the_extension_planes_and_nothing_else():
    points = code_points("香𠀀\U0003134f豈aあ한")
    assert is_han(points).tolist() == [True, True, True, True, False, False, False]


@given(
    st.text(
        alphabet=st.sampled_from(list("abcXYZ019 '-.,;:!?()\n\t/|、，。香港監管é’") + ["—"]),
        max_size=80,
    )
)
def test_the_scan_of_many_texts_finds_the_tokenisers_words(text):
    """``LATIN_TOKEN`` (the report's scan, Han runs replaced by a clause end) and ``tokens``
    agree on every English word and on where clauses end."""
    scanned = LATIN_TOKEN.findall(HAN_RUN.sub(" | ", text.lower()))
    # A Han character ends a clause of English words, as a run of them does in the scan; other
    # tokens (numbers, letters outside English) are neither words nor clause ends.
    ours = ["|" if kind == "han" else token for kind, token in tokens(text) if kind != "other"]
    assert _clauses(ours) == _clauses(scanned)


def _clauses(sequence: list[str]) -> list[list[str]]:
    """The words between clause ends, empty clauses left out."""
    clauses: list[list[str]] = [[]]
    for token in sequence:
        if LATIN_TOKEN.fullmatch(token) and token[0].isalpha():
            clauses[-1].append(token)
        elif clauses[-1]:
            clauses.append([])
    return [clause for clause in clauses if clause]
