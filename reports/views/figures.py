"""A report's figures on a staff page, each count a link to the responses behind it.

The figures are the report's own (its stored ``summary.json``), not recomputed. Staff who may
read submissions (``surveys.view_submission``) follow a count to the list of references it was
made of (``reports.trace``); others see the same figures without the links.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports import trace
from reports.models import Report, ReportFile, ReportFormat, ReportStatus
from reports.render import labels
from reports.summary.inputs import NOT_STATED
from reports.views.staff import VIEW_PERMISSION, permission_required
from surveys.models import RespondentCategory

TRACE_PERMISSION = "surveys.view_submission"
CLOSED_KINDS = frozenset({"agree", "yes_no_unsure", "single", "multiple"})
# A trace page lists at most this many references; the count above it is always complete.
TRACE_LIST_MAX = 5_000


def _report_summary(pk: int) -> tuple[Report, dict[str, Any]]:
    report = get_object_or_404(
        Report.objects.select_related("consultation"), pk=pk, status=ReportStatus.SUCCEEDED
    )
    stored = ReportFile.objects.filter(report=report, format=ReportFormat.JSON).first()
    if stored is None:
        raise Http404
    with stored.file.open("rb") as handle:
        return report, json.loads(handle.read())


def _language_key() -> str:
    return "zh-hant" if labels.is_chinese(translation.get_language() or "en") else "en"


def _option_label(choices: Any, value: str) -> str:
    if value == NOT_STATED:
        return gettext("Not stated")
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@never_cache
@require_GET
@permission_required(VIEW_PERMISSION)
def report_figures(request: HttpRequest, pk: int) -> HttpResponse:
    report, summary = _report_summary(pk)
    can_trace = request.user.has_perm(TRACE_PERMISSION)
    base = reverse("reports:trace", args=[report.pk])

    def link(figure: trace.Figure) -> str:
        return f"{base}?{urlencode(figure.query())}" if can_trace else ""

    language = _language_key()
    respondents = summary["respondents"]
    categories = [
        {
            "label": _option_label(RespondentCategory, value),
            "count": n,
            "url": link(trace.Figure(kind="category", value=value)),
        }
        for value, n in respondents["by_category"].items()
    ]
    types = [
        {
            "label": labels.type_label(value),
            "count": n,
            "url": link(trace.Figure(kind="type", value=value)),
        }
        for value, n in respondents["by_type"].items()
    ]
    left_out = [
        {
            "label": labels.exclusion_label(reason),
            "count": n,
            "url": link(trace.Figure(kind="left_out", value=reason)),
        }
        for reason, n in summary["snapshot"]["excluded"].items()
    ]
    campaigns = [
        {
            **campaign,
            "count": campaign["size"],
            "url": link(trace.Figure(kind="campaign", value=campaign["label"])),
        }
        for campaign in respondents.get("campaigns", [])
    ]
    questions = []
    for question in summary["questions"]:
        if question["kind"] not in CLOSED_KINDS:
            continue
        cross_categories = list(question.get("by_category", {}))
        rows = []
        for choice in question["choices"]:
            value = choice["value"]
            code = question["code"]
            rows.append(
                {
                    "label": choice["label"].get(language) or value,
                    "count": question["counts"].get(value, 0),
                    "share": labels.percent_text(question["shares"].get(value)),
                    "url": link(trace.Figure(kind="choice", value=value, question=code)),
                    "cells": [
                        {
                            "count": question["by_category"][category].get(value, 0),
                            "url": link(
                                trace.Figure(
                                    kind="choice", value=value, question=code, category=category
                                )
                            ),
                        }
                        for category in cross_categories
                    ],
                }
            )
        questions.append(
            {
                "code": question["code"],
                "wording": question["wording"].get(language, ""),
                "answered": question["answered"],
                "not_answered": question["not_answered"],
                "categories": [_option_label(RespondentCategory, c) for c in cross_categories],
                "rows": rows,
            }
        )
    return render(
        request,
        "reports/figures.html",
        {
            "report": report,
            "consultation": report.consultation,
            "snapshot": summary["snapshot"],
            "categories": categories,
            "types": types,
            "left_out": left_out,
            "campaigns": campaigns,
            "questions": questions,
            "can_trace": can_trace,
        },
    )


@never_cache
@require_GET
@permission_required(VIEW_PERMISSION)
def report_trace(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(TRACE_PERMISSION):
        raise PermissionDenied
    report, summary = _report_summary(pk)
    try:
        figure = trace.figure_from_query(request.GET)
    except trace.FigureUnknown as exc:
        return render(
            request,
            "reports/trace.html",
            {"report": report, "consultation": report.consultation, "unknown": str(exc)},
            status=400,
        )
    in_report = trace.figure_count(summary, figure)
    if in_report is None:
        raise Http404
    references = trace.figure_references(report=report, figure=figure)
    return render(
        request,
        "reports/trace.html",
        {
            "report": report,
            "consultation": report.consultation,
            "figure": figure,
            "figure_text": _figure_text(report, figure),
            "in_report": in_report,
            "found": len(references),
            "references": references[:TRACE_LIST_MAX],
            "shortened": len(references) > TRACE_LIST_MAX,
            "agrees": len(references) == in_report,
        },
    )


def _figure_text(report: Report, figure: trace.Figure) -> str:
    """What the figure counts, in the reader's language."""
    if figure.kind == "left_out":
        return labels.exclusion_label(figure.value)
    if figure.kind == "category":
        return _option_label(RespondentCategory, figure.value)
    if figure.kind == "type":
        return labels.type_label(figure.value)
    if figure.kind == "campaign":
        return figure.value
    words = trace.figure_labels(
        report=report, figure=figure, language=translation.get_language() or "en"
    )
    text = f"{figure.question} · {words.get('choice', figure.value)}"
    if figure.category:
        text += f" · {_option_label(RespondentCategory, figure.category)}"
    return text
