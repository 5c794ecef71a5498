"""Personal data: erased some days after the conclusions, exported on request; both audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from importlib import import_module

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from outbox.models import Email, EmailStatus
from outbox.services import email_queue, email_send
from reports.jobs.compute import summary_compute
from reports.render import render
from surveys.journey import selectors as journey_selectors
from surveys.journey import services
from surveys.journey import structure as journey_structure
from surveys.models import (
    Answer,
    Attachment,
    PrivacyAction,
    PrivacyActionKind,
    Submission,
    SubmissionRevision,
    SubmissionState,
)
from surveys.privacy import personal_data_erase, respondent_data_export
from tests.security.responses import ANSWERS, PDF, respond

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"


@pytest.fixture
def otc(demo_consultations, private_storage_tmp):
    return demo_consultations[SLUG]


def publish_conclusions(consultation, days_ago: float) -> None:
    consultation.conclusions_published_at = timezone.now() - dt.timedelta(days=days_ago)
    consultation.save(update_fields=["conclusions_published_at"])


def answer_rows(consultation):
    return sorted(
        Answer.objects.filter(consultation=consultation).values_list(
            "submission_id", "question__code", "choice__value", "text", "number"
        ),
        key=repr,
    )


def test_personal_data_is_kept_until_the_retention_period_ends(otc):
    first = respond(otc, name="Chan Tai Man", email="chan@example.com")
    publish_conclusions(otc, days_ago=settings.PERSONAL_DATA_RETENTION_DAYS - 1)

    assert personal_data_erase(operator="dpo") == []

    first.refresh_from_db()
    assert first.contact_name == "Chan Tai Man"
    assert first.email == "chan@example.com"
    assert first.personal_data_erased_at is None
    assert not PrivacyAction.objects.exists()


def test_consultations_without_published_conclusions_are_never_erased(otc):
    submission = respond(otc, name="Chan Tai Man", email="chan@example.com")
    otc.closes_at = timezone.now() - dt.timedelta(days=900)
    otc.opens_at = otc.closes_at - dt.timedelta(days=60)
    otc.save()

    assert personal_data_erase(operator="dpo", now=timezone.now() + dt.timedelta(days=3650)) == []
    submission.refresh_from_db()
    assert submission.email == "chan@example.com"


def test_erasure_blanks_identities_keeps_answers_and_is_audited(
    otc, private_storage_tmp, django_capture_on_commit_callbacks
):
    organisation = respond(
        otc,
        name="Lee Siu Ming",
        email="lee@harbour.example",
        respondent_type="organisation",
        organisation_name="Harbour Digital Ltd",
        category="online_platform",
    )
    individual = respond(otc, name="陳大文", email="chan@example.com", paper=True)
    withdrawn = respond(otc, name="Wong Mei", email="wong@example.com")
    services.submission_withdraw(submission=withdrawn, notify=True)  # its notice still waits
    receipt = email_queue(
        kind="surveys.resume_link",
        to="chan@example.com",
        language="zh-hant",
        context={"submission": individual.pk, "private_link": "https://x.example/resume/t/"},
    )
    assert email_send(email_id=receipt.pk)  # this one has been sent
    draft = respond(otc, name="Ho Ka Yan", email="ho@example.com", submit=False, paper=True)
    draft_file = Attachment.objects.get(submission=draft).file.name
    assert (private_storage_tmp / draft_file).exists()
    answers_before = answer_rows(otc)
    kept_answers = [row for row in answers_before if row[0] != draft.pk]
    revision_answers = dict(SubmissionRevision.objects.values_list("pk", "answers"))
    publish_conclusions(otc, days_ago=settings.PERSONAL_DATA_RETENTION_DAYS)

    with django_capture_on_commit_callbacks(execute=True):
        (result,) = personal_data_erase(operator="dpo@secretariat")

    assert (result.erased, result.drafts_deleted) == (3, 1)
    for submission in (organisation, individual, withdrawn):
        submission.refresh_from_db()
        assert submission.contact_name == ""
        assert submission.organisation_name == ""
        assert submission.email == ""
        assert submission.resume_token_hash == ""
        assert submission.client_address is None
        assert submission.personal_data_erased_at is not None
        # What the statistics need stays.
        assert submission.reference.startswith("OTC-")
        assert submission.category and submission.respondent_type and submission.consent
    assert individual.state == SubmissionState.SUBMITTED
    assert withdrawn.state == SubmissionState.WITHDRAWN
    assert answer_rows(otc) == kept_answers
    assert not Submission.objects.filter(pk=draft.pk).exists()
    assert not (private_storage_tmp / draft_file).exists()
    # The frozen copies in each revision lose the identity too, and keep the answers.
    for revision in SubmissionRevision.objects.all():
        assert revision.respondent["contact_name"] == ""
        assert revision.respondent["email"] == ""
        assert revision.respondent["organisation_name"] == ""
        assert revision.answers == revision_answers[revision.pk]
    stored = json.dumps(
        list(Submission.objects.values()) + list(SubmissionRevision.objects.values()),
        default=str,
        ensure_ascii=False,
    )
    for secret in ("陳大文", "Lee Siu Ming", "Harbour Digital", "@example", "203.0.113"):
        assert secret not in stored
    # The outbox keeps no address or link of theirs; the notice that waited is never sent.
    emails = list(Email.objects.values_list("to", "context", "status"))
    assert sorted(emails) == [("", {}, EmailStatus.FAILED), ("", {}, EmailStatus.SENT)]

    action = PrivacyAction.objects.get()
    assert action.kind == PrivacyActionKind.ERASURE
    assert action.operator == "dpo@secretariat"
    assert action.consultation == otc
    assert sorted(action.references) == sorted(
        s.reference for s in (organisation, individual, withdrawn)
    )
    assert action.submission_count == 3
    assert action.details["drafts_deleted"] == 1
    assert action.details["emails_erased"] == 2
    assert "陳大文" not in json.dumps(action.details, ensure_ascii=False)


def test_erasure_twice_erases_nothing_twice(otc):
    respond(otc, name="Chan Tai Man", email="chan@example.com")
    publish_conclusions(otc, days_ago=400)
    personal_data_erase(operator="dpo")
    erased_at = Submission.objects.get().personal_data_erased_at

    (again,) = personal_data_erase(operator="dpo", now=timezone.now() + dt.timedelta(days=1))

    assert (again.erased, again.drafts_deleted, again.action) == (0, 0, None)
    assert Submission.objects.get().personal_data_erased_at == erased_at
    assert PrivacyAction.objects.count() == 1


def test_erasure_clears_expired_sessions_that_held_amendment_copies(otc):
    engine = import_module(settings.SESSION_ENGINE)
    old = engine.SessionStore()
    old["surveys.amend.1"] = {"respondent": {"email": "chan@example.com"}}
    old.set_expiry(timezone.now() - dt.timedelta(days=1))
    old.save()
    current = engine.SessionStore()
    current["surveys.responses"] = {"1": 1}
    current.save()
    respond(otc, name="Chan Tai Man", email="chan@example.com")
    publish_conclusions(otc, days_ago=400)

    personal_data_erase(operator="dpo")

    assert not engine.SessionStore().exists(old.session_key)
    assert engine.SessionStore().exists(current.session_key)


def test_the_command_dry_run_changes_nothing_and_the_real_run_erases(otc):
    respond(otc, name="Chan Tai Man", email="chan@example.com")
    respond(otc, name="Ho Ka Yan", email="ho@example.com", submit=False)
    publish_conclusions(otc, days_ago=366)

    from io import StringIO

    out = StringIO()
    call_command("erase_personal_data", "--dry-run", stdout=out)
    assert "va-otc-dealing: would erase the personal data of 1 responses" in out.getvalue()
    assert "would delete 1 unsubmitted drafts" in out.getvalue()
    assert Submission.objects.filter(email="chan@example.com").exists()
    assert Submission.objects.count() == 2
    assert not PrivacyAction.objects.exists()

    out = StringIO()
    call_command("erase_personal_data", "--operator", "Data Protection Officer", stdout=out)
    assert "va-otc-dealing: erased the personal data of 1 responses" in out.getvalue()
    assert Submission.objects.get().email == ""
    assert PrivacyAction.objects.get().operator == "Data Protection Officer"

    out = StringIO()
    call_command("erase_personal_data", stdout=out)
    assert "erased the personal data of 0 responses" in out.getvalue()


def test_the_command_says_when_a_named_consultation_is_not_due(otc):
    from io import StringIO

    out = StringIO()
    call_command("erase_personal_data", "--consultation", SLUG, stdout=out)
    assert "not due" in out.getvalue()
    assert "conclusions are not marked as published" in out.getvalue()
    with pytest.raises(CommandError, match="No consultation"):
        call_command("erase_personal_data", "--consultation", "no-such-thing")


def test_access_export_holds_everything_about_the_respondent_and_nothing_else(
    otc, demo_consultations, tmp_path
):
    custody = demo_consultations["va-custody"]
    custody.closes_at = timezone.now() + dt.timedelta(days=5)
    custody.opens_at = timezone.now() - dt.timedelta(days=5)
    custody.save()
    mine = respond(otc, name="Chan Tai Man", email="Chan@Example.com", paper=True)
    journey = journey_structure.journey_load(consultation=otc)
    services.submission_amend(
        submission=mine,
        journey=journey,
        respondent={
            **journey_selectors.submission_respondent(submission=mine),
            "email": "chan@example.com",
        },
        answers={**ANSWERS, "Q25": "Amended: eighteen months."},
        language="en",
    )
    Submission.objects.filter(pk=mine.pk).update(reviewer_notes="Check wallet figures.")
    custody_journey = journey_structure.journey_load(consultation=custody)
    first_required = {
        q.code: q.choices.all()[0].value
        for q in custody_journey.questions
        if q.required and q.is_closed and not q.is_conditional
    }
    other_consultation = respond(
        custody, name="Chan Tai Man", email="chan@example.com", answers=first_required
    )
    someone_else = respond(otc, name="Ho Ka Yan", email="ho@example.com")
    output = tmp_path / "access-request.zip"

    action = respondent_data_export(
        reference=mine.reference.lower(),
        email=" CHAN@example.com ",
        output=output,
        operator="dpo",
        reason="DAR-2026-14",
    )

    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("respondent-data.json"))
        paper = archive.read(f"attachments/{mine.reference}/1-Chan position paper.pdf")
        readme = archive.read("README.txt").decode()
    assert paper == PDF
    assert "個人資料" in readme
    references = [r["reference"] for r in data["responses"]]
    assert references == [mine.reference, other_consultation.reference]
    record = data["responses"][0]
    assert record["respondent"]["contact_name"] == "Chan Tai Man"
    assert record["client_address"] == "203.0.113.8"
    assert record["review"]["reviewer_notes"] == "Check wallet figures."
    assert {a["question"]: a["answer"] for a in record["answers"]}["Q25"] == (
        "Amended: eighteen months."
    )
    assert [r["number"] for r in record["revisions"]] == [1, 2]
    assert record["revisions"][0]["answers"]["Q25"] == ANSWERS["Q25"]
    assert record["attachments"][0]["file_in_this_archive"] in names
    text = json.dumps(data, ensure_ascii=False)
    assert someone_else.reference not in text
    assert "Ho Ka Yan" not in text

    assert action.kind == PrivacyActionKind.ACCESS_EXPORT
    assert action.reason == "DAR-2026-14"
    assert action.references == references
    assert action.details["file_sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert "chan@example.com" not in json.dumps(action.details).lower()


def test_access_export_needs_the_reference_and_the_email_to_match(otc, tmp_path):
    mine = respond(otc, name="Chan Tai Man", email="chan@example.com")
    respond(otc, name="Ho Ka Yan", email="ho@example.com")
    output = tmp_path / "export.zip"

    with pytest.raises(CommandError, match="No response with that reference"):
        call_command(
            "export_respondent_data",
            "--reference",
            mine.reference,
            "--email",
            "ho@example.com",
            "--output",
            str(output),
        )

    assert not output.exists()
    refused = PrivacyAction.objects.get()
    assert refused.details["found"] is False
    assert refused.references == []
    assert "ho@example.com" not in json.dumps(refused.details)
    assert refused.details["email_sha256"] == hashlib.sha256(b"ho@example.com").hexdigest()


def test_the_export_command_writes_the_file_and_never_overwrites(otc, tmp_path):
    from io import StringIO

    mine = respond(otc, name="Chan Tai Man", email="chan@example.com")
    output = tmp_path / "export.zip"
    out = StringIO()
    call_command(
        "export_respondent_data",
        f"--reference={mine.reference}",
        "--email=chan@example.com",
        f"--output={output}",
        "--operator=dpo",
        stdout=out,
    )
    assert f"1 responses ({mine.reference})" in out.getvalue()
    assert zipfile.is_zipfile(output)

    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "export_respondent_data",
            f"--reference={mine.reference}",
            "--email=chan@example.com",
            f"--output={output}",
        )
    assert PrivacyAction.objects.count() == 1


def test_after_erasure_an_access_request_finds_nothing_personal(otc, tmp_path):
    mine = respond(otc, name="Chan Tai Man", email="chan@example.com")
    publish_conclusions(otc, days_ago=400)
    personal_data_erase(operator="dpo")

    with pytest.raises(CommandError):
        call_command(
            "export_respondent_data",
            f"--reference={mine.reference}",
            "--email=chan@example.com",
            f"--output={tmp_path / 'x.zip'}",
        )


def _figures(consultation, tmp_path, name: str) -> dict:
    summary = summary_compute(consultation=consultation, as_of=timezone.now())
    folder = tmp_path / name
    folder.mkdir()
    data = json.loads(
        render(summary=summary, language="en", fmt="json", directory=folder).read_text()
    )
    return {
        "respondents": data["respondents"],
        "questions": [
            {
                key: question[key]
                for key in ("code", "answered", "not_answered", "counts", "by_category")
            }
            for question in data["questions"]
        ],
    }


def test_the_statistics_are_the_same_after_erasure(otc, tmp_path):
    respond(otc, name="Chan Tai Man", email="chan@example.com")
    respond(
        otc,
        name="Lee Siu Ming",
        email="lee@example.com",
        respondent_type="organisation",
        organisation_name="Harbour Digital Ltd",
        category="online_platform",
        answers={**ANSWERS, "Q1": "disagree", "Q7": "customs"},
    )
    respond(otc, name="Ho Ka Yan", email="ho@example.com", consent="confidential")
    before = _figures(otc, tmp_path, "before")
    publish_conclusions(otc, days_ago=400)

    personal_data_erase(operator="dpo")

    assert _figures(otc, tmp_path, "after") == before
    assert before["respondents"]["total"] == 3


def test_staff_views_and_exports_of_personal_data_are_recorded(
    otc, client, reviewer, personal_reviewer
):
    from django.contrib.admin import helpers
    from django.urls import reverse

    chan = respond(otc, name="陳大文", email="chan@example.com")
    lee = respond(otc, name="Lee Siu Ming", email="lee@example.com")
    page = reverse("admin:surveys_submission_change", args=[chan.pk])

    # A reviewer without the personal-data permission sees no names: nothing to record.
    client.force_login(reviewer)
    assert client.get(page).status_code == 200
    assert not PrivacyAction.objects.exists()

    client.force_login(personal_reviewer)
    assert "陳大文" in client.get(page).content.decode()
    viewed = PrivacyAction.objects.get()
    assert viewed.kind == PrivacyActionKind.STAFF_VIEW
    assert (viewed.operator, viewed.consultation, viewed.references) == (
        "reviewer_personal",
        otc,
        [chan.reference],
    )

    response = client.post(
        reverse("admin:surveys_submission_changelist"),
        {
            "action": "export_csv_personal",
            helpers.ACTION_CHECKBOX_NAME: [chan.pk, lee.pk],
            "index": 0,
        },
    )
    assert "陳大文" in b"".join(response.streaming_content).decode("utf-8-sig")
    exported = PrivacyAction.objects.get(kind=PrivacyActionKind.STAFF_EXPORT)
    assert exported.references == sorted([chan.reference, lee.reference])
    assert exported.submission_count == 2 and exported.details == {"format": "csv"}
    # The record names responses by reference, never the data it concerns.
    stored = json.dumps(list(PrivacyAction.objects.values()), default=str, ensure_ascii=False)
    assert "陳大文" not in stored and "chan@example.com" not in stored
