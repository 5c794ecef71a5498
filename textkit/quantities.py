"""The quantities and references a text states, in English or Chinese, normalised so that the two
languages of one text can be compared and a number can be looked up among the figures.

``mentions(text)`` finds, in order:

``money``      HK$ amounts: "HK$5 million", "HK$5,000,000", "500萬港元", "港幣5億元" -> "5000000"
``percent``    "48%", "48 per cent", "百分之四十八", "四成" -> "48", "40"
``date``       "31 March 2026", "March 31, 2026", "2026-03-31", "2026年3月31日" -> "2026-03-31";
               a month alone ("March 2026", "2026年3月") -> "2026-03"
``question``   question codes: "Q7", "問題7", "第7題" -> "Q7"
``paragraph``  paragraph references: "paragraph 3.2", "para. 3.2", "第3.2段" -> "3.2"
``number``     any other number: digits ("1,234", "12.5", "3萬" -> "30000"), English number words
               ("twelve" -> "12") and Chinese numerals before a measure word ("十二個月" -> "12")

Full-width digits and signs are read as their ASCII forms. Nothing here imports Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("money", "percent", "date", "question", "paragraph", "number")

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_EN = {
    "thousand": 1_000,
    "k": 1_000,
    "million": 1_000_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "b": 1_000_000_000,
}
_SCALE_ZH = {"千": 1_000, "萬": 10_000, "百萬": 1_000_000, "千萬": 10_000_000, "億": 100_000_000}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4}
_ZH_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMERAL = "零〇一二兩三四五六七八九十百千"
# Measure words after which a Chinese numeral is a count ("十二個月", "三名回應者").
_MEASURE = "個名位間家份項宗年月日天週條段款類"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WORDS = {
    word: number
    for number, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70})
_WORDS.update({"eighty": 80, "ninety": 90, "hundred": 100})

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "money",
        re.compile(
            rf"(?:HK\$|HKD\s?)\s?(?P<n>{_NUMBER})\s?(?P<scale>thousand|million|billion|mn|bn|[kmb])?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "money",
        re.compile(
            rf"(?:港幣|港元)\s?(?P<n>{_NUMBER})\s?(?P<zscale>百萬|千萬|[千萬億])?\s?元?"
            rf"|(?P<n2>{_NUMBER})\s?(?P<zscale2>百萬|千萬|[千萬億])?\s?(?:港元|港幣|元港幣)"
        ),
    ),
    (
        "percent",
        re.compile(rf"(?P<n>{_NUMBER})\s?(?:%|per\s?cent\b|percent\b)", re.IGNORECASE),
    ),
    ("percent", re.compile(rf"百分之\s?(?:(?P<n>{_NUMBER})|(?P<zh>[{_ZH_NUMERAL}點]+))")),
    ("percent", re.compile(r"(?P<tenths>[一二三四五六七八九])成(?P<units>[一二三四五六七八九])?")),
    (
        "date",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})\s(?P<m>{_MONTH})\.?,?\s(?P<y>(?:19|20)\d\d)\b"
            rf"|\b(?P<m2>{_MONTH})\.?\s(?P<d2>\d{{1,2}}),?\s(?P<y2>(?:19|20)\d\d)\b"
            r"|\b(?P<y3>(?:19|20)\d\d)-(?P<m3>\d\d)-(?P<d3>\d\d)\b"
            r"|(?P<y4>(?:19|20)\d\d)\s?年\s?(?P<m4>\d{1,2})\s?月(?:\s?(?P<d4>\d{1,2})\s?日)?"
            rf"|\b(?P<m5>{_MONTH})\.?\s(?P<y5>(?:19|20)\d\d)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "question",
        # Not \b: a Chinese character is a word character, and "同意Q1" must still read Q1.
        re.compile(
            r"(?<![A-Za-z0-9])Q(?P<q>\d{1,3}[a-z]?)(?![A-Za-z0-9])"
            r"|問題\s?(?P<q2>\d{1,3})|第\s?(?P<q3>\d{1,3})\s?題"
        ),
    ),
    (
        "paragraph",
        re.compile(
            r"\b(?:paragraphs?|paras?\.?)\s(?P<p>\d+(?:\.\d+)*)|第\s?(?P<p2>\d+(?:\.\d+)*)\s?段",
            re.IGNORECASE,
        ),
    ),
    ("number", re.compile(rf"(?P<n>{_NUMBER})\s?(?P<zscale>百萬|千萬|[萬億])?")),
    ("number", re.compile(rf"\b(?P<word>{'|'.join(_WORDS)})\b", re.IGNORECASE)),
    ("number", re.compile(rf"(?P<zh>[{_ZH_NUMERAL}]+)(?=[{_MEASURE}])")),
)


@dataclass(frozen=True)
class Mention:
    """A quantity or reference as written (``text``, from ``start``) and normalised (``value``)."""

    kind: str
    value: str
    text: str
    start: int


def normalise(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (NFKC keeps the length of these)."""
    return unicodedata.normalize("NFKC", text)


def chinese_numeral(numeral: str) -> int | None:
    """The value of a Chinese numeral up to the thousands: "十二" 12, "四十八" 48, "一百零五" 105,
    "二〇二六" 2026 (digit by digit); None when it is not one."""
    if not numeral or any(ch not in _ZH_DIGITS and ch not in _ZH_UNITS for ch in numeral):
        return None
    if all(ch in _ZH_DIGITS for ch in numeral):
        value = 0
        for ch in numeral:
            value = value * 10 + _ZH_DIGITS[ch]
        return value
    total, digit = 0, None
    for ch in numeral:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
    return total + (digit or 0)


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 5000000, 12.5."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _value(kind: str, match: re.Match[str]) -> str | None:
    groups = {name: value for name, value in match.groupdict().items() if value}
    if kind == "money":
        number = _decimal(groups.get("n") or groups.get("n2", ""))
        if number is None:
            return None
        scale = groups.get("scale", "").lower()
        zscale = groups.get("zscale") or groups.get("zscale2") or ""
        factor = _SCALE_EN.get(scale) or _SCALE_ZH.get(zscale) or 1
        return _plain(number * factor)
    if kind == "percent":
        if "tenths" in groups:
            units = _ZH_DIGITS[groups["units"]] if "units" in groups else 0
            return str(_ZH_DIGITS[groups["tenths"]] * 10 + units)
        if "zh" in groups:
            whole, _, tenths = groups["zh"].partition("點")
            value = chinese_numeral(whole)
            decimals = "".join(str(_ZH_DIGITS.get(ch, "")) for ch in tenths)
            if value is None:
                return None
            return f"{value}.{decimals}" if decimals else str(value)
        number = _decimal(groups["n"])
        return None if number is None else _plain(number)
    if kind == "date":
        year = groups.get("y") or groups.get("y2") or groups.get("y3") or groups.get("y4")
        year = year or groups.get("y5")
        month_text = groups.get("m") or groups.get("m2") or groups.get("m5")
        if month_text is not None:
            month = _MONTHS[month_text.lower().rstrip(".")]
        else:
            month = int(groups.get("m3") or groups.get("m4") or 0)
        day = groups.get("d") or groups.get("d2") or groups.get("d3") or groups.get("d4")
        if not 1 <= month <= 12:
            return None
        return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    if kind == "question":
        return "Q" + (groups.get("q") or groups.get("q2") or groups.get("q3", "")).upper()
    if kind == "paragraph":
        return groups.get("p") or groups.get("p2")
    # number
    if "word" in groups:
        return str(_WORDS[groups["word"].lower()])
    if "zh" in groups:
        value = chinese_numeral(groups["zh"])
        return None if value is None else str(value)
    number = _decimal(groups["n"])
    if number is None:
        return None
    return _plain(number * _SCALE_ZH.get(groups.get("zscale", ""), 1))


def mentions(text: str) -> list[Mention]:
    """Every quantity and reference of ``text``, in order of appearance; each character belongs
    to one mention at most (a money amount's digits are not also a number)."""
    text = normalise(text)
    taken = [False] * len(text)
    found: list[Mention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end or any(taken[start:end]):
                continue
            value = _value(kind, match)
            if value is None:
                continue
            taken[start:end] = [True] * (end - start)
            found.append(Mention(kind, value, match.group(0).strip(), start))
    return sorted(found, key=lambda mention: mention.start)


def mention_counts(text: str) -> dict[str, Counter[str]]:
    """The mentions of ``text`` by kind, each a multiset of values."""
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for mention in mentions(text):
        counts[mention.kind][mention.value] += 1
    return counts


_LIST_ITEM = re.compile(
    r"^\s*(?:[-*•·‧▪●○]|\(?[a-z]\)|\(?[ivx]{1,4}\)|\d{1,2}[.)]|[（(][一二三四五六七八九十]{1,2}[）)]"
    r"|[一二三四五六七八九十]{1,2}、)\s*\S",
    re.MULTILINE | re.IGNORECASE,
)


def list_items(text: str) -> int:
    """How many lines of ``text`` are items of a list (bullets, "(a)", "1.", "（一）", "一、")."""
    return len(_LIST_ITEM.findall(normalise(text)))
