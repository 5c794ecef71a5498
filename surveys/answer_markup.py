"""A response's answers as markup: the review and "your response" pages, and the receipt email.

Every answer row went through Django's template engine once per page and twice per receipt
(text and HTML): a 25-question response cost about 2.5 ms of CPU on the review page and as much
again in the submit request's receipt, more than the rest of either request. These functions
write the same markup in Python.

Everything from the database or the respondent (section titles, question texts, answer labels,
typed text) is escaped here; the plain-text version is for an email body and is not HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.template.defaultfilters import linebreaksbr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from surveys.services import ShownAnswer, ShownSection


def _question(row: ShownAnswer, language: str) -> str:
    """The question's number and text (not escaped)."""
    return f"{row.question.code}. {row.question.localized('text', language)}"


def _page_answer(row: ShownAnswer, not_answered: str) -> str:
    if not row.labels:
        return not_answered
    if len(row.labels) > 1:
        items = "".join(f"<li>{escape(label)}</li>" for label in row.labels)
        return f'<ul class="mb-0">{items}</ul>'
    return f'<span class="chk-answer">{linebreaksbr(row.labels[0])}</span>'


def answers_page_html(
    sections: Iterable[ShownSection],
    *,
    language: str,
    change_url: Callable[[int], str] | None = None,
) -> SafeString:
    """Each section as a heading and a summary list of its questions and answers.

    ``change_url(step_number)``, when given, adds a "Change" link to every answer that goes back
    to the question on its form page.
    """
    # The same few words on every row: translated and escaped once.
    not_answered = f'<span class="text-muted">{escape(gettext("Not answered"))}</span>'
    change, your_answer = escape(gettext("Change")), gettext("your answer to %(code)s")
    parts = []
    for shown in sections:
        number = shown.step.number
        url = escape(change_url(number)) if change_url is not None else None
        rows = []
        for row in shown.answers:
            link = ""
            if url is not None:
                code = escape(row.question.code)
                hidden = escape(your_answer % {"code": row.question.code})
                link = (
                    f'<dd class="chk-change"><a href="{url}?change=1#id_q_{code}">{change}'
                    f'<span class="visually-hidden"> {hidden}</span></a></dd>'
                )
            rows.append(
                f'<div class="chk-summary-row">\n<dt>{escape(_question(row, language))}</dt>\n'
                f"<dd>{_page_answer(row, not_answered)}</dd>{link}\n</div>"
            )
        parts.append(
            f'<section class="mb-4" aria-labelledby="section-{number}">\n'
            '<div class="d-flex justify-content-between align-items-baseline flex-wrap gap-2">\n'
            f'<h2 class="h4" id="section-{number}">{escape(shown.title)}</h2>\n</div>\n'
            '<dl class="chk-summary">\n' + "\n".join(rows) + "\n</dl>\n</section>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every text in it is escaped above


def answers_email_html(sections: Iterable[ShownSection], *, language: str) -> SafeString:
    """The answers for the HTML part of the receipt, styled inline as email clients need."""
    not_answered = f"<em>{escape(gettext('Not answered'))}</em>"
    parts = []
    for shown in sections:
        parts.append(f'\n<h2 style="font-size: 1.1rem;">{escape(shown.title)}</h2>\n<dl>')
        for row in shown.answers:
            answer = "<br>".join(linebreaksbr(label) for label in row.labels) or not_answered
            question = escape(_question(row, language))
            parts.append(
                f'\n<dt style="font-weight: bold; margin-top: .5rem;">{question}</dt>\n'
                f'<dd style="margin-left: 1rem;">{answer}</dd>'
            )
        parts.append("\n</dl>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def answers_email_text(sections: Iterable[ShownSection], *, language: str) -> str:
    """The answers for the plain-text part of the receipt: a heading per section, then each
    question with its answers indented under it."""
    not_answered = f"  ({gettext('Not answered')})\n"
    lines = []
    for shown in sections:
        lines.append(f"\n== {shown.title} ==")
        for row in shown.answers:
            lines.append(f"\n{_question(row, language)}\n")
            if row.labels:
                lines.extend(f"  {label}\n" for label in row.labels)
            else:
                lines.append(not_answered)
    return "".join(lines)
