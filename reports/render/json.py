"""``summary.json``: the summary's figures keyed by stable values (schema in the README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reports.summary.headline import headline_of
from reports.summary.inputs import Text
from reports.summary.types import NumberFigures, QuestionSummary, SubsetFigures, Summary


def write_json(*, summary: Summary, path: Path) -> None:
    data = summary_to_dict(summary)
    # allow_nan=False: a share of nobody is null, never NaN, which is not JSON.
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def _text_dict(text: Text) -> dict[str, str]:
    return {"en": text.en, "zh-hant": text.zh}


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """The structure of ``summary.json``: stable values as keys, plain JSON types as values."""
    meta = summary.meta
    respondents = summary.respondents
    headline = headline_of(respondents)
    return {
        "schema_version": 1,
        "consultation": meta.slug,
        "title": _text_dict(meta.title),
        "reference_prefix": meta.reference_prefix,
        "opens_at": meta.opens_at.isoformat(),
        "closes_at": meta.closes_at.isoformat(),
        "generated_at": summary.generated_at.isoformat(),
        "snapshot": {
            "count": summary.snapshot.count,
            "sha256": summary.snapshot.sha256,
            "as_of": summary.snapshot.as_of.isoformat(),
            "excluded": dict(summary.snapshot.excluded),
            # Staff only: ``reports.conclusions.content.public_figures`` leaves it out.
            "excluded_other_reasons": dict(summary.snapshot.excluded_other_reasons),
        },
        # "N submissions, of which M in K campaigns, P received by email, post or fax, L late".
        "headline": {
            "total": headline.total,
            "records": headline.records,
            "in_campaigns": headline.in_campaigns,
            "campaigns": headline.campaigns,
            "written": headline.written,
            "written_by_channel": dict(headline.written_channels),
            "late": headline.late,
        },
        "respondents": {
            "total": respondents.total,
            "records": headline.records,
            "by_channel": dict(respondents.by_channel),
            "by_category": dict(respondents.by_category),
            "by_type": dict(respondents.by_type),
            "by_category_type": {k: dict(v) for k, v in respondents.by_category_type.items()},
            "by_consent": dict(respondents.by_consent),
            "by_language": dict(respondents.by_language),
            "late": respondents.late,
            "in_campaigns": respondents.in_campaigns,
            "in_confirmed_campaigns": respondents.in_confirmed_campaigns,
            "in_suggested_groups": respondents.in_suggested_groups,
            # Each campaign once: its respondents (``size``, each record with its weight), its
            # records, and the standard text of a confirmed one (a suggested group's is not
            # published).
            "campaigns": [
                {
                    "label": c.label,
                    "size": c.size,
                    "records": c.records,
                    "confirmed": c.confirmed,
                    "text": c.text if c.confirmed else "",
                }
                for c in respondents.campaigns
            ],
        },
        "questions": [_question_dict(question) for question in summary.questions],
    }


def _subset_dict(question: QuestionSummary, figures: SubsetFigures | None) -> dict[str, Any] | None:
    """One subset's figures, with the keys of the question's kind."""
    if figures is None:
        return None
    data: dict[str, Any] = {"total": figures.total, "answered": figures.answered}
    if question.meta.is_closed:
        data["counts"] = dict(figures.counts)
        data["shares"] = dict(figures.shares)
    if figures.numbers is not None:
        data["numbers"] = _numbers_dict(figures.numbers)
    if question.text is not None:
        data["coded"] = figures.coded
        # The question's themes (free_text.themes), in that order, zeros kept.
        data["themes"] = [{"id": theme_id, "count": n} for theme_id, n in figures.themes.items()]
    return data


def _numbers_dict(numbers: NumberFigures) -> dict[str, Any]:
    return {
        "count": numbers.count,
        "mean": numbers.mean,
        "median": numbers.median,
        "q1": numbers.q1,
        "q3": numbers.q3,
        "min": numbers.minimum,
        "max": numbers.maximum,
        "bands": [
            {"from": band.lower, "to": band.upper, "count": band.count} for band in numbers.bands
        ],
    }


def _question_dict(question: QuestionSummary) -> dict[str, Any]:
    meta = question.meta
    data: dict[str, Any] = {
        "code": meta.code,
        "kind": meta.kind,
        "section": meta.section.order,
        "wording": _text_dict(meta.text),
        "choices": [
            {"value": choice.value, "label": _text_dict(choice.label)} for choice in meta.choices
        ],
        "condition": (
            None
            if meta.condition is None
            else {"question": meta.condition.question_code, "choice": meta.condition.choice_value}
        ),
        "required": meta.required,
        "eligible": question.eligible,
        "answered": question.answered,
        "not_answered": question.not_answered,
        "counts": dict(question.counts),
        "shares": dict(question.shares),
        "by_category": {k: dict(v) for k, v in question.by_category.items()},
        "by_category_shares": {k: dict(v) for k, v in question.by_category_shares.items()},
        "answered_by_category": dict(question.answered_by_category),
    }
    # Every kind: the same figures by respondent type, without campaigns and of late ones alone.
    data["by_type"] = {kind: _subset_dict(question, f) for kind, f in question.by_type.items()}
    data["outside_campaigns"] = _subset_dict(question, question.outside_campaigns)
    data["late_only"] = _subset_dict(question, question.late_only)
    # And by licence status (licensed / applicant / other), for the statuses with respondents.
    data["by_licence"] = {
        status: _subset_dict(question, f) for status, f in question.by_licence.items()
    }
    if question.agree is not None:
        agree = question.agree
        data["agree"] = {
            "agreeing": agree.agreeing,
            "neutral": agree.neutral,
            "disagreeing": agree.disagreeing,
            "share_agreeing": agree.share_agreeing,
            "share_disagreeing": agree.share_disagreeing,
            "net_score": agree.net_score,
        }
    if question.numbers is not None:
        data["numbers"] = _numbers_dict(question.numbers)
    if question.text is not None:
        text = question.text
        data["free_text"] = {
            "answered": text.answered,
            "coded": text.coded,
            "quotable": text.quotable,
            "terms_counted_over": text.terms_counted_over,
            "terms_sampled": text.terms_sampled,
            "terms": [{"term": t.term, "count": t.count} for t in text.terms],
            "phrases": [{"phrase": t.term, "count": t.count} for t in text.phrases],
            # Counted only over answers whose respondents allow publication: the public edition's.
            "public_terms_counted_over": text.public_terms_counted_over,
            "public_terms_sampled": text.public_terms_sampled,
            "public_terms": [{"term": t.term, "count": t.count} for t in text.public_terms],
            "public_phrases": [{"phrase": t.term, "count": t.count} for t in text.public_phrases],
            "themes": [
                {
                    "id": theme.id,
                    "name": _text_dict(theme.name),
                    "parent": None if theme.parent is None else _text_dict(theme.parent),
                    "count": theme.count,
                }
                for theme in text.themes
            ],
            "quotes": [
                {
                    "text": quote.text,
                    "truncated": quote.truncated,
                    "attribution": "name" if quote.name else "category",
                    "name": quote.name,
                    "category": quote.category,
                    "theme": None if quote.theme is None else _text_dict(quote.theme),
                }
                for quote in text.quotes
            ],
        }
    return data
