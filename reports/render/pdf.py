"""The summary as a PDF publication, typeset by WeasyPrint from Django templates.

``write_pdf`` prepares a plain view of the summary in the edition's language (formatted figures,
translated labels, charts as PNG data URIs), renders ``reports/pdf/report.html`` and typesets it.
Templates never format numbers or choose labels; they lay out what this module prepared. All
respondent text reaches the template as ordinary strings, so Django escapes it.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from reports.render import charts, headline, labels, method
from reports.render.charts import Bar, Chart
from reports.render.method import Row
from reports.render.pdf_split import SplitTables, closed_split, cross_row, number_split, text_split
from reports.summary.inputs import QuestionMeta
from reports.summary.types import Campaign, QuestionSummary, Summary
from textkit.tokenise import HAN_RUN

TEMPLATE = "reports/pdf/report.html"
# WeasyPrint logs every page it lays out at INFO: noise in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
HASH_PREFIX = 16  # characters of the snapshot hash shown in print


# Steps of the PDF's progress, stored untranslated (see reports.jobs.services), and where each
# ends as a share of the PDF's time (measured: charts about a third, layout and drawing the
# rest, evenly).
STEP_CHARTS = gettext_noop("Drawing the charts")
STEP_LAYOUT = gettext_noop("Laying out the PDF pages")
STEP_WRITING = gettext_noop("Writing the PDF file")
# Suggested campaigns the PDF names, the largest first; the rest are counted in one row (the XLSX
# and JSON editions list every one). Detection suggests a group for every pair of similar texts:
# 3,271 groups at 100,000 responses, which took 97 of the PDF's 150 pages and most of its time.
SUGGESTED_LISTED = 20
PDF_CHARTS_DONE = 0.3
PDF_LAYOUT_DONE = 0.65


@dataclass
class QuestionView:
    anchor: str
    code: str
    kind: str
    text: str
    note: str = ""
    chart: str = ""  # a data URI, drawn from ``chart_spec`` once every chart is known
    chart_spec: Chart | None = None
    chart_title: str = ""
    counts_header: list[str] = field(default_factory=list)
    counts: list[Row] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    cross_header: list[str] = field(default_factory=list)
    cross: list[Row] = field(default_factory=list)
    cross_narrow: bool = False
    # By respondent type, without campaign responses, late responses alone.
    split: SplitTables | None = None
    themes: list[Row] = field(default_factory=list)
    coded_note: str = ""
    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    terms_note: str = ""
    quotes: list[dict[str, Any]] = field(default_factory=list)
    quotes_note: str = ""
    multiple_note: str = ""
    # Conclusions edition only: {"views": ..., "response": ...} written by staff.
    conclusion: dict[str, str] | None = None


@dataclass
class SectionView:
    anchor: str
    number: int
    title: str
    questions: list[QuestionView] = field(default_factory=list)


def write_pdf(
    *,
    summary: Summary,
    language: str,
    path: Path,
    conclusions: dict[str, Any] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
) -> None:
    """Typeset the summary; with ``conclusions`` (``reports.conclusions.conclusions_content``),
    the conclusions edition: an introduction, each question's figures followed by the summary of
    views and the regulator's response, and the appendix of respondents.

    ``on_progress(fraction, step)`` is told as the charts are drawn, the pages laid out and the
    file written (fraction from 0 to 1): typesetting is most of a report's build time."""
    from weasyprint import HTML  # loaded only by the processes that typeset PDFs

    def progress(fraction: float, step: str) -> None:
        if on_progress is not None:
            on_progress(fraction, step)

    with translation.override(language):
        progress(0.0, STEP_CHARTS)
        # The conclusions edition is the public one: it shows only what may be published.
        context = _context(summary, language, public=conclusions is not None)
        if conclusions is not None:
            _add_conclusions(context, conclusions)
        progress(PDF_CHARTS_DONE, STEP_LAYOUT)
        html = render_to_string(TEMPLATE, context)
        with _cycle_collection_paused():
            document = HTML(string=html, base_url=str(Path(__file__).parent)).render(pdf_tags=True)
            progress(PDF_LAYOUT_DONE, STEP_WRITING)
            document.write_pdf(target=str(path), pdf_tags=True)
        progress(1.0, STEP_WRITING)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector off while WeasyPrint typesets. Typesetting makes millions of
    short-lived objects, and each of the collector's full passes walks every object alive in the
    process (Django's, the summary's): a fifth of the PDF's time at 100,000 responses, for
    little garbage, since the boxes are freed by reference counting (bench/README.md, round 5).
    What cycles typesetting leaves are collected once it is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _context(summary: Summary, language: str, *, public: bool) -> dict[str, Any]:
    meta = summary.meta
    snapshot = summary.snapshot
    title = meta.title.get(language)
    respondents = _respondents(summary, language)
    sections = _sections(summary, language, public=public)
    _draw_charts(respondents, sections)
    return {
        "language": language,
        "html_lang": "zh-Hant-HK" if labels.is_chinese(language) else "en-HK",
        "font_family": (
            '"Noto Sans CJK HK", "Noto Sans CJK TC", sans-serif'
            if labels.is_chinese(language)
            else '"Noto Sans CJK HK", "Noto Sans", "DejaVu Sans", sans-serif'
        ),
        "title": title,
        "slug": meta.slug,
        "page_css": _css_page_label(gettext("Page {page} of {pages}")),
        "kicker_css": _css_string(gettext("Summary of responses")),
        "period": gettext("%(opens)s to %(closes)s")
        % {
            "opens": labels.date_text(meta.opens_at, language),
            "closes": labels.datetime_text(meta.closes_at, language),
        },
        # Respondents, each record with its weight (a petition's signatories): the N of the
        # headline, which gives the records behind it when they differ.
        "counted": labels.count_text(summary.respondents.total),
        "headline": headline.headline_text(summary.respondents),
        "as_of": labels.datetime_text(snapshot.as_of, language),
        "generated": labels.datetime_text(summary.generated_at, language),
        "hash_prefix": snapshot.sha256[:HASH_PREFIX],
        "sha256": snapshot.sha256,
        "excluded": method.excluded_rows(summary, public=public),
        "excluded_total": labels.count_text(sum(snapshot.excluded.values())),
        "method": method.method_texts(summary, language, public=public),
        "respondents": respondents,
        "sections": sections,
    }


def _draw_charts(respondents: dict[str, Any], sections: list[SectionView]) -> None:
    """Draw every chart of the edition at once (from the chart cache where it holds them;
    the rest drawn, in parallel where ``REPORT_CHARTS_IN_PARALLEL``) and put each one's data
    URI in its place."""
    views = [view for section in sections for view in section.questions if view.chart_spec]
    specs = [view.chart_spec for view in views if view.chart_spec is not None]
    if respondents["chart_spec"] is not None:
        specs.insert(0, respondents["chart_spec"])
    configured = getattr(settings, "REPORT_CHART_CACHE_DIR", None)
    uris = charts.draw_charts(
        specs,
        cache_dir=Path(configured) if configured else None,
        parallel=getattr(settings, "REPORT_CHARTS_IN_PARALLEL", False),
    )
    if respondents["chart_spec"] is not None:
        respondents["chart"] = uris.pop(0)
    for view, uri in zip(views, uris, strict=True):
        view.chart = uri


def _add_conclusions(context: dict[str, Any], conclusions: dict[str, Any]) -> None:
    context["conclusions"] = conclusions
    context["kicker_css"] = _css_string(gettext("Consultation conclusions"))
    texts = conclusions.get("questions", {})
    for section in context["sections"]:
        for question in section.questions:
            question.conclusion = texts.get(question.code)


def _css_page_label(template: str) -> str:
    """A CSS ``content`` value from "Page {page} of {pages}" in the edition's language."""
    parts = re.split(r"(\{page\}|\{pages\})", template)
    tokens = []
    for part in parts:
        if part == "{page}":
            tokens.append("counter(page)")
        elif part == "{pages}":
            tokens.append("counter(pages)")
        elif part:
            tokens.append(_css_string(part))
    return " ".join(tokens) or "counter(page)"


def _css_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    )
    return f'"{escaped}"'


def _respondents(summary: Summary, language: str) -> dict[str, Any]:
    respondents = summary.respondents
    total = respondents.total
    types = list(respondents.by_type)
    rows = []
    for category, n in respondents.by_category.items():
        by_type = respondents.by_category_type.get(category, {})
        rows.append(
            Row(
                labels.category_label(summary, category, language),
                [
                    *(labels.count_text(by_type.get(kind, 0)) for kind in types),
                    labels.count_text(n),
                    labels.percent_text(n / total if total else None),
                ],
            )
        )
    rows.append(
        Row(
            gettext("Total"),
            [
                *(labels.count_text(respondents.by_type[kind]) for kind in types),
                labels.count_text(total),
                labels.percent_text(1.0 if total else None),
            ],
            total=True,
        )
    )
    present = [(category, n) for category, n in respondents.by_category.items() if n]
    chart = None
    if present:
        chart = Chart(
            tuple(
                Bar(
                    labels.category_label(summary, category, language),
                    n,
                    f"{labels.count_text(n)} ({labels.percent_text(n / total)})",
                )
                for category, n in sorted(present, key=lambda item: -item[1])
            ),
            percent_axis=False,
        )
    return {
        "total": labels.count_text(total),
        "header": [gettext("Category"), *(labels.type_label(t) for t in types)]
        + [gettext("Total"), gettext("Share")],
        "rows": rows,
        "chart": "",
        "chart_spec": chart,
        "consents": [
            Row(
                labels.option_label(summary.meta.consents, consent, language),
                [labels.count_text(n), labels.percent_text(n / total if total else None)],
            )
            for consent, n in respondents.by_consent.items()
        ],
        "languages": [
            Row(
                labels.language_label(value),
                [labels.count_text(n), labels.percent_text(n / total if total else None)],
            )
            for value, n in respondents.by_language.items()
        ],
        "campaigns": [
            Row(
                campaign.label,
                [
                    labels.count_text(campaign.records or campaign.size),
                    labels.count_text(campaign.size),
                ],
            )
            for campaign in respondents.campaigns
            if campaign.confirmed
        ],
        "campaign_texts": headline.campaign_texts(respondents),
        "channels": [
            Row(
                headline.channel_label(channel),
                [labels.count_text(n), labels.percent_text(n / total if total else None)],
            )
            for channel, n in respondents.by_channel.items()
        ],
        "in_campaigns": labels.count_text(respondents.in_confirmed_campaigns),
        "not_in_campaigns": labels.count_text(total - respondents.in_confirmed_campaigns),
        **_suggested(respondents.campaigns),
        "in_suggested": labels.count_text(respondents.in_suggested_groups),
    }


def _suggested(campaigns: Sequence[Campaign]) -> dict[str, Any]:
    """The largest ``SUGGESTED_LISTED`` suggested campaigns (``campaigns`` is largest first) as
    rows, and how many more there are with how many submissions."""
    suggested = [campaign for campaign in campaigns if not campaign.confirmed]
    listed, more = suggested[:SUGGESTED_LISTED], suggested[SUGGESTED_LISTED:]
    return {
        "suggested": [
            Row(campaign.label, [labels.count_text(campaign.size)]) for campaign in listed
        ],
        "suggested_more": len(more),
        "suggested_more_text": labels.count_text(len(more)),
        "suggested_more_size": labels.count_text(sum(campaign.size for campaign in more)),
    }


def _sections(summary: Summary, language: str, *, public: bool) -> list[SectionView]:
    sections: list[SectionView] = []
    for question in summary.questions:
        section = question.meta.section
        if not sections or sections[-1].number != section.order:
            sections.append(
                SectionView(
                    anchor=f"section-{section.order}",
                    number=section.order,
                    title=section.title.get(language),
                )
            )
        sections[-1].questions.append(_question(summary, question, language, public=public))
    return sections


def _condition_note(
    summary: Summary, meta: QuestionMeta, eligible: int | None, language: str
) -> str:
    if meta.condition is None:
        return ""
    return gettext(
        "Asked only of respondents who chose “%(choice)s” at %(question)s: %(n)s respondents."
    ) % {
        "choice": labels.choice_label(
            summary, meta.condition.question_code, meta.condition.choice_value, language
        ),
        "question": meta.condition.question_code,
        "n": labels.count_text(eligible),
    }


def _question(
    summary: Summary, question: QuestionSummary, language: str, *, public: bool
) -> QuestionView:
    meta = question.meta
    view = QuestionView(
        anchor=f"question-{re.sub(r'[^A-Za-z0-9_-]', '-', meta.code)}",
        code=meta.code,
        kind=labels.kind_label(meta.kind),
        text=meta.text.get(language),
        note=_condition_note(summary, meta, question.eligible, language),
    )
    if meta.is_closed:
        _closed(view, summary, question, language)
    elif question.numbers is not None:
        _numbers(view, summary, question, language)
    elif question.text is not None:
        _free_text(view, summary, question, language, public=public)
    return view


def _answered_rows(question: QuestionSummary, columns: int) -> list[Row]:
    pad = [""] * (columns - 1)
    return [
        Row(gettext("Answered"), [labels.count_text(question.answered), *pad], total=True),
        Row(gettext("Not answered"), [labels.count_text(question.not_answered), *pad]),
        Row(gettext("All respondents"), [labels.count_text(question.total), *pad], total=True),
    ]


def _closed(view: QuestionView, summary: Summary, question: QuestionSummary, language: str) -> None:
    meta = question.meta
    view.counts_header = [
        gettext("Answer"),
        gettext("Respondents"),
        # xgettext:no-python-format
        gettext("% of those answering"),
    ]
    view.counts = [
        Row(
            choice.label.get(language),
            [
                labels.count_text(question.counts.get(choice.value, 0)),
                labels.percent_text(question.shares.get(choice.value)),
            ],
        )
        for choice in meta.choices
    ] + _answered_rows(question, 2)
    # xgettext:no-python-format
    view.chart_title = gettext("% of those answering")
    if question.answered:
        view.chart_spec = Chart(
            tuple(
                Bar(
                    choice.label.get(language),
                    question.shares.get(choice.value) or 0.0,
                    f"{labels.percent_text(question.shares.get(choice.value))} "
                    f"({labels.count_text(question.counts.get(choice.value, 0))})",
                    charts.SCALE_COLOURS.get(choice.value, charts.BAR)
                    if meta.kind in {"agree", "yes_no_unsure"}
                    else charts.BAR,
                )
                for choice in meta.choices
            ),
            maximum=1.0,
        )
    if meta.kind == "multiple":
        view.multiple_note = gettext(
            "Respondents could choose more than one answer, so the percentages may add up to "
            "more than 100%."
        )
    if question.agree is not None:
        agree = question.agree
        view.figures = [
            (gettext("Agreeing"), labels.percent_text(agree.share_agreeing)),
            (gettext("Disagreeing"), labels.percent_text(agree.share_disagreeing)),
            (gettext("Net score"), labels.net_text(agree.net_score)),
        ]
    view.cross_header = [
        gettext("Category"),
        *(choice.label.get(language) for choice in meta.choices),
        gettext("Not answered"),
        gettext("Total"),
    ]
    view.cross = [cross_row(row) for row in labels.cross_tab(summary, question, language)]
    view.split = closed_split(summary, question, view.cross_header[1:])


def _band_label(lower: int | None, upper: int | None) -> str:
    if lower is None:
        return gettext("Below 0")
    if upper is None:
        return gettext("%(lower)s or more") % {"lower": labels.count_text(lower)}
    return f"{labels.count_text(lower)}–{labels.count_text(upper - 1)}"


def _numbers(
    view: QuestionView, summary: Summary, question: QuestionSummary, language: str
) -> None:
    numbers = question.numbers
    if numbers is None:
        return
    view.counts_header = [gettext("Statistic"), gettext("Value")]
    view.counts = [
        Row(gettext("Answers"), [labels.count_text(numbers.count)]),
        Row(gettext("Mean"), [labels.number_text(numbers.mean)]),
        Row(gettext("Lower quartile"), [labels.number_text(numbers.q1)]),
        Row(gettext("Median"), [labels.number_text(numbers.median)]),
        Row(gettext("Upper quartile"), [labels.number_text(numbers.q3)]),
        Row(gettext("Lowest"), [labels.number_text(numbers.minimum)]),
        Row(gettext("Highest"), [labels.number_text(numbers.maximum)]),
    ] + _answered_rows(question, 1)
    if numbers.count:
        view.chart_title = gettext("Answers by range of value")
        view.chart_spec = Chart(
            tuple(
                Bar(
                    _band_label(band.lower, band.upper),
                    band.count,
                    f"{labels.count_text(band.count)} "
                    f"({labels.percent_text(band.count / numbers.count)})",
                )
                for band in numbers.bands
            ),
            percent_axis=False,
        )
    _answered_by_category(view, summary, question, language)
    view.split = number_split(question)


def _answered_by_category(
    view: QuestionView, summary: Summary, question: QuestionSummary, language: str
) -> None:
    view.cross_narrow = True
    view.cross_header = [
        gettext("Category"),
        gettext("Answered"),
        gettext("Not answered"),
        gettext("Total"),
    ]
    for category, answered in question.answered_by_category.items():
        total = question.total_by_category.get(category, 0)
        view.cross.append(
            Row(
                labels.category_label(summary, category, language),
                [
                    {
                        "count": labels.count_text(answered),
                        "share": labels.percent_text(answered / total if total else None),
                    },
                    {"count": labels.count_text(total - answered), "share": ""},
                    {"count": labels.count_text(total), "share": ""},
                ],
            )
        )


def _free_text(
    view: QuestionView, summary: Summary, question: QuestionSummary, language: str, *, public: bool
) -> None:
    text = question.text
    if text is None:
        return
    view.counts_header = ["", gettext("Respondents")]
    view.counts = _answered_rows(question, 1)
    view.themes = [
        Row(
            labels.theme_label(theme, language),
            [
                labels.count_text(theme.count),
                labels.percent_text(theme.count / text.answered if text.answered else None),
            ],
        )
        for theme in text.themes
    ]
    view.coded_note = gettext("%(coded)s of %(answered)s answers have been coded with a theme.") % {
        "coded": labels.count_text(text.coded),
        "answered": labels.count_text(text.answered),
    }
    if text.themes:
        view.chart_title = gettext("Answers coded with each theme")
        view.chart_spec = Chart(
            tuple(
                Bar(row.label, theme.count, f"{row.cells[0]} ({row.cells[1]})")
                for row, theme in zip(view.themes[:12], text.themes[:12], strict=True)
            ),
            percent_axis=False,
        )
    if public:
        terms, phrases = text.public_terms, text.public_phrases
        counted_over, sampled = text.public_terms_counted_over, text.public_terms_sampled
    else:
        terms, phrases = text.terms, text.phrases
        counted_over, sampled = text.terms_counted_over, text.terms_sampled
    view.terms = [f"{term.term} ({labels.count_text(term.count)})" for term in terms]
    view.phrases = [f"{term.term} ({labels.count_text(term.count)})" for term in phrases]
    view.terms_note = method.terms_note(counted_over, sampled=sampled, public=public)
    for quote in text.quotes:
        if quote.name:
            attribution = quote.name
        else:
            attribution = gettext("A respondent in the category “%(category)s”") % {
                "category": labels.category_label(summary, quote.category, language)
            }
        view.quotes.append(
            {
                "text": quote.text,
                # Marks the quote's own language, so that it is set with the right glyph widths.
                "lang": "zh-Hant-HK" if HAN_RUN.search(quote.text) else "en",
                "attribution": attribution,
                "theme": quote.theme.get(language) if quote.theme is not None else "",
            }
        )
    view.quotes_note = gettext(
        "Quotes are taken only from respondents who agreed to the publication of their response, "
        "outside campaigns and suggested campaigns; names are given only where the respondent "
        "agreed to that too."
    )
    _answered_by_category(view, summary, question, language)
    view.split = text_split(question, language)
