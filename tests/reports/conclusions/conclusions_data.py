"""Test data for the conclusions: a closed consultation with known respondents, its reports in
both languages, a complete draft, and private storage kept in a temporary folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from reports.conclusions import selectors as conclusion_selectors
from reports.conclusions import services as conclusion_services
from reports.jobs import services
from reports.models import PublicationFile, Report, ReportFile
from surveys.models import (
    Attachment,
    CampaignGroup,
    Consent,
    Consultation,
    OriginalDocument,
    Question,
    RespondentType,
    Submission,
)
from tests.reports.report_data import consultation_with_responses
from tests.shared_rows import module_rows, process_state_clear

NAMED_ORGANISATION = "Harbour Digital Assets Ltd"
NAMED_PERSON = "陳大文 Chan Tai Man"
ANONYMOUS_ORGANISATION = "Kowloon Anonymous Exchange Ltd"
CONFIDENTIAL_ORGANISATION = "Secretive Custody Ltd"
INTRO_EN = "We thank all respondents. Having considered the views, we will proceed."
INTRO_ZH = "我們感謝所有回應者。經考慮各方意見後，我們將推行建議。"


@contextmanager
def conclusions_storage(root: Path) -> Iterator[None]:
    """Report files, public files and attachments go under ``root`` for the block."""
    fields = [
        ReportFile._meta.get_field("file"),
        PublicationFile._meta.get_field("file"),
        Attachment._meta.get_field("file"),
        OriginalDocument._meta.get_field("file"),
    ]
    saved = [field.storage for field in fields]
    for field in fields:
        field.storage = FileSystemStorage(location=str(root), base_url=None)
    try:
        yield
    finally:
        for field, storage in zip(fields, saved, strict=True):
            field.storage = storage


def closed_consultation(*, count: int = 30) -> tuple[Consultation, dict[str, Submission]]:
    """A closed demo consultation whose first counted submissions are known respondents:
    ``named`` (organisation, name and response), ``person`` (individual, name and response,
    late, with an attachment), ``anonymous`` (organisation, response only, with an attachment),
    ``confidential`` and ``campaign`` (response only, in campaign C1)."""
    consultation = consultation_with_responses(count=count)
    now = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(minutes=5)
    )
    consultation.refresh_from_db()
    counted = list(Submission.objects.filter(consultation=consultation).counted().order_by("pk"))
    for submission in counted:
        # The synthetic names are random: only the known respondents below agree to be named.
        if submission.consent == Consent.NAME_AND_RESPONSE:
            submission.consent = Consent.RESPONSE_ONLY
            submission.save(update_fields=["consent"])
    named, person, anonymous, confidential, campaign = counted[:5]
    _set(named, RespondentType.ORGANISATION, NAMED_ORGANISATION, Consent.NAME_AND_RESPONSE)
    _set(person, RespondentType.INDIVIDUAL, "", Consent.NAME_AND_RESPONSE, contact=NAMED_PERSON)
    person.is_late = True
    person.save(update_fields=["is_late"])
    _set(anonymous, RespondentType.ORGANISATION, ANONYMOUS_ORGANISATION, Consent.RESPONSE_ONLY)
    _set(confidential, RespondentType.ORGANISATION, CONFIDENTIAL_ORGANISATION, Consent.CONFIDENTIAL)
    group = CampaignGroup.objects.create(
        consultation=consultation, label="C1", size=1, confirmed=True
    )
    _set(campaign, RespondentType.INDIVIDUAL, "", Consent.RESPONSE_ONLY)
    campaign.campaign_group = group
    campaign.save(update_fields=["campaign_group"])
    for submission, name in ((person, "position-paper.pdf"), (anonymous, "anonymous-paper.pdf")):
        attachment = Attachment(
            submission=submission,
            original_name=name,
            content_type="application/pdf",
            size=20,
            sha256="0" * 64,
        )
        attachment.file.save(name, ContentFile(b"%PDF-1.7\n%%EOF\n"), save=True)
    known = {
        "named": named,
        "person": person,
        "anonymous": anonymous,
        "confidential": confidential,
        "campaign": campaign,
    }
    return consultation, known


def _set(
    submission: Submission, kind: str, organisation: str, consent: str, *, contact: str = ""
) -> None:
    submission.respondent_type = kind
    submission.organisation_name = organisation
    submission.contact_name = contact or f"Contact of {submission.reference}"
    submission.consent = consent
    submission.save(
        update_fields=["respondent_type", "organisation_name", "contact_name", "consent"]
    )


def reports_build(consultation: Consultation) -> dict[str, Report]:
    """Build a report in each language, in-process."""
    built = {}
    for language in ("en", "zh-hant"):
        report = services.report_request(
            consultation=consultation, language=language, requested_by=None, queue=False
        )
        services.report_build(report_id=report.pk)
        report.refresh_from_db()
        built[language] = report
    return built


def reports_built_once(
    django_db_blocker, *, count: int = 30
) -> Iterator[tuple[int, dict[str, int], dict[str, Report]]]:
    """For a module-scoped ``*_shared`` fixture (``yield from``): a closed consultation with its
    reports in both languages, built once for the module's tests (two report builds took 25-75 s
    a test at load 5 when each built its own) and rolled back after them (``module_rows``).
    Yields the ids ``reports_built_again`` reads the rows back by."""
    with module_rows(django_db_blocker):
        consultation, known = closed_consultation(count=count)
        reports = reports_build(consultation)
        yield consultation.pk, {name: row.pk for name, row in known.items()}, reports


def reports_built_again(
    shared: tuple[int, dict[str, int], dict[str, Report]],
) -> tuple[Consultation, dict[str, Submission], dict[str, Report]]:
    """The consultation, its known respondents and its reports of ``reports_built_once``, as the
    database holds them for this test, the process's caches cleared."""
    process_state_clear()
    consultation_pk, known, reports = shared
    return (
        Consultation.objects.get(pk=consultation_pk),
        {name: Submission.objects.get(pk=pk) for name, pk in known.items()},
        {language: Report.objects.get(pk=report.pk) for language, report in reports.items()},
    )


def question_texts(consultation: Consultation) -> dict[int, conclusion_selectors.QuestionText]:
    return {
        pk: conclusion_selectors.QuestionText(
            views_summary_en=f"Respondents gave mixed views on {code}.",
            views_summary_zh=f"回應者對{code}意見不一。",
            response_en=f"We will adopt the proposal in {code}.",
            response_zh=f"我們將採納{code}的建議。",
        )
        for pk, code in Question.objects.filter(consultation=consultation).values_list("pk", "code")
    }


def draft_complete(consultation: Consultation, editor) -> None:
    conclusion_services.draft_save(
        consultation=consultation,
        author=editor,
        intro_en=INTRO_EN,
        intro_zh=INTRO_ZH,
        questions=question_texts(consultation),
    )
