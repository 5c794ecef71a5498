"""Checking an import file's rows with the web form's own rules.

The "About you" columns go through ``AboutYouForm``; each answer through the very field the
respondent's page uses for that question (``SectionForm``: required, number range, length,
choices); then the form's cross-question rules: exclusive choices (``exclusive_mixed``),
conditions (``question_is_shown``) and required questions (``answers_missing``). Every fault of
every row is reported with its row number, column, value and reason; nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.imports.columns import (
    LANGUAGES,
    MAX_KEY_LENGTH,
    NOTE_MARK,
    RESPONDENT_COLUMNS,
    ROW_KEY,
    SEPARATORS,
    normalise,
    question_lookup,
    respondent_lookups,
)
from surveys.imports.reading import Table
from surveys.journey.forms import AboutYouForm, SectionForm, field_name
from surveys.journey.structure import (
    Answers,
    Journey,
    answers_missing,
    exclusive_mixed,
    question_is_shown,
)
from surveys.models import Channel, Choice, QuestionKind, Submission

# Longest value shown back in a fault report.
_SHOWN = 80
# Distinct cells whose cleaning is kept (about 30 MB at most; free texts rarely repeat).
_CELLS_KEPT = 200_000
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")
# The form fields a row's respondent columns feed (the PICS acknowledgement is not a column:
# the row is a response received on paper; see services._submission).
_ABOUT_FIELDS = (
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "consent",
    "licence_register",
    "licence_number",
)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class RowData:
    number: int
    key: str
    respondent: dict[str, Any]
    language: str
    channel: str
    received_at: dt.datetime | None
    answers: Answers
    digest: str


@dataclass
class CheckResult:
    rows_total: int = 0
    rows: list[RowData] = field(default_factory=list)  # new rows, valid
    already: list[str] = field(default_factory=list)  # keys imported before with this content
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _digest(row: dict[str, Any]) -> str:
    encoded = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _received_at(text: str, now: dt.datetime) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for fmt in _DATE_FORMATS:
        try:
            moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware just below
        except ValueError:
            continue
        aware = timezone.make_aware(moment, zone)
        if aware > now:
            raise ValueError(_("The date received is in the future."))
        return aware
    raise ValueError(_("Enter the date received as YYYY-MM-DD or YYYY-MM-DD HH:MM."))


class RowChecker:
    """Checks rows of one consultation's file; built once per file (the fields, the lookups)."""

    def __init__(self, *, journey: Journey, header: list[str], now: dt.datetime) -> None:
        self.journey = journey
        self.now = now
        self.header = header
        self.lookups = respondent_lookups()
        self.about_form = AboutYouForm(data={})
        self.choice_lookups = {q.code: question_lookup(q) for q in journey.questions if q.is_closed}
        self.conditional = [q for q in journey.questions if q.is_conditional]
        # Each distinct (question, cell) cleaned once: see ``_cell``.
        self.cells: dict[tuple[str, str], tuple[Any, list[str]]] = {}
        self.dates: dict[str, tuple[dt.datetime | None, str]] = {}
        # One form per section, only to lend its fields: Field.clean keeps no state.
        self.fields: dict[str, forms.Field] = {}
        for section in journey.sections:
            questions = journey.section_questions(section)
            form = SectionForm(
                journey=journey, questions=questions, prior_answers={}, language="en"
            )
            # Conditional questions whose parent is elsewhere are left out of an empty form.
            for question in questions:
                name = field_name(question)
                if name not in form.fields:
                    form = SectionForm(
                        journey=journey,
                        questions=[question],
                        prior_answers=self._satisfying(question),
                        language="en",
                    )
                self.fields[question.code] = form.fields[name]

    def _satisfying(self, question: Any) -> dict[str, Any]:
        """Answers under which ``question`` is shown (to have its form field built)."""
        answers: dict[str, Any] = {}
        while question.is_conditional:
            parent = self.journey.by_id[question.condition_question_id]
            answers[parent.code] = question.condition_choice.value
            question = parent
        return answers

    def check(self, number: int, cells: dict[str, str], problems: list[Problem]) -> RowData | None:
        found: list[Problem] = []

        def fault(column: str, value: str, reason: str) -> None:
            found.append(Problem(number, column, _shown(value), str(reason)))

        key = cells.get(ROW_KEY, "")
        if not key:
            fault(ROW_KEY, key, _("Give every row a key."))
        elif len(key) > MAX_KEY_LENGTH:
            fault(ROW_KEY, key, _("A row key has at most 100 characters."))
        respondent = self._respondent(cells, fault)
        language = LANGUAGES.get(normalise(cells.get("language", "")) or "en", "")
        if not language:
            fault("language", cells.get("language", ""), _("Give the language as en or zh-hant."))
        channel_text = cells.get("channel", "")
        channel = (
            self.lookups["channel"].get(normalise(channel_text), "")
            if channel_text
            else Channel.IMPORT.value
        )
        if not channel:
            fault("channel", channel_text, _("Give the channel as email, post, fax or import."))
        received_at = None
        text = cells.get("received_at", "")
        if text:
            # A file's dates repeat (a day's post): each distinct one parsed once.
            if text not in self.dates:
                try:
                    self.dates[text] = (_received_at(text, self.now), "")
                except ValueError as error:
                    self.dates[text] = (None, str(error))
            received_at, message = self.dates[text]
            if message:
                fault("received_at", text, message)
        answers = self._answers(cells, fault)
        if found:
            problems.extend(found)
            return None
        content = {
            "respondent": respondent,
            "language": language,
            "channel": channel,
            "received_at": received_at.isoformat() if received_at else "",
            "answers": answers,
        }
        return RowData(
            number=number,
            key=key,
            respondent=respondent,
            language=language,
            channel=channel,
            received_at=received_at,
            answers=answers,
            digest=_digest(content),
        )

    def _respondent(self, cells: dict[str, str], fault: Callable[..., None]) -> dict[str, Any]:
        data: dict[str, Any] = {"privacy_acknowledged": "on"}
        for name in _ABOUT_FIELDS:
            text = cells.get(name, "")
            lookup = self.lookups.get(name)
            data[name] = lookup.get(normalise(text), text) if lookup and text else text
        # One form for every row: building a form copies its fields (5 ms a row under load,
        # most of the check's time); ``full_clean`` starts each row's validation afresh.
        form = self.about_form
        form.data = data
        form.full_clean()
        if form.errors:
            for name, errors in form.errors.items():
                for error in errors:
                    fault(name, cells.get(name, ""), error)
            return {}
        respondent = form.respondent()
        respondent.pop("privacy_acknowledged", None)
        return respondent

    def _cell(self, question: Any, text: str) -> tuple[Any, list[str]]:
        """A cell's cleaned value (None: blank) or its faults, through the question's form
        field. Depends only on (question, text), so ``_answers`` keeps it: a closed or number
        column holds a handful of distinct values (100,000 rows, about 2.2 million answers)."""
        raw: Any = text
        if question.is_closed and text:
            lookup = self.choice_lookups[question.code]
            parts = [text]
            if question.kind == QuestionKind.MULTIPLE:
                for separator in SEPARATORS:
                    parts = [p for part in parts for p in part.split(separator)]
            parts = [p.strip() for p in parts if p.strip()]
            unknown = [p for p in parts if normalise(p) not in lookup]
            if unknown:
                return None, [
                    _("Unknown choice “%(choice)s”: use one of %(codes)s.")
                    % {"choice": unknown[0], "codes": ", ".join(lookup_values(lookup))}
                ]
            values = [lookup[normalise(p)] for p in parts]
            raw = values if question.kind == QuestionKind.MULTIPLE else values[0]
        field = self.fields[question.code]
        # Blank and optional (or conditional: ``answers_missing`` decides below): what the
        # field's clean would return, without the call (most cells of a real file are blank).
        if raw in ("", []) and (question.is_conditional or not field.required):
            return None, []
        try:
            value = field.clean(raw)
        except forms.ValidationError as error:
            return None, [str(message) for message in error.messages]
        if value in (None, "", []):
            return None, []
        alone = exclusive_mixed(question, value)
        if alone is not None:
            return None, [
                _("“%(choice)s” cannot be chosen together with other answers.")
                % {"choice": alone.value}
            ]
        return value, []

    def _answers(self, cells: dict[str, str], fault: Callable[..., None]) -> Answers:
        answers: Answers = {}
        faulty: set[str] = set()
        cache = self.cells
        for question in self.journey.questions:
            code = question.code
            text = cells.get(code, "")
            outcome = cache.get((code, text))
            if outcome is None:
                outcome = self._cell(question, text)
                if len(cache) < _CELLS_KEPT:
                    cache[(code, text)] = outcome
            value, messages = outcome
            if messages:
                for message in messages:
                    fault(code, text, message)
                faulty.add(code)
            elif value is not None:
                # A list is the row's own: the kept outcome is shared by every row.
                answers[code] = list(value) if isinstance(value, list) else value
        # Conditions, in form order: an answer to a question its row's answers do not show.
        for question in self.conditional:
            if question.code in answers and not question_is_shown(question, answers, self.journey):
                parent = self.journey.by_id[question.condition_question_id]
                fault(
                    question.code,
                    cells.get(question.code, ""),
                    _("Answered, but this question applies only when %(parent)s is “%(choice)s”.")
                    % {
                        "parent": parent.code,
                        "choice": cast(Choice, question.condition_choice).value,
                    },
                )
                faulty.add(question.code)
        for code in answers_missing(answers=answers, journey=self.journey):
            if code not in faulty:
                fault(code, "", _("This question must be answered."))
        return answers


def lookup_values(lookup: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(lookup.values()))


def rows_check(
    *,
    journey: Journey,
    table: Table,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Check every row of ``table``; report every fault. Reads the keys already imported (one
    query) and nothing else from the database."""
    result = CheckResult()
    known = set(RESPONDENT_COLUMNS) | set(journey.by_code)
    header = table.header
    for position, name in enumerate(header):
        if name not in known:
            result.problems.append(Problem(1, name or f"#{position + 1}", "", _("Unknown column.")))
        elif name in header[:position]:
            result.problems.append(Problem(1, name, "", _("This column appears twice.")))
    if ROW_KEY not in header:
        result.problems.append(Problem(1, ROW_KEY, "", _("The file has no row_key column.")))
        return result
    imported = dict(
        Submission.objects.filter(consultation=journey.consultation)
        .exclude(import_key="")
        .values_list("import_key", "import_digest")
    )
    checker = RowChecker(journey=journey, header=header, now=now)
    seen: dict[str, int] = {}
    rows = [(n, cells) for n, cells in table.rows if not cells[0].strip().startswith(NOTE_MARK)]
    result.rows_total = len(rows)
    for done, (number, cells) in enumerate(rows, start=1):
        values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            result.problems.append(
                Problem(number, f"#{len(header) + 1}", "", _("A value beyond the last column."))
            )
        row = checker.check(number, values, result.problems)
        key = values.get(ROW_KEY, "")
        duplicate = key in seen
        if duplicate:
            result.problems.append(
                Problem(
                    number,
                    ROW_KEY,
                    _shown(key),
                    _("The same row key is on row %(row)s.") % {"row": seen[key]},
                )
            )
        elif key:
            seen[key] = number
        if row is None or duplicate:
            pass
        elif key not in imported:
            result.rows.append(row)
        elif imported[key] == row.digest:
            result.already.append(key)
        else:
            result.problems.append(
                Problem(
                    number,
                    ROW_KEY,
                    _shown(key),
                    _("A row with this key was imported before with other content."),
                )
            )
        if progress is not None and (done % 1000 == 0 or done == len(rows)):
            progress(done, len(rows))
    return result
