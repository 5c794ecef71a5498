"""What a summary report reads: one consultation's questions and counted responses, as plain data.

``reports.loading.report_inputs`` fills a :class:`ReportInputs` from the database; the pure pandas
code in ``reports.summary`` turns it into a summary. Nothing here imports Django, so aggregation
can be tested (and run on a worker) with hand-made frames and no database.

The frames and their columns:

``respondents``
    one row per counted submission: ``submission_id`` (int64), ``respondent_type``, ``category``,
    ``consent``, ``language`` (str; an empty string when the respondent left it blank),
    ``is_late`` (bool), ``campaign_group`` (the group's label or None), ``display_name`` (the
    organisation's name for an organisation, else the contact's name; None unless the respondent
    chose ``name_and_response`` and has not had their personal data erased), ``weight`` (int64,
    at least 1: the signatories a petition record stands for, 1 for any other submission),
    ``channel`` (how it arrived: one of ``CHANNELS``) and ``licence_status``
    (``LICENCE_STATUSES``: a licensed firm or an applicant in the register staff uploaded, else
    ``other``). A frame without the last three (hand-made, or from before them) reads as weight 1
    by the web form, ``other``.
``answers``
    one row per answer to a choice or number question (per selected choice for multiple choice):
    ``submission_id``, ``question_id`` (int64), ``choice_id``, ``number`` (nullable Int64).
``texts``
    one row per non-blank free-text answer: ``submission_id``, ``question_id``, ``text`` and
    ``theme_ids`` (a tuple of the staff themes coded on the answer).
``themes``
    the consultation's staff themes: ``id``, ``name_en``, ``name_zh``, ``parent_id`` (nullable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from reports.summary.fingerprint import FingerprintParts
    from reports.summary.grouped import GroupedAnswers

# Why a submission was left out of a report, in the order the method note lists them.
EXCLUSION_REASONS: tuple[str, ...] = (
    "withdrawn",
    "duplicate",
    "spam",
    "out_of_scope",
    "other",
    "unconfirmed",
    "after_cutoff",
)
# The value a report uses for a respondent who left their category or type blank.
NOT_STATED = "not_stated"

# How a submission reached the regulator (surveys.choices.Channel; a test keeps them in step),
# and those of them that are written submissions sent otherwise than through the form.
CHANNELS: tuple[str, ...] = ("web", "email", "post", "fax", "import")
WRITTEN_CHANNELS: tuple[str, ...] = ("email", "post", "fax")
CHANNEL_WEB = "web"

RESPONDENT_COLUMNS: tuple[str, ...] = (
    "submission_id",
    "respondent_type",
    "category",
    "consent",
    "is_late",
    "campaign_group",
    "display_name",
    "language",
    "weight",
    "channel",
    "licence_status",
)
# A response's licence status (surveys.models.LicenceStatus), in the order tables give them.
LICENCE_STATUSES: tuple[str, ...] = ("licensed", "applicant", "other")
LICENCE_OTHER = "other"
ANSWER_COLUMNS: tuple[str, ...] = ("submission_id", "question_id", "choice_id", "number")
TEXT_COLUMNS: tuple[str, ...] = ("submission_id", "question_id", "text", "theme_ids")
THEME_COLUMNS: tuple[str, ...] = ("id", "name_en", "name_zh", "parent_id")


@dataclass(frozen=True)
class Text:
    """A text in English and Traditional Chinese; ``get`` falls back to the other language."""

    en: str
    zh: str = ""

    def get(self, language: str) -> str:
        if language.lower().startswith("zh"):
            return self.zh or self.en
        return self.en or self.zh


@dataclass(frozen=True)
class ChoiceMeta:
    id: int
    value: str
    label: Text
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """A conditional question is shown only to respondents who chose ``choice_value`` there."""

    question_id: int
    question_code: str
    choice_id: int
    choice_value: str


@dataclass(frozen=True)
class SectionMeta:
    order: int
    title: Text


@dataclass(frozen=True)
class QuestionMeta:
    id: int
    code: str
    kind: str
    order: int
    section: SectionMeta
    text: Text
    choices: tuple[ChoiceMeta, ...] = ()
    condition: Condition | None = None
    # The form refuses a page without an answer to it (a conditional one: only where shown).
    required: bool = False

    @property
    def is_closed(self) -> bool:
        return self.kind in CLOSED_KINDS


@dataclass(frozen=True)
class Option:
    """A stable value with its bilingual label (respondent categories, types, consents)."""

    value: str
    label: Text


@dataclass(frozen=True)
class ConsultationMeta:
    slug: str
    reference_prefix: str
    title: Text
    opens_at: dt.datetime
    closes_at: dt.datetime
    questions: tuple[QuestionMeta, ...]
    categories: tuple[Option, ...]
    respondent_types: tuple[Option, ...]
    consents: tuple[Option, ...]
    # Campaign group label -> whether a reviewer confirmed it.
    campaigns_confirmed: Mapping[str, bool] = field(default_factory=dict)
    # Campaign group label -> its standard text (a petition's as staff entered it, a detected
    # group's representative text), published once for each confirmed campaign.
    campaign_texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """The submissions a report counted: how many, its fingerprint (``sha256``, see
    ``reports.summary.fingerprint``), the cut-off, what was left out.

    A chunk's snapshot (``report_inputs(id_range=...)``) has ``check_sha256`` of its submissions
    as ``sha256`` instead: the plan compares it, the fingerprint is the merge's to make."""

    count: int
    sha256: str
    as_of: dt.datetime
    excluded: Mapping[str, int]
    # The reasons reviewers wrote for the submissions counted under "other" in ``excluded``:
    # reason -> submissions. Staff-only: a reviewer's note is never published.
    excluded_other_reasons: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportInputs:
    meta: ConsultationMeta
    respondents: pd.DataFrame
    answers: pd.DataFrame
    texts: pd.DataFrame
    themes: pd.DataFrame
    snapshot: Snapshot
    # What this read contributes to the fingerprint (``reports.summary.fingerprint``); None when
    # it was not computed (hand-made inputs, a read without the free text).
    fingerprint: FingerprintParts | None = None
    # The choice and number answers counted by the database (``reports.summary.grouped``),
    # read instead of their rows on PostgreSQL: ``answers`` is then empty.
    grouped: GroupedAnswers | None = None


# The kinds answered by picking choices, and those of them where a respondent picks exactly one.
CLOSED_KINDS = frozenset({"agree", "yes_no_unsure", "single", "multiple"})
SINGLE_VALUED_KINDS = frozenset({"agree", "yes_no_unsure", "single"})


def check_line(submission_id: int, updated_at: dt.datetime) -> bytes:
    """One submission's line in a chunk plan's check: ``"<id> <updated_at in UTC, ISO
    8601>\\n"``. Not the report's fingerprint (``reports.summary.fingerprint``): it only lets the
    merge see that a chunk read the submissions, and the versions of them, its plan listed."""
    return f"{submission_id} {updated_at.astimezone(dt.UTC).isoformat()}\n".encode()


def check_sha256(rows: Iterable[tuple[int, dt.datetime]]) -> str:
    """SHA-256 of ``check_line`` of each (id, updated_at), in ascending id order."""
    digest = hashlib.sha256()
    for submission_id, updated_at in sorted(rows, key=lambda row: row[0]):
        digest.update(check_line(submission_id, updated_at))
    return digest.hexdigest()


def respondents_frame(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    """A ``respondents`` frame from tuples in the order of ``RESPONDENT_COLUMNS``; tuples without
    the last three read as weight 1 by the web form, ``other``; tuples of the first eight and the
    licence status, as weight 1 by the web form; and tuples without only the last,
    ``licence_status``, as ``other``."""
    base = len(RESPONDENT_COLUMNS) - 3
    filled = []
    for row in rows:
        record = tuple(row)
        if len(record) == base:
            record = (*record, 1, CHANNEL_WEB)
        elif len(record) == base + 1:  # the licence status without weight and channel
            record = (*record[:base], 1, CHANNEL_WEB, record[base])
        if len(record) == base + 2:
            record = (*record, LICENCE_OTHER)
        filled.append(record)
    return respondents_typed(pd.DataFrame.from_records(filled, columns=list(RESPONDENT_COLUMNS)))


def respondents_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``respondents`` frame from a frame of all ``RESPONDENT_COLUMNS`` (the loader builds one
    from columns, ``respondents_frame`` from tuples): the agreed dtypes, blanks and absences."""
    frame = licence_statuses_filled(frame)
    frame = frame.astype(
        {
            "submission_id": "int64",
            "respondent_type": "object",
            "category": "object",
            "consent": "object",
            "is_late": "bool",
            "language": "object",
            "weight": "int64",
            "channel": "object",
        }
    )
    for column in ("respondent_type", "category", "consent", "language"):
        frame[column] = frame[column].fillna("").astype("object")
    # Missing labels and names are None, never NaN, so that they read as "absent" everywhere.
    for column in ("campaign_group", "display_name"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


def weighted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a respondents frame) with ``weight`` and ``channel``: 1 and the web form
    where a hand-made frame has no such column."""
    if "weight" not in frame.columns:
        frame = frame.assign(weight=np.ones(len(frame), dtype=np.int64))
    if "channel" not in frame.columns:
        frame = frame.assign(channel=CHANNEL_WEB)
    return frame


def licence_statuses_filled(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``licence_status`` column, ``other`` where absent, blank or unknown."""
    if "licence_status" not in frame.columns:
        return frame.assign(licence_status=LICENCE_OTHER)
    values = frame["licence_status"].astype("object")
    return frame.assign(licence_status=values.where(values.isin(LICENCE_STATUSES), LICENCE_OTHER))


def answers_frame(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    """An ``answers`` frame from ``(submission_id, question_id, choice_id, number)`` tuples.

    Each column is built straight from its values: a column with a None would otherwise pass
    through float64 and lose the digits of numbers above 2**53."""
    rows = list(rows)
    return pd.DataFrame(
        {
            "submission_id": np.array([row[0] for row in rows], dtype=np.int64),
            "question_id": np.array([row[1] for row in rows], dtype=np.int64),
            "choice_id": _nullable_integers([row[2] for row in rows]),
            "number": _nullable_integers([row[3] for row in rows]),
        }
    )


def _nullable_integers(values: list[Any]) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(
        np.array([0 if v is None else v for v in values], dtype=np.int64),
        np.array([v is None for v in values], dtype=bool),
    )


def answers_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The answer columns with their agreed dtypes (ids int64, choice and number nullable)."""
    return frame.astype(
        {"submission_id": "int64", "question_id": "int64", "choice_id": "Int64", "number": "Int64"}
    )


def texts_frame(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    """A ``texts`` frame from ``(submission_id, question_id, text, theme_ids)`` tuples."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(TEXT_COLUMNS))
    frame = frame.astype({"submission_id": "int64", "question_id": "int64"})
    frame["text"] = frame["text"].astype("object")
    frame["theme_ids"] = [tuple(int(i) for i in ids or ()) for ids in frame["theme_ids"]]
    return frame


def themes_frame(rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    """A ``themes`` frame from ``(id, name_en, name_zh, parent_id)`` tuples."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(THEME_COLUMNS))
    return frame.astype(
        {"id": "int64", "name_en": "object", "name_zh": "object", "parent_id": "Int64"}
    )
