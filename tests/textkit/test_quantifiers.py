"""Quantifiers and the stance of their sentences in both languages (textkit.quantifiers)."""

import pytest

from textkit.quantifiers import quantifier_uses, sentences, stance


def keys(text: str) -> list[str]:
    return [use.key for use in quantifier_uses(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A majority of respondents agreed.", ["majority"]),
        ("The vast majority of respondents agreed.", ["vast_majority"]),
        ("Most respondents supported the proposal.", ["majority"]),
        ("Some respondents disagreed; a few respondents were unsure.", ["some", "few"]),
        ("All respondents answered.", ["all"]),
        ("No respondents objected.", ["none"]),
        ("大多數回應者同意。", ["majority"]),
        ("絕大多數回應者支持。", ["vast_majority"]),
        ("部分回應者反對，少數回應者未有表態。", ["some", "minority"]),
        ("極少數回應者反對。", ["few"]),
        ("A clear majority agreed.", ["majority"]),
        ("A small minority objected.", ["minority"]),
        ("The most important point is cost.", []),
        ("Some time will be needed.", []),
    ],
)
def test_quantifiers_are_found_and_the_longer_phrase_wins(text, expected):
    assert keys(text) == expected


def test_each_use_carries_its_own_sentence():
    uses = quantifier_uses("Most respondents agreed. Some respondents disagreed。部分回應者反對。")
    assert [use.sentence for use in uses] == [
        "Most respondents agreed.",
        "Some respondents disagreed。",
        "部分回應者反對。",
    ]
    # Full-width marks are read as their ASCII forms.
    assert sentences("一。二！\nThree.") == ["一。", "二!", "Three."]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A majority of respondents agreed.", "agree"),
        ("A majority of respondents disagreed.", "disagree"),
        ("Most respondents did not support it.", "disagree"),
        ("Most respondents opposed it.", "disagree"),
        ("大多數回應者同意。", "agree"),
        ("大多數回應者不同意。", "disagree"),
        ("大多數回應者反對。", "disagree"),
        ("Most respondents answered.", None),
    ],
)
def test_stance(sentence, expected):
    assert stance(sentence) == expected
