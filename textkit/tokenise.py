"""The one tokeniser: what a word, a Chinese character and a clause end are, in lower-cased text.

* A **word** is an English word: a letter, then letters, digits, apostrophes or hyphens, ending
  in a letter or digit (``well-being``, ``don't``, ``covid-19``), or a single letter.
* A **Han** character is one of the CJK unified ideographs (with extensions A to H and the
  compatibility block): Chinese has no spaces, so each character is a token of its own and pairs
  of them stand in for words.
* **Other** runs of letters or digits (numbers, letters outside English: ``2026``, ``é``) are
  tokens too; terms leave them out, campaign detection compares them.
* A **clause end** (punctuation in either language, a line end, ``/``, ``|``, and ``\\x00``,
  which separates texts scanned together) ends a phrase.

Anything else (spaces, symbols such as ``$`` or ``%``) only separates tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Literal, cast

import numpy as np

# The CJK ideograph blocks, as code point ranges and as a regular-expression class.
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{HAN}]+")

# Characters that end a clause: no phrase spans one. "’" is among them, so it never sits inside a
# word (the ASCII apostrophe does).
CLAUSE_ENDS = '.,;:!?()\\[\\]{}"“”‘’\n\r\t/|、，。；：！？（）「」『』《》'
# Separates texts joined for one scan; PostgreSQL text never holds it.
TEXT_SEPARATOR = "\x00"

WORD = r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]"
_OTHER = rf"[0-9]+|[^\W\d_a-z{HAN}]+"
TOKEN = re.compile(
    rf"(?P<han>[{HAN}])|(?P<word>{WORD})|(?P<other>{_OTHER})|(?P<end>[{CLAUSE_ENDS}\x00])"
)
# The English part of a scan, with Han runs replaced by a clause end: words and clause ends only.
LATIN_TOKEN = re.compile(rf"{WORD}|[{CLAUSE_ENDS}\x00]")

Kind = Literal["han", "word", "other", "end"]


def tokens(text: str) -> list[tuple[Kind, str]]:
    """The tokens of ``text`` (lower-cased first), in order, each with its kind."""
    return [(kind, token) for kind, token, _start, _end in token_spans(text)]


def token_spans(text: str) -> Iterator[tuple[Kind, str, int, int]]:
    """``tokens`` with where each starts and ends in ``text``: Han characters next to each
    other (``end`` of one is ``start`` of the next) form a run."""
    for match in TOKEN.finditer(text.lower()):
        kind = cast(Kind, match.lastgroup)
        yield kind, match.group(), match.start(), match.end()


def comparable_form(text: str) -> str:
    """``text`` as compared for near-duplicates: NFKC (full-width letters and digits become
    plain ones) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_han(points: np.ndarray) -> np.ndarray:
    """For an array of code points, whether each is a Han character."""
    mask = np.zeros(len(points), dtype=bool)
    for low, high in HAN_RANGES:
        mask |= (points >= low) & (points <= high)
    return mask


def code_points(joined: str) -> np.ndarray:
    """The code points of ``joined`` as a uint32 array (no Python loop per character)."""
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
