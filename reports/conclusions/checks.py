"""Checks of the conclusions text against the figures and between its two languages.

Three kinds of point are flagged before publishing (``draft_issues``):

``wording``  a quantifier ("a majority of respondents", "大多數回應者") whose sentence names a view
             of the question (agreeing, disagreeing, or a choice's label) while the share of
             those answering who took that view is outside what the regulator allows for that
             quantifier (``WordingRule``, else ``DEFAULT_RULES``);
``figure``   a number or percentage written in digits (or Chinese numerals) that is none of the
             report's figures for that question or for the respondents as a whole, at the
             precision written ("48%" is any share from 47.5% to 48.5%); amounts, dates, question
             codes, paragraph references and years are not figures and are left to ``parity``;
``parity``   the English and Chinese of one text disagree on numbers, HK$ amounts, dates,
             percentages, question codes, paragraph references or the number of list items, or
             one is far longer or shorter than the draft's other pairs.

Every point has a stable ``key`` (what was flagged and where); an editor may waive a point with a
reason (``CheckWaiver``), and publishing is refused while any point is neither fixed nor waived.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.conclusions.selectors import QuestionText, draft_texts
from reports.models import CheckWaiver, ConclusionsDraft, Quantifier, WordingRule
from surveys.models import Consultation, Question
from textkit.quantifiers import quantifier_uses, stance
from textkit.quantities import KINDS, list_items, mention_counts, mentions

# (lowest %, lowest included, highest %, highest included) of each quantifier until the
# regulator sets its own in the admin; None is open. "A majority" is more than half.
DEFAULT_RULES: dict[str, tuple[Decimal | None, bool, Decimal | None, bool]] = {
    Quantifier.ALL: (Decimal(100), True, None, True),
    Quantifier.VAST_MAJORITY: (Decimal(75), True, None, True),
    Quantifier.MAJORITY: (Decimal(50), False, None, True),
    Quantifier.HALF: (Decimal(40), True, Decimal(60), True),
    Quantifier.MANY: (Decimal(25), True, None, True),
    Quantifier.SOME: (Decimal(0), False, Decimal(50), True),
    Quantifier.MINORITY: (Decimal(0), False, Decimal(50), False),
    Quantifier.FEW: (Decimal(0), False, Decimal(15), True),
    Quantifier.NONE: (Decimal(0), True, Decimal(0), True),
}
# A pair's Chinese-to-English length ratio this many times above or below the draft's median
# is flagged: a paragraph dropped from one language shows as a ratio 2-3x off (0.45 is typical).
LENGTH_RATIO_FACTOR = 2.5
LENGTH_MIN_CHARS = 40
KIND_LABELS = {
    "money": _("HK$ amounts"),
    "percent": _("Percentages"),
    "date": _("Dates"),
    "question": _("Question codes"),
    "paragraph": _("Paragraph references"),
    "number": _("Numbers"),
}


@dataclass(frozen=True)
class Rule:
    quantifier: str
    lowest: Decimal | None
    lowest_included: bool
    highest: Decimal | None
    highest_included: bool

    def allows(self, percent: float) -> bool:
        value = Decimal(str(round(percent, 6)))
        if self.lowest is not None and (
            value < self.lowest or (value == self.lowest and not self.lowest_included)
        ):
            return False
        return not (
            self.highest is not None
            and (value > self.highest or (value == self.highest and not self.highest_included))
        )

    def describe(self) -> str:
        parts = []
        if self.lowest is not None:
            parts.append(
                (gettext("at least %(n)s%%") if self.lowest_included else gettext("over %(n)s%%"))
                % {"n": _number(self.lowest)}
            )
        if self.highest is not None:
            parts.append(
                (gettext("at most %(n)s%%") if self.highest_included else gettext("under %(n)s%%"))
                % {"n": _number(self.highest)}
            )
        return gettext(" and ").join(parts)


@dataclass(frozen=True)
class CheckIssue:
    kind: str  # wording, figure, parity
    where: str  # e.g. "Q3 · our response (English)"
    message: str
    key: str


@dataclass(frozen=True)
class Place:
    """One text of the draft: its label, the question's figures (None for the introduction)."""

    code: str  # question code, or "intro"
    part: str  # "intro", "views_summary" or "response"
    label: str
    english: str
    chinese: str


def wording_rules() -> dict[str, Rule]:
    """Each quantifier's rule: the regulator's where set, else the default."""
    rules = {key: Rule(str(key), *bounds) for key, bounds in DEFAULT_RULES.items()}
    for row in WordingRule.objects.all():
        rules[row.quantifier] = Rule(
            row.quantifier, row.lowest, row.lowest_included, row.highest, row.highest_included
        )
    return rules


def _number(value: Decimal | float) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in parts).encode("utf-8")).hexdigest()


def _places(intro_en: str, intro_zh: str, texts: Mapping[str, QuestionText]) -> list[Place]:
    places = [Place("intro", "intro", gettext("Introduction"), intro_en, intro_zh)]
    for code, text in texts.items():
        places.append(
            Place(
                code,
                "views_summary",
                gettext("%(code)s · summary of views") % {"code": code},
                text.views_summary_en,
                text.views_summary_zh,
            )
        )
        places.append(
            Place(
                code,
                "response",
                gettext("%(code)s · our response") % {"code": code},
                text.response_en,
                text.response_zh,
            )
        )
    return places


# --- The figures ---------------------------------------------------------------------------------


def _walk_numbers(value: Any, counts: set[float], shares: set[float], key: str = "") -> None:
    """Every count and share in a part of summary.json: ints are counts, a float under a key
    that names shares is a share (0-1), other floats are statistics (means, medians)."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        counts.add(float(value))
    elif isinstance(value, float):
        if "share" in key:
            shares.add(value * 100)
        elif key != "net_score":
            counts.add(value)
    elif isinstance(value, Mapping):
        for name, item in value.items():
            if name in ("id", "section", "schema_version", "choices", "wording", "condition"):
                continue
            _walk_numbers(item, counts, shares, key if "share" in key else str(name))
    elif isinstance(value, list | tuple):
        for item in value:
            _walk_numbers(item, counts, shares, key)


def _figures(summary: Mapping[str, Any]) -> dict[str, tuple[set[float], set[float]]]:
    """Question code (and "all", the respondents and every question) to (counts, percentages)."""
    overall_counts: set[float] = set()
    overall_shares: set[float] = set()
    respondents = summary.get("respondents", {})
    _walk_numbers(respondents, overall_counts, overall_shares)
    _walk_numbers(summary.get("snapshot", {}).get("excluded", {}), overall_counts, overall_shares)
    total = respondents.get("total") or 0
    if total:
        # Shares of all respondents (by category, type, language, consent, late, campaigns).
        overall_shares |= {count * 100 / total for count in overall_counts}
    figures: dict[str, tuple[set[float], set[float]]] = {}
    every_counts, every_shares = set(overall_counts), set(overall_shares)
    for question in summary.get("questions", []):
        counts: set[float] = set()
        shares: set[float] = set()
        _walk_numbers(question, counts, shares)
        figures[question["code"]] = (counts | overall_counts, shares | overall_shares)
        every_counts |= counts
        every_shares |= shares
    figures["all"] = (every_counts, every_shares)
    return figures


def _matches(written: str, values: Iterable[float]) -> bool:
    """Whether a number as written is one of ``values`` at the precision it is written to."""
    decimals = len(written.partition(".")[2])
    target = float(written)
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(abs(value - target) <= tolerance for value in values)


# --- The checks ----------------------------------------------------------------------------------


def _share_named(sentence: str, question: Mapping[str, Any]) -> tuple[float, str] | None:
    """The share (%) of those answering ``question`` who took the view ``sentence`` names, and
    how the view is described; None when the sentence names none of its views."""
    agree = question.get("agree")
    view = stance(sentence)
    if agree is not None and view is not None:
        share = agree.get("share_disagreeing" if view == "disagree" else "share_agreeing")
        if share is None:
            return None
        label = gettext("disagreed") if view == "disagree" else gettext("agreed")
        return share * 100, label
    lowered = sentence.lower()
    best: tuple[int, float, str] | None = None
    for choice in question.get("choices", []):
        share = question.get("shares", {}).get(choice["value"])
        if share is None:
            continue
        for text in (choice["label"].get("en", ""), choice["label"].get("zh-hant", "")):
            if len(text) >= 2 and text.lower() in lowered and (best is None or len(text) > best[0]):
                best = (len(text), share * 100, f"“{text}”")
    return None if best is None else (best[1], best[2])


def _wording_issues(
    place: Place, questions: Mapping[str, Mapping[str, Any]], rules: Mapping[str, Rule]
) -> list[CheckIssue]:
    issues = []
    for language, text in (("en", place.english), ("zh", place.chinese)):
        for use in quantifier_uses(text):
            codes = {m.value for m in mentions(use.sentence) if m.kind == "question"}
            code = next(iter(codes)) if len(codes) == 1 else place.code
            question = questions.get(code)
            if question is None:
                continue
            named = _share_named(use.sentence, question)
            rule = rules.get(use.key)
            if named is None or rule is None or rule.allows(named[0]):
                continue
            share, view = named
            issues.append(
                CheckIssue(
                    "wording",
                    _where(place, language),
                    gettext(
                        "“%(phrase)s”: %(share)s%% of those answering %(code)s %(view)s; "
                        "“%(quantifier)s” needs %(rule)s."
                    )
                    % {
                        "phrase": use.phrase,
                        "share": f"{share:.1f}",
                        "code": code,
                        "view": view,
                        "quantifier": Quantifier(use.key).label,
                        "rule": rule.describe(),
                    },
                    _key("wording", place.code, place.part, language, use.key, use.sentence),
                )
            )
    return issues


def _figure_issues(
    place: Place, figures: Mapping[str, tuple[set[float], set[float]]]
) -> list[CheckIssue]:
    counts, shares = figures.get(place.code, figures["all"])
    issues = []
    for language, text in (("en", place.english), ("zh", place.chinese)):
        for mention in mentions(text):
            if mention.kind not in ("number", "percent"):
                continue
            if mention.kind == "number" and mention.text.isascii() and mention.text.isalpha():
                continue  # "twelve months": words are left to the parity check
            if mention.kind == "number":
                if "." not in mention.value and 1990 <= int(mention.value) <= 2100:
                    continue  # a year
                if _matches(mention.value, counts):
                    continue
            elif _matches(mention.value, shares):
                continue
            issues.append(
                CheckIssue(
                    "figure",
                    _where(place, language),
                    gettext("“%(written)s” is none of the report's figures for %(scope)s.")
                    % {
                        "written": mention.text,
                        "scope": place.code if place.code != "intro" else gettext("this report"),
                    },
                    _key("figure", place.code, place.part, language, mention.kind, mention.value),
                )
            )
    return issues


def _parity_issues(place: Place) -> list[CheckIssue]:
    if not place.english.strip() or not place.chinese.strip():
        return []
    english, chinese = mention_counts(place.english), mention_counts(place.chinese)
    issues = []
    for kind in KINDS:
        if english[kind] == chinese[kind]:
            continue
        issues.append(
            CheckIssue(
                "parity",
                place.label,
                gettext("%(what)s differ. English: %(en)s. Chinese: %(zh)s.")
                % {
                    "what": KIND_LABELS[kind],
                    "en": _values(english[kind], kind),
                    "zh": _values(chinese[kind], kind),
                },
                _key(
                    "parity",
                    place.code,
                    place.part,
                    kind,
                    _values(english[kind]),
                    _values(chinese[kind]),
                ),
            )
        )
    en_items, zh_items = list_items(place.english), list_items(place.chinese)
    if en_items != zh_items:
        issues.append(
            CheckIssue(
                "parity",
                place.label,
                gettext("The English has %(en)s list items, the Chinese %(zh)s.")
                % {"en": en_items, "zh": zh_items},
                _key("parity", place.code, place.part, "list", en_items, zh_items),
            )
        )
    return issues


def _length_issues(places: list[Place]) -> list[CheckIssue]:
    ratios = {
        place: len(place.chinese.strip()) / len(place.english.strip())
        for place in places
        if len(place.english.strip()) >= LENGTH_MIN_CHARS
        and len(place.chinese.strip()) >= LENGTH_MIN_CHARS / 4
    }
    if len(ratios) < 3:
        return []
    median = statistics.median(ratios.values())
    issues = []
    for place, ratio in ratios.items():
        if median / LENGTH_RATIO_FACTOR <= ratio <= median * LENGTH_RATIO_FACTOR:
            continue
        issues.append(
            CheckIssue(
                "parity",
                place.label,
                gettext(
                    "The Chinese is %(ratio)s of the English's length, against %(median)s in "
                    "the draft's other texts: is a part missing from one language?"
                )
                % {"ratio": f"{ratio:.2f}", "median": f"{median:.2f}"},
                _key("length", place.code, place.part, len(place.english), len(place.chinese)),
            )
        )
    return issues


def _shown(kind: str, value: str) -> str:
    """A normalised value as staff read it: HK$5,000,000, 48%, 1,234."""
    if kind in ("money", "number", "percent"):
        whole, _, decimals = value.partition(".")
        text = f"{int(whole):,}" + (f".{decimals}" if decimals else "")
        return {"money": f"HK${text}", "percent": f"{text}%"}.get(kind, text)
    return value


def _values(counter: Counter[str], kind: str = "") -> str:
    if not counter:
        return gettext("none")
    return ", ".join(
        _shown(kind, value) if count == 1 else f"{_shown(kind, value)} ×{count}"
        for value, count in sorted(counter.items())
    )


def _where(place: Place, language: str) -> str:
    return f"{place.label} ({gettext('English') if language == 'en' else gettext('Chinese')})"


def draft_issues(
    *,
    summary: Mapping[str, Any],
    intro_en: str,
    intro_zh: str,
    texts: Mapping[str, QuestionText],
    rules: Mapping[str, Rule] | None = None,
) -> list[CheckIssue]:
    """Every point of a conclusions text to fix or waive before publishing (module docstring).
    ``summary`` is the report's summary.json; ``texts`` are keyed by question code."""
    rules = wording_rules() if rules is None else rules
    questions = {question["code"]: question for question in summary.get("questions", [])}
    figures = _figures(summary)
    places = _places(intro_en, intro_zh, texts)
    issues: list[CheckIssue] = []
    for place in places:
        issues += _wording_issues(place, questions, rules)
        issues += _figure_issues(place, figures)
        issues += _parity_issues(place)
    issues += _length_issues(places)
    unique = {issue.key: issue for issue in issues}
    return list(unique.values())


def issues_open(*, consultation: Consultation, issues: list[CheckIssue]) -> list[CheckIssue]:
    """The points no editor has waived."""
    waived = set(
        CheckWaiver.objects.filter(
            consultation=consultation, key__in=[issue.key for issue in issues]
        ).values_list("key", flat=True)
    )
    return [issue for issue in issues if issue.key not in waived]


def draft_check(
    *, consultation: Consultation, draft: ConclusionsDraft | None, summary: Mapping[str, Any]
) -> list[CheckIssue]:
    """``draft_issues`` of a saved version of the conclusions (none without one)."""
    if draft is None:
        return []
    codes = dict(Question.objects.filter(consultation=consultation).values_list("pk", "code"))
    texts = {
        codes[pk]: text
        for pk, text in sorted(draft_texts(draft=draft).items(), key=lambda item: item[0])
        if pk in codes
    }
    return draft_issues(
        summary=summary, intro_en=draft.intro_en, intro_zh=draft.intro_zh, texts=texts
    )
