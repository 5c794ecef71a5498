"""The free-text features (textkit.ngrams.document_features), which scan all answers at once,
equal those of the per-answer implementation they replaced (kept below as the reference), on
hand-picked edge cases and on random mixes of English, Chinese and punctuation."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from reports.summary.text import top_terms
from textkit.ngrams import FeatureLookup, document_features, most_used, most_used_within
from textkit.terms import (
    CHINESE_STOP_CHARS,
    CHINESE_STOP_PAIRS,
    COMPOUNDS,
    english_stop,
    units,
    units_each,
)
from textkit.tokenise import HAN_RUN

_LATIN_CLAUSE = re.compile(r"[^.,;:!?()\[\]{}\"“”‘’\n\r\t/|、，。；：！？（）「」『』《》]+")
_WORD = re.compile(r"[a-z][a-z0-9'’-]*[a-z0-9]|[a-z]")


def reference_features(text: str) -> list[str]:
    """The implementation before the one-scan version, one text at a time (unchanged)."""
    lowered = text.lower()
    stop = english_stop()
    features: set[str] = set()
    for run in HAN_RUN.findall(lowered):
        blocked = [char in CHINESE_STOP_CHARS for char in run]
        for start in range(len(run) - 1):
            if blocked[start] or blocked[start + 1]:
                continue
            pair = run[start : start + 2]
            if pair not in CHINESE_STOP_PAIRS:
                features.add("t:" + pair)
            for size in (3, 4):
                stop_at = start + size
                if stop_at <= len(run) and not any(blocked[start + 2 : stop_at]):
                    features.add("p:" + run[start:stop_at])
    latin = HAN_RUN.sub(" | ", lowered)
    for words, joined in COMPOUNDS:
        latin = latin.replace(words, joined)
    for clause in _LATIN_CLAUSE.findall(latin):
        kept = [
            word if len(word) >= 3 and word not in stop and not word.isdigit() else ""
            for word in (raw.strip("'’-") for raw in _WORD.findall(clause))
        ]
        features.update("t:" + word for word in kept if word)
        pairs = [f"{a} {b}" if a and b else "" for a, b in zip(kept, kept[1:], strict=False)]
        features.update("p:" + pair for pair in pairs if pair)
        features.update(
            f"p:{pair} {word}" for pair, word in zip(pairs, kept[2:], strict=False) if pair and word
        )
    return sorted(features)


EDGE_CASES = [
    "",
    "   ",
    "a b c",
    "The SFC should regulate OTC shops in Hong Kong; Hong  Kong shops too.",
    "Don’t regulate—the market can’t bear it. Investors' money, investors’ money!",
    "well-being co-operation 2026 is year 12 months x-ray a-1 abc- -abc '''abc'''",
    "ΟΔΟΣ ΣΑΣ İstanbul ǅemal STRASSE straße",
    "我們支持發牌制度，因為這可以保障投資者。我們希望當局儘快落實。",
    "應該可以是否以及因為如果需要認為 的了是在和 監管監管監管",
    "Mixed 場外交易 text with 證監會 regulation of virtual asset 場外交易商 dealers",
    "hong港kong 香港 hong kong\nhong kong\x00hong kong",
    "tab\tseparated/slash|pipe(paren)[bracket]{brace}“quote”‘single’「中文」『書名』《書》",
    "𠀀𠀁𠀂𠀃 \U0003134f\U0003134e 豈更車賈 㐀㐁㐂㐃",
    "numbers 123 4567 abc123 a1b2c3 99bottles",
]


def _found(texts: list[str]) -> list[list[str]]:
    return document_features(texts).per_document(len(texts))


def test_edge_cases_equal_the_reference():
    assert _found(EDGE_CASES) == [reference_features(text) for text in EDGE_CASES]
    for text in EDGE_CASES:  # and alone, without neighbours to leak into
        assert _found([text]) == [reference_features(text)]


def test_an_empty_list_has_no_features():
    assert _found([]) == []
    assert top_terms([]) == ((), ())


_PIECES = st.sampled_from(
    [
        "hong kong",
        "Hong Kong",
        "regulate",
        "dealers",
        "should",
        "the",
        "investor's",
        "can’t",
        "co-op",
        "x",
        "ab",
        "2026",
        "a1",
        " ",
        "  ",
        ",",
        ".",
        "’",
        "-",
        "'",
        "\n",
        "\x00",
        "|",
        "場外",
        "交易",
        "的",
        "應該",
        "可以",
        "監管",
        "我們",
        "，",
        "。",
        "𠀀",
        "Σ",
        "İ",
    ]
)
_TEXTS = st.lists(st.lists(_PIECES, max_size=30).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_random_texts_equal_the_reference(texts):
    assert _found(texts) == [reference_features(text) for text in texts]


@settings(max_examples=100, deadline=None)
@given(_TEXTS)
def test_document_counts_equal_the_vectoriser_counts(texts):
    """What top_terms counts: the answers using each feature, as CountVectorizer counted them."""
    found = document_features(texts)
    counts: dict[str, int] = {}
    for feature in found.feature.tolist():
        counts[found.names[feature]] = counts.get(found.names[feature], 0) + 1
    vectorizer = CountVectorizer(analyzer=reference_features, binary=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no feature in any text
        assert counts == {}
        return
    expected = dict(
        zip(
            vectorizer.get_feature_names_out().tolist(),
            matrix.sum(axis=0).A1.tolist(),
            strict=True,
        )
    )
    assert counts == expected


def test_lookup_gives_each_text_its_features_whatever_the_batch():
    lookup = FeatureLookup()
    lookup.add(EDGE_CASES[:5])
    for text in EDGE_CASES:
        assert lookup(text) == reference_features(text)


@pytest.mark.parametrize("size", [1, 2, 50])
def test_top_terms_of_repeated_answers(size):
    texts = ["Licensing protects investors in Hong Kong.", "發牌制度保障投資者。"] * size
    terms, phrases = top_terms(texts)
    if size == 1:
        assert terms == () and phrases == ()
    else:
        assert {"hong kong", "licensing", "保障", "投資"} <= {t.term for t in terms}
        assert all(t.count == size for t in terms)
        assert "licensing protects investors" in [p.term for p in phrases]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=30).map("".join), min_size=1, max_size=12))
def test_units_of_many_texts_equal_one_at_a_time(texts):
    assert units_each(texts).tolist() == [units(text) for text in texts]


@given(
    st.lists(
        st.sampled_from(
            [
                "Fully support the licensing regime for OTC dealers",
                "We support the licensing regime but the costs are high",
                "支持場外交易商發牌制度",
                "發牌制度的成本太高",
                "The transition period is too short for small shops",
                "too short a transition period; support the regime",
                "",
            ]
        ),
        max_size=30,
    ),
    st.data(),
)
def test_counting_within_a_subset_equals_counting_the_subset_alone(texts, data):
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts))))
    everything = np.ones(len(texts), dtype=bool)
    found = most_used_within(texts, [everything, mask], terms=5, phrases=4)
    assert found[0] == most_used(texts, terms=5, phrases=4)
    assert found[1] == most_used(
        [t for t, keep in zip(texts, mask, strict=True) if keep], terms=5, phrases=4
    )
