"""Quantifiers in a conclusions text ("a majority of respondents", "大多數回應者") and the view each
sentence gives them, so that the words can be checked against the figures they describe.

``quantifier_uses(text)`` finds each quantifier with its sentence. Which figure a sentence
describes is the caller's business (it knows the question's choices); ``stance(sentence)``
says whether a sentence speaks of agreeing or of disagreeing, in either language.
Nothing here imports Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textkit.quantities import normalise

# The quantifiers a regulator's thresholds are set for, in the order a threshold table lists them.
QUANTIFIER_KEYS = (
    "all",
    "vast_majority",
    "majority",
    "half",
    "many",
    "some",
    "minority",
    "few",
    "none",
)

# Who the quantifier counts: a quantifier is one only when followed by such a word (so that
# "most important" or "some time" are not read as figures).
_WHO_EN = (
    r"(?:of\s+(?:the|those|them|these)\s+)?(?:\w+\s+){0,2}?"
    r"(?:respondents?|responses?|submissions?|organi[sz]ations?|individuals?|firms?|"
    r"institutions?|members?|commenters?|those|them|views?|participants?|stakeholders?)\b"
)
_WHO_ZH = r"(?:的)?(?:回應者|回應|意見|受訪者|機構|人士|公司|業界|參與者|提交|持份者)"

_EN: tuple[tuple[str, str], ...] = (
    ("all", rf"\ball\s+{_WHO_EN}|\bevery\s+(?:respondent|response|submission)\b"),
    # "Majority" and "minority" always count respondents here: no noun is needed after them.
    ("vast_majority", r"\b(?:a|the)\s+(?:vast|overwhelming|large)\s+majority\b"),
    (
        "majority",
        rf"\b(?:a|the)\s+(?:(?:clear|significant|substantial|slim|narrow|small)\s+)?majority\b"
        rf"|\bmore\s+than\s+half\s+{_WHO_EN}",
    ),
    ("majority", rf"\bmost\s+{_WHO_EN}"),
    ("half", rf"\b(?:about|around|roughly|nearly)?\s*half\s+{_WHO_EN}"),
    ("many", rf"\bmany\s+{_WHO_EN}"),
    ("few", rf"\b(?:a\s+few|very\s+few|few|a\s+small\s+number\s+of|a\s+handful\s+of)\s+{_WHO_EN}"),
    ("minority", r"\b(?:a|the)\s+(?:(?:small|significant|sizeable|large)\s+)?minority\b"),
    ("some", rf"\b(?:some|several)\s+{_WHO_EN}"),
    ("none", r"\b(?:no|none\s+of\s+the)\s+(?:respondents?|responses?|submissions?)\b"),
)
_ZH: tuple[tuple[str, str], ...] = (
    ("all", rf"(?:所有|全部|全體){_WHO_ZH}"),
    ("vast_majority", rf"(?:絕大多數|絕大部分|極大多數){_WHO_ZH}"),
    ("majority", rf"(?:大多數|大部分|多數|過半數?|超過一半){_WHO_ZH}"),
    ("half", rf"(?:約|大約)?(?:一半|半數){_WHO_ZH}"),
    ("many", rf"(?:不少|很多|許多){_WHO_ZH}"),
    ("few", rf"(?:極少數|很少|少量|個別){_WHO_ZH}"),
    ("minority", rf"少數{_WHO_ZH}"),
    ("some", rf"(?:部分|一些|有些|若干){_WHO_ZH}"),
    ("none", rf"(?:沒有|並無|無){_WHO_ZH}"),
)
_PATTERNS = tuple((key, re.compile(pattern, re.IGNORECASE)) for key, pattern in (*_EN, *_ZH))
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])|\n+")
_DISAGREE = re.compile(
    r"\b(?:disagree\w*|oppos\w*|object\w*|against|reject\w*|did\s+not\s+support|"
    r"do\s+not\s+support|does\s+not\s+support|not\s+in\s+favour)\b|不同意|反對|不支持|不贊成|否決",
    re.IGNORECASE,
)
_AGREE = re.compile(
    r"\b(?:agree\w*|support\w*|welcom\w*|endors\w*|favou?r\w*)\b|同意|支持|贊成|歡迎|認同",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuantifierUse:
    """A quantifier (``key`` of ``QUANTIFIER_KEYS``) as written, and its whole sentence."""

    key: str
    phrase: str
    sentence: str


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (English and Chinese end marks, and line breaks)."""
    return [part.strip() for part in _SENTENCE_END.split(normalise(text)) if part.strip()]


def quantifier_uses(text: str) -> list[QuantifierUse]:
    """Each quantifier of ``text`` with its sentence; a longer phrase wins over one inside it
    ("a vast majority" is not also "a majority", "大多數" not also "多數")."""
    found: list[QuantifierUse] = []
    for sentence in sentences(text):
        taken = [False] * len(sentence)
        hits: list[tuple[int, QuantifierUse]] = []
        for key, pattern in _PATTERNS:
            for match in pattern.finditer(sentence):
                start, end = match.span()
                if any(taken[start:end]):
                    continue
                taken[start:end] = [True] * (end - start)
                hits.append((start, QuantifierUse(key, match.group(0).strip(), sentence)))
        found.extend(use for _start, use in sorted(hits, key=lambda hit: hit[0]))
    return found


def stance(sentence: str) -> str | None:
    """ "disagree" when the sentence speaks of disagreeing or opposing, "agree" when of agreeing
    or supporting, else None (a sentence that says both is read as disagreeing: "disagree"
    contains "agree", and "不同意" contains "同意")."""
    if _DISAGREE.search(sentence):
        return "disagree"
    if _AGREE.search(sentence):
        return "agree"
    return None
