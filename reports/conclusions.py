"""Consultation conclusions: staff draft the regulator's response, publish it, withdraw it.

After a consultation closes, Consultation editors write, per question and in both languages, a
summary of the views received and the regulator's response, plus an introduction. Every save is
a new :class:`ConclusionsDraft` version. ``conclusions_publish`` freezes the latest succeeded
report of each language and the draft version used, builds the public files (the conclusions
edition of the PDF in both languages, and the figures as CSV and JSON) and makes them public;
``conclusions_unpublish`` withdraws everything at once.

The figures published are exactly the frozen reports' figures: publishing recounts the
submissions as of the reports' snapshot and refuses if the set counted, or any count, differs
(a response withdrawn, amended or excluded since the report was built).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from reports.models import (
    ConclusionsDraft,
    Publication,
    PublicationFile,
    PublicationFileKind,
    QuestionConclusion,
    Report,
    ReportFile,
    ReportFormat,
    ReportLanguage,
    ReportStatus,
)
from reports.render import labels
from reports.summary import summary_compute
from reports.summary_types import Summary
from surveys.models import (
    Consent,
    Consultation,
    ConsultationStatus,
    Question,
    RespondentType,
    Submission,
)
from surveys.roles import EDITORS

logger = logging.getLogger(__name__)

# The most characters of each text box: a conclusions paper is read, not skimmed to the end.
MAX_TEXT = 20_000
TEXT_FIELDS = ("views_summary_en", "views_summary_zh", "response_en", "response_zh")
PDF_KINDS = {
    ReportLanguage.EN.value: PublicationFileKind.PDF_EN,
    ReportLanguage.ZH_HANT.value: PublicationFileKind.PDF_ZH,
}


class ConclusionsError(Exception):
    """A conclusions action that cannot be carried out; the message says why, for staff."""


@dataclass(frozen=True)
class QuestionText:
    """What an editor writes for one question, in both languages."""

    views_summary_en: str = ""
    views_summary_zh: str = ""
    response_en: str = ""
    response_zh: str = ""


def conclusions_can_edit(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Consultation editors (and superusers) draft, publish and unpublish conclusions."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=EDITORS).exists()


def conclusions_open_for(consultation: Consultation, *, now: dt.datetime | None = None) -> bool:
    """Conclusions are written for a published consultation once it has closed."""
    return consultation.status_at(now or timezone.now()) == ConsultationStatus.CLOSED


# --- Reads used by the drafting page and by publishing -------------------------------------------


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
            return json.loads(handle.read().decode("utf-8"))
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


# --- Drafting ------------------------------------------------------------------------------------


def draft_save(
    *,
    consultation: Consultation,
    author: AbstractBaseUser,
    intro_en: str,
    intro_zh: str,
    questions: Mapping[int, QuestionText],
) -> tuple[ConclusionsDraft, bool]:
    """Save the conclusions text as a new version; return it and whether anything changed.

    ``questions`` maps question ids of ``consultation`` to their texts; questions left out keep
    no text. Saving exactly the text of the latest version creates nothing and returns it.
    """
    _require_editor(author)
    if not conclusions_open_for(consultation):
        raise ConclusionsError(
            gettext("Conclusions can be written only once the consultation has closed.")
        )
    question_ids = set(
        Question.objects.filter(consultation=consultation).values_list("pk", flat=True)
    )
    unknown = set(questions) - question_ids
    if unknown:
        raise ConclusionsError(gettext("Some of the questions are not in this consultation."))
    texts = {pk: _cleaned_question(text) for pk, text in questions.items()}
    intro_en, intro_zh = _cleaned(intro_en), _cleaned(intro_zh)
    for value in (intro_en, intro_zh, *(v for t in texts.values() for v in _values(t))):
        if len(value) > MAX_TEXT:
            raise ConclusionsError(
                gettext("Each text may have at most %(n)s characters.")
                % {"n": labels.count_text(MAX_TEXT)}
            )
    texts = {pk: text for pk, text in texts.items() if any(_values(text))}
    with transaction.atomic():
        # One writer at a time per consultation, so that two saves never take the same number.
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        latest = draft_latest(consultation=consultation)
        if (
            latest is not None
            and latest.intro_en == intro_en
            and latest.intro_zh == intro_zh
            and draft_texts(draft=latest) == texts
        ):
            return latest, False
        version = (
            ConclusionsDraft.objects.filter(consultation=consultation).aggregate(n=Max("version"))[
                "n"
            ]
            or 0
        ) + 1
        draft = ConclusionsDraft.objects.create(
            consultation=consultation,
            version=version,
            author=author,
            intro_en=intro_en,
            intro_zh=intro_zh,
        )
        QuestionConclusion.objects.bulk_create(
            QuestionConclusion(draft=draft, question_id=pk, **vars(text))
            for pk, text in sorted(texts.items())
        )
    logger.info("Conclusions of %s saved as version %s", consultation.slug, version)
    return draft, True


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
        if not all(_values(text)):
            missing.append(
                gettext(
                    "%(code)s: the summary of views and our response, in English and in Chinese."
                )
                % {"code": code}
            )
    return missing


# --- Publishing ----------------------------------------------------------------------------------


def conclusions_publish(*, consultation: Consultation, user: AbstractBaseUser) -> Publication:
    """Publish the conclusions of ``consultation`` from its latest reports and text.

    Freezes the latest succeeded report of each language and the latest draft version, checks
    that the responses counted have not changed since, and builds the public files. Refuses,
    changing nothing, when any of that is not ready.
    """
    _require_editor(user)
    if consultation.is_draft or not conclusions_open_for(consultation):
        raise ConclusionsError(
            gettext("Conclusions can be published only once the consultation has closed.")
        )
    if publication_live(consultation=consultation) is not None:
        raise ConclusionsError(gettext("The conclusions are already published."))
    draft = draft_latest(consultation=consultation)
    missing = draft_missing(consultation=consultation, draft=draft)
    if missing or draft is None:
        raise ConclusionsError(
            gettext("The conclusions are not complete. Still missing: %(missing)s")
            % {"missing": " ".join(missing)}
        )
    report_en = report_latest(consultation=consultation, language=ReportLanguage.EN)
    report_zh = report_latest(consultation=consultation, language=ReportLanguage.ZH_HANT)
    if report_en is None or report_zh is None:
        raise ConclusionsError(
            gettext(
                "Publishing needs a finished summary report in English and one in Chinese. "
                "Build the missing report first."
            )
        )
    summary, figures = _frozen_summary(consultation, report_en, report_zh)
    with tempfile.TemporaryDirectory(prefix=f"conclusions-{consultation.slug}-") as directory:
        paths = _public_files(summary, figures, draft, report_en, Path(directory))
        publication = _store_publication(consultation, report_en, report_zh, draft, user, paths)
    logger.info(
        "Conclusions of %s published by %s (reports %s, %s; version %s)",
        consultation.slug,
        user.get_username(),
        report_en.pk,
        report_zh.pk,
        draft.version,
    )
    return publication


def conclusions_unpublish(*, consultation: Consultation, user: AbstractBaseUser) -> Publication:
    """Withdraw the published conclusions: every public page and file of them disappears.

    The publication row and its files are kept as the record of what was published.
    """
    _require_editor(user)
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update()
            .filter(consultation=consultation, unpublished_at__isnull=True)
            .first()
        )
        if publication is None:
            raise ConclusionsError(gettext("The conclusions are not published."))
        publication.unpublished_at = timezone.now()
        publication.unpublished_by = user
        publication.save(update_fields=["unpublished_at", "unpublished_by"])
    logger.info("Conclusions of %s unpublished by %s", consultation.slug, user.get_username())
    return publication


def _require_editor(user: AbstractBaseUser | None) -> None:
    if not conclusions_can_edit(user):
        raise ConclusionsError(gettext("Only Consultation editors may change the conclusions."))


def _cleaned(value: str) -> str:
    # Windows line ends from a textarea would make an unchanged text look changed.
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _cleaned_question(text: QuestionText) -> QuestionText:
    return QuestionText(**{name: _cleaned(getattr(text, name)) for name in TEXT_FIELDS})


def _values(text: QuestionText) -> tuple[str, ...]:
    return tuple(getattr(text, name) for name in TEXT_FIELDS)


def _frozen_summary(
    consultation: Consultation, report_en: Report, report_zh: Report
) -> tuple[Summary, dict[str, Any]]:
    """The summary the frozen reports hold, recomputed and checked against them."""
    if report_en.snapshot_sha256 != report_zh.snapshot_sha256:
        raise ConclusionsError(
            gettext(
                "The latest English report (#%(en)s) and Chinese report (#%(zh)s) counted "
                "different responses. Build both again so that they count the same ones."
            )
            % {"en": report_en.pk, "zh": report_zh.pk}
        )
    if report_en.snapshot_as_of is None or report_en.snapshot_as_of < consultation.closes_at:
        raise ConclusionsError(
            gettext(
                "The latest reports were built before the consultation closed and miss "
                "responses. Build new reports first."
            )
        )
    figures = report_json(report=report_en)
    summary = summary_compute(consultation=consultation, as_of=report_en.snapshot_as_of)
    if summary.snapshot.sha256 != report_en.snapshot_sha256 or _counts(summary) != _stored_counts(
        figures
    ):
        raise ConclusionsError(
            gettext(
                "The responses have changed since reports #%(en)s and #%(zh)s were built (a "
                "response was withdrawn, amended or reviewed). Build new reports and publish "
                "from them."
            )
            % {"en": report_en.pk, "zh": report_zh.pk}
        )
    return summary, figures


def _counts(summary: Summary) -> dict[str, Any]:
    return {
        "total": summary.respondents.total,
        "questions": {
            q.code: [q.answered, q.not_answered, dict(q.counts)] for q in summary.questions
        },
    }


def _stored_counts(figures: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "total": figures["respondents"]["total"],
        "questions": {
            q["code"]: [q["answered"], q["not_answered"], dict(q["counts"])]
            for q in figures["questions"]
        },
    }


def _public_files(
    summary: Summary,
    figures: dict[str, Any],
    draft: ConclusionsDraft,
    report: Report,
    directory: Path,
) -> dict[str, Path]:
    from reports.render.pdf import write_pdf

    texts = draft_texts(draft=draft)
    codes = dict(
        Question.objects.filter(consultation_id=draft.consultation_id).values_list("code", "pk")
    )
    appendix_rows = respondents_appendix_rows(
        consultation=draft.consultation, as_of=summary.snapshot.as_of
    )
    paths: dict[str, Path] = {}
    for language, kind in PDF_KINDS.items():
        with translation.override(language):
            content = conclusions_content(
                draft=draft,
                texts={code: texts.get(pk, QuestionText()) for code, pk in codes.items()},
                summary=summary,
                appendix=appendix_rows,
                language=language,
            )
            path = directory / f"{summary.meta.slug}-conclusions-{language}.pdf"
            write_pdf(summary=summary, language=language, path=path, conclusions=content)
        paths[kind] = path
    json_path = directory / f"{summary.meta.slug}-conclusions-summary.json"
    json_path.write_text(
        json.dumps(
            public_figures(figures=figures, draft=draft, texts=texts, codes=codes),
            ensure_ascii=False,
            indent=2,
            allow_nan=False,
        )
        + "\n",
        encoding="utf-8",
    )
    paths[PublicationFileKind.JSON] = json_path
    csv_file = ReportFile.objects.get(report=report, format=ReportFormat.CSV)
    csv_path = directory / f"{summary.meta.slug}-conclusions-summary.csv"
    with csv_file.file.open("rb") as handle:
        csv_path.write_bytes(handle.read())
    paths[PublicationFileKind.CSV] = csv_path
    return paths


def _store_publication(
    consultation: Consultation,
    report_en: Report,
    report_zh: Report,
    draft: ConclusionsDraft,
    user: AbstractBaseUser,
    paths: Mapping[str, Path],
) -> Publication:
    saved: list[str] = []
    storage = PublicationFile._meta.get_field("file").storage
    try:
        with transaction.atomic():
            Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
            if Publication.objects.filter(
                consultation=consultation, unpublished_at__isnull=True
            ).exists():
                raise ConclusionsError(gettext("The conclusions are already published."))
            now = timezone.now()
            publication = Publication.objects.create(
                consultation=consultation,
                report_en=report_en,
                report_zh=report_zh,
                draft=draft,
                published_by=user,
                published_at=now,
            )
            for kind, path in paths.items():
                data = path.read_bytes()
                public_file = PublicationFile(
                    publication=publication,
                    kind=kind,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
                public_file.file.save(
                    f"{consultation.slug}-conclusions-{publication.pk}-{kind}{path.suffix}",
                    ContentFile(data),
                    save=False,
                )
                saved.append(public_file.file.name)
                public_file.save()
            # The retention period of respondents' personal data runs from the first
            # publication; withdrawing and publishing again does not restart it.
            Consultation.objects.filter(
                pk=consultation.pk, conclusions_published_at__isnull=True
            ).update(conclusions_published_at=now)
    except BaseException:
        _delete_files(storage, saved)
        raise
    return publication


def _delete_files(storage: Any, names: Iterable[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the conclusions file %s", name, exc_info=True)


# --- What the conclusions say, for the PDF and the JSON ------------------------------------------


@dataclass(frozen=True)
class AppendixRow:
    """A counted respondent as the appendix may show it: no more than its consent allows."""

    name: str | None  # only with consent to publication of the name
    consent: str
    campaign: str | None
    is_late: bool


def respondents_appendix_rows(
    *, consultation: Consultation, as_of: dt.datetime
) -> list[AppendixRow]:
    """The respondents counted as of ``as_of``, with a name only where they agreed to it."""
    rows = (
        Submission.objects.filter(consultation=consultation, submitted_at__lte=as_of)
        .counted()
        .order_by("pk")
        .values_list(
            "respondent_type",
            "organisation_name",
            "contact_name",
            "consent",
            "campaign_group__label",
            "is_late",
            "personal_data_erased_at",
        )
    )
    result = []
    for kind, organisation, contact, consent, campaign, is_late, erased in rows:
        name = None
        if consent == Consent.NAME_AND_RESPONSE and erased is None:
            if kind == RespondentType.ORGANISATION and organisation.strip():
                name = organisation.strip()
            elif contact.strip():
                name = contact.strip()
        result.append(
            AppendixRow(name=name, consent=consent, campaign=campaign, is_late=bool(is_late))
        )
    return result


def conclusions_content(
    *,
    draft: ConclusionsDraft,
    texts: Mapping[str, QuestionText],
    summary: Summary,
    appendix: list[AppendixRow],
    language: str,
) -> dict[str, Any]:
    """The conclusions edition's text in ``language``, for ``reports.render.pdf``.

    Call it inside ``translation.override(language)``. ``texts`` is keyed by question code.
    """
    chinese = labels.is_chinese(language)
    questions = {
        code: {
            "views": text.views_summary_zh if chinese else text.views_summary_en,
            "response": text.response_zh if chinese else text.response_en,
        }
        for code, text in texts.items()
    }
    return {
        "intro": draft.localized("intro", language),
        "version": draft.version,
        "questions": questions,
        "appendix": _appendix(appendix, summary),
    }


def _appendix(rows: list[AppendixRow], summary: Summary) -> dict[str, Any]:
    listed = [row for row in rows if row.consent != Consent.CONFIDENTIAL and row.campaign is None]
    named = sorted((row for row in listed if row.name), key=lambda row: row.name.casefold())
    withheld = [row for row in listed if not row.name]
    confidential = sum(1 for row in rows if row.consent == Consent.CONFIDENTIAL)
    campaigns: dict[str, int] = {}
    for row in rows:
        if row.campaign is not None and row.consent != Consent.CONFIDENTIAL:
            campaigns[row.campaign] = campaigns.get(row.campaign, 0) + 1
    late = sum(1 for row in rows if row.is_late)
    withheld_label = gettext("Name withheld at request")
    late_mark = gettext("late")
    entries = [{"name": row.name, "late": row.is_late, "withheld": False} for row in named] + [
        {"name": withheld_label, "late": row.is_late, "withheld": True} for row in withheld
    ]
    return {
        "entries": entries,
        "late_mark": late_mark,
        "count_text": labels.count_text(len(rows)),
        "named": labels.count_text(len(named)),
        "withheld": labels.count_text(len(withheld)),
        "confidential": confidential,
        "confidential_text": ngettext(
            "%(n)s submission was made in confidence. It is counted in the figures of this "
            "paper but is not listed or reproduced.",
            "%(n)s submissions were made in confidence. They are counted in the figures of this "
            "paper but are not listed or reproduced.",
            confidential,
        )
        % {"n": labels.count_text(confidential)},
        "late_text": ngettext(
            "%(n)s submission was received after the closing date. It was accepted, is counted "
            "and is marked “%(mark)s” in the list.",
            "%(n)s submissions were received after the closing date. They were accepted, are "
            "counted and are marked “%(mark)s” in the list.",
            late,
        )
        % {"n": labels.count_text(late), "mark": late_mark},
        "late": late,
        "campaigns": [
            {
                "label": label,
                "text": ngettext(
                    "Campaign %(label)s: %(n)s submission of a standard or near-identical text",
                    "Campaign %(label)s: %(n)s submissions of a standard or near-identical text",
                    n,
                )
                % {"label": label, "n": labels.count_text(n)},
            }
            for label, n in sorted(campaigns.items(), key=lambda item: (-item[1], item[0]))
        ],
        "campaign_text": ngettext(
            "%(n)s submission formed part of a campaign of standard or near-identical texts. "
            "Campaigns are counted as groups: each is listed once, with its number of "
            "submissions, and every submission in it is counted in the figures.",
            "%(n)s submissions formed part of campaigns of standard or near-identical texts. "
            "Campaigns are counted as groups: each is listed once, with its number of "
            "submissions, and every submission in them is counted in the figures.",
            summary.respondents.in_campaigns,
        )
        % {"n": labels.count_text(summary.respondents.in_campaigns)},
    }


def public_figures(
    *,
    figures: Mapping[str, Any],
    draft: ConclusionsDraft,
    texts: Mapping[int, QuestionText],
    codes: Mapping[str, int],
) -> dict[str, Any]:
    """The public ``summary.json``: the frozen report's figures, the conclusions text, and
    nothing personal (the report's quotes, which may name respondents, are left out)."""
    data = json.loads(json.dumps(figures))
    for question in data.get("questions", []):
        free_text = question.get("free_text")
        if isinstance(free_text, dict):
            free_text.pop("quotes", None)
        text = texts.get(codes.get(question.get("code"), -1), QuestionText())
        question["conclusions"] = {
            "views_summary": {"en": text.views_summary_en, "zh-hant": text.views_summary_zh},
            "response": {"en": text.response_en, "zh-hant": text.response_zh},
        }
    data["conclusions"] = {
        "version": draft.version,
        "introduction": {"en": draft.intro_en, "zh-hant": draft.intro_zh},
    }
    return data
