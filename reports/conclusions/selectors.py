"""The conclusions' reads: who may edit them, the draft versions, the reports they are built on,
what a draft still lacks, and the live publication."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone
from django.utils.translation import gettext

from reports.models import (
    ConclusionsDraft,
    Publication,
    QuestionConclusion,
    Report,
    ReportFile,
    ReportFormat,
    ReportStatus,
)
from surveys.models import Consultation, ConsultationStatus, Question
from surveys.roles import EDITOR_PERMISSION

# The most characters of each text box: a conclusions paper is read, not skimmed to the end.
MAX_TEXT = 20_000
TEXT_FIELDS = ("views_summary_en", "views_summary_zh", "response_en", "response_zh")


class ConclusionsError(Exception):
    """A conclusions action that cannot be carried out; the message says why, for staff."""


@dataclass(frozen=True)
class QuestionText:
    """What an editor writes for one question, in both languages."""

    views_summary_en: str = ""
    views_summary_zh: str = ""
    response_en: str = ""
    response_zh: str = ""


def conclusions_can_edit(user: User | AnonymousUser | None) -> bool:
    """Consultation editors (and superusers) draft, publish and unpublish conclusions: those who
    may change a consultation (``surveys.roles``: the editors' permission). A permission, not
    the group's name, so that Django's per-request permission cache answers the admin's many
    checks of one page without a query each."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(EDITOR_PERMISSION)


def conclusions_open_for(consultation: Consultation, *, now: dt.datetime | None = None) -> bool:
    """Conclusions are written for a published consultation once it has closed."""
    return consultation.status_at(now or timezone.now()) == ConsultationStatus.CLOSED


def draft_latest(*, consultation: Consultation) -> ConclusionsDraft | None:
    """The newest saved version of the conclusions text, or None before the first save."""
    return ConclusionsDraft.objects.filter(consultation=consultation).order_by("-version").first()


def draft_texts(*, draft: ConclusionsDraft | None) -> dict[int, QuestionText]:
    """Question id to the texts a draft holds (empty without a draft)."""
    if draft is None:
        return {}
    return {
        row.question_id: QuestionText(**{name: getattr(row, name) for name in TEXT_FIELDS})
        for row in QuestionConclusion.objects.filter(draft=draft)
    }


def report_latest(*, consultation: Consultation, language: str) -> Report | None:
    """The newest succeeded report of ``consultation`` in ``language``."""
    return (
        Report.objects.filter(
            consultation=consultation, language=language, status=ReportStatus.SUCCEEDED
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def report_json(*, report: Report) -> dict[str, Any]:
    """The stored ``summary.json`` of a succeeded report."""
    stored = ReportFile.objects.filter(report=report, format=ReportFormat.JSON).first()
    if stored is None:
        raise ConclusionsError(
            gettext("Report #%(id)s has no JSON file; build a new report.") % {"id": report.pk}
        )
    try:
        with stored.file.open("rb") as handle:
            summary: dict[str, Any] = json.loads(handle.read().decode("utf-8"))
            return summary
    except (OSError, ValueError) as exc:
        raise ConclusionsError(
            gettext("The files of report #%(id)s cannot be read; build a new report.")
            % {"id": report.pk}
        ) from exc


def publication_live(*, consultation: Consultation) -> Publication | None:
    """The publication the public sees now, if any."""
    return (
        Publication.objects.filter(consultation=consultation, unpublished_at__isnull=True)
        .select_related("draft", "report_en", "report_zh")
        .first()
    )


def draft_missing(*, consultation: Consultation, draft: ConclusionsDraft | None) -> list[str]:
    """What a draft still lacks before it can be published, as readable lines."""
    if draft is None:
        return [gettext("No conclusions text has been saved yet.")]
    missing = []
    if not draft.intro_en:
        missing.append(gettext("The introduction in English."))
    if not draft.intro_zh:
        missing.append(gettext("The introduction in Chinese."))
    texts = draft_texts(draft=draft)
    for pk, code in (
        Question.objects.filter(consultation=consultation)
        .order_by("order")
        .values_list("pk", "code")
    ):
        text = texts.get(pk, QuestionText())
        if not all(text_values(text)):
            missing.append(
                gettext(
                    "%(code)s: the summary of views and our response, in English and in Chinese."
                )
                % {"code": code}
            )
    return missing


def text_values(text: QuestionText) -> tuple[str, ...]:
    return tuple(getattr(text, name) for name in TEXT_FIELDS)
