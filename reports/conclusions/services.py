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

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from reports.conclusions import checks, quotes
from reports.conclusions import points as points_raised
from reports.conclusions.content import (
    conclusions_content,
    public_figures,
    respondents_appendix_rows,
)
from reports.conclusions.selectors import (
    MAX_TEXT,
    TEXT_FIELDS,
    ConclusionsError,
    QuestionText,
    conclusions_can_edit,
    conclusions_open_for,
    draft_latest,
    draft_missing,
    draft_texts,
    publication_live,
    report_json,
    report_latest,
    text_values,
)
from reports.jobs.compute import summary_compute
from reports.models import (
    CheckWaiver,
    ConclusionsDraft,
    Disposition,
    Outcome,
    Publication,
    PublicationFile,
    PublicationFileKind,
    QuestionConclusion,
    Report,
    ReportFile,
    ReportFormat,
    ReportLanguage,
)
from reports.render import labels
from reports.summary.types import Summary
from surveys.models import Consultation, Question, Theme

logger = logging.getLogger(__name__)

# The longest reason an editor may give for waiving a flagged point.
MAX_WAIVER_REASON = 2_000

PDF_KINDS = {
    ReportLanguage.EN.value: PublicationFileKind.PDF_EN,
    ReportLanguage.ZH_HANT.value: PublicationFileKind.PDF_ZH,
}


# --- Drafting ------------------------------------------------------------------------------------


def draft_save(
    *,
    consultation: Consultation,
    author: User,
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
    for value in (intro_en, intro_zh, *(v for t in texts.values() for v in text_values(t))):
        if len(value) > MAX_TEXT:
            raise ConclusionsError(
                gettext("Each text may have at most %(n)s characters.")
                % {"n": labels.count_text(MAX_TEXT)}
            )
    texts = {pk: text for pk, text in texts.items() if any(text_values(text))}
    quotes.quotes_check(consultation=consultation, texts=texts.values())
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


# --- Publishing ----------------------------------------------------------------------------------


def conclusions_publish(*, consultation: Consultation, user: User) -> Publication:
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
    # A quoted respondent may have asked for confidentiality since the quote was saved.
    quotes.quotes_check(consultation=consultation, texts=draft_texts(draft=draft).values())
    stored = report_json(report=report_en)
    undecided = points_raised.points_undecided(
        points_raised.points_state(
            consultation=consultation, points=points_raised.points_raised(summary=stored)
        )
    )
    if undecided:
        raise ConclusionsError(
            gettext("Every point raised needs a disposition before publishing: %(points)s")
            % {"points": " ".join(undecided)}
        )
    points = checks.issues_open(
        consultation=consultation,
        issues=checks.draft_check(consultation=consultation, draft=draft, summary=stored),
    )
    if points:
        raise ConclusionsError(
            ngettext(
                "One point of the text must be fixed or waived before publishing: %(points)s",
                "%(n)s points of the text must be fixed or waived before publishing: %(points)s",
                len(points),
            )
            % {
                "n": len(points),
                "points": " ".join(f"{point.where}: {point.message}" for point in points),
            }
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


def conclusions_unpublish(*, consultation: Consultation, user: User) -> Publication:
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


def check_waive(*, consultation: Consultation, user: User, key: str, reason: str) -> CheckWaiver:
    """Record an editor's reason for publishing a flagged point of the text as it is. Only a
    point the latest version is flagged for can be waived; waiving twice keeps the first."""
    _require_editor(user)
    reason = _cleaned(reason)
    if not reason:
        raise ConclusionsError(gettext("Say why the text is right as it is."))
    if len(reason) > MAX_WAIVER_REASON:
        raise ConclusionsError(
            gettext("A reason may have at most %(n)s characters.")
            % {"n": labels.count_text(MAX_WAIVER_REASON)}
        )
    report = report_latest(consultation=consultation, language=ReportLanguage.EN) or report_latest(
        consultation=consultation, language=ReportLanguage.ZH_HANT
    )
    flagged = (
        checks.draft_check(
            consultation=consultation,
            draft=draft_latest(consultation=consultation),
            summary=report_json(report=report),
        )
        if report is not None
        else []
    )
    point = next((issue for issue in flagged if issue.key == key), None)
    if point is None:
        raise ConclusionsError(
            gettext("That point is no longer flagged in the latest version of the text.")
        )
    waiver, created = CheckWaiver.objects.get_or_create(
        consultation=consultation,
        key=key,
        defaults={
            "flagged": f"{point.where}: {point.message}",
            "reason": reason,
            "waived_by": user,
        },
    )
    if created:
        logger.info("Check point %s of %s waived by %s", key[:12], consultation.slug, user)
    return waiver


def disposition_record(
    *,
    consultation: Consultation,
    user: User,
    question: Question,
    theme_id: int,
    outcome: str,
    reason_en: str,
    reason_zh: str,
) -> Disposition:
    """Record the regulator's decision on a point raised, with its reason in both languages.
    A new decision is a new row: the earlier ones stay as the point's history."""
    _require_editor(user)
    if question.consultation_id != consultation.pk:
        raise ConclusionsError(gettext("Some of the questions are not in this consultation."))
    if not Theme.objects.filter(pk=theme_id, consultation=consultation).exists():
        raise ConclusionsError(gettext("That theme is not one of this consultation's."))
    if outcome not in Outcome.values:
        raise ConclusionsError(gettext("Choose what was decided on the point."))
    reason_en, reason_zh = _cleaned(reason_en), _cleaned(reason_zh)
    if not reason_en or not reason_zh:
        raise ConclusionsError(gettext("Give the reason in English and in Chinese."))
    if max(len(reason_en), len(reason_zh)) > MAX_TEXT:
        raise ConclusionsError(
            gettext("Each text may have at most %(n)s characters.")
            % {"n": labels.count_text(MAX_TEXT)}
        )
    disposition = Disposition.objects.create(
        consultation=consultation,
        question=question,
        theme_id=theme_id,
        outcome=outcome,
        reason_en=reason_en,
        reason_zh=reason_zh,
        decided_by=user,
    )
    logger.info(
        "Disposition of %s %s/%s recorded by %s: %s",
        consultation.slug,
        question.code,
        theme_id,
        user.get_username(),
        outcome,
    )
    return disposition


def _require_editor(user: User | None) -> None:
    if not conclusions_can_edit(user):
        raise ConclusionsError(gettext("Only Consultation editors may change the conclusions."))


def _cleaned(value: str) -> str:
    # Windows line ends from a textarea would make an unchanged text look changed.
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _cleaned_question(text: QuestionText) -> QuestionText:
    return QuestionText(**{name: _cleaned(getattr(text, name)) for name in TEXT_FIELDS})


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

    texts = quotes.texts_published(consultation=draft.consultation, texts=draft_texts(draft=draft))
    codes = dict(
        Question.objects.filter(consultation_id=draft.consultation_id).values_list("code", "pk")
    )
    appendix_rows = respondents_appendix_rows(
        consultation=draft.consultation, as_of=summary.snapshot.as_of
    )
    states = points_raised.points_state(
        consultation=draft.consultation, points=points_raised.points_raised(summary=figures)
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
            content["points"] = points_raised.points_annex(states, language)
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
    user: User,
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
                saved.append(cast(str, public_file.file.name))  # named by save()
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
