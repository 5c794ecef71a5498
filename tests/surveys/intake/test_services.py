"""Staff entry of a response received by email, post or fax: the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from surveys.intake import services as intake
from surveys.journey import attachments
from surveys.journey.errors import SubmissionIncomplete
from surveys.journey.structure import journey_load
from surveys.models import (
    Answer,
    GeneralComment,
    OriginalDocument,
    ReviewEvent,
    Submission,
    SubmissionState,
)
from tests.factories import SubmissionFactory
from tests.surveys.intake.entry_data import (
    EML_BYTES,
    PNG_BYTES,
    RESPONDENT,
    checked,
    letter_consultation,
    pdf_upload,
    received,
    stream,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    return letter_consultation()


def start(consultation, actor, **overrides):
    upload = pdf_upload()
    values = {
        "consultation": consultation,
        "actor": actor,
        "channel": "post",
        "received_at": received(),
        "respondent": RESPONDENT,
        "language": "zh-hant",
        "upload": upload,
        "checked": checked(upload),
    }
    values.update(overrides)
    return intake.entry_start(**values)


def answer_all(submission, journey, *, q1="yes", q3=250000):
    sections = journey.sections
    intake.entry_section_save(
        submission=submission,
        journey=journey,
        section=sections[0],
        answers={"Q1": q1, "Q2": "A fair regime protects clients."},
        step=2,
    )
    intake.entry_section_save(
        submission=submission, journey=journey, section=sections[1], answers={"Q3": q3}, step=3
    )


def test_an_entered_letter_gets_a_reference_a_revision_and_an_audit_record(
    consultation, reviewer, private_storage_tmp
):
    when = received(days_ago=2)
    draft = start(consultation, reviewer, received_at=when)
    assert draft.state == SubmissionState.DRAFT
    journey = journey_load(consultation=consultation)
    answer_all(draft, journey)
    intake.entry_comments_save(
        submission=draft, actor=reviewer, text="  We also urge a consumer hotline.  ", step=4
    )
    result = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)

    entered = Submission.objects.get(pk=draft.pk)
    assert result.created
    assert entered.state == SubmissionState.SUBMITTED
    assert entered.reference == "TST-000001"
    assert (entered.channel, entered.received_at, entered.entered_by) == ("post", when, reviewer)
    assert not entered.is_late
    assert entered.organisation_name == "Harbour Exchange Ltd"
    assert {
        (a.question.code, a.choice.value if a.choice else a.text or a.number)
        for a in Answer.objects.filter(submission=entered)
    } == {
        ("Q1", "yes"),
        ("Q2", "A fair regime protects clients."),
        ("Q3", 250000),
    }
    assert entered.general_comment.text == "We also urge a consumer hotline."
    revision = entered.revisions.get()
    assert revision.answers == {"Q1": "yes", "Q2": "A fair regime protects clients.", "Q3": 250000}
    assert revision.respondent["channel"] == "post"
    assert revision.respondent["received_at"] == timezone.localtime(when).isoformat()
    assert revision.respondent["entered_by"] == reviewer.username
    assert revision.respondent["general_comments"] == "We also urge a consumer hotline."
    assert [d["name"] for d in revision.respondent["original_documents"]] == ["letter.pdf"]
    event = ReviewEvent.objects.get(submission=entered)
    assert (event.actor, event.field, event.new_value) == (reviewer, "entered", "post")
    assert timezone.localtime(when).strftime("%Y-%m-%d %H:%M") in event.reason
    # Counted by reports like a web response.
    assert Submission.objects.counted().filter(pk=entered.pk).exists()


def test_the_reference_follows_the_web_responses_of_the_consultation(
    consultation, reviewer, private_storage_tmp
):
    consultation.last_reference_number = 41
    consultation.save(update_fields=["last_reference_number"])
    draft = start(consultation, reviewer)
    journey = journey_load(consultation=consultation)
    answer_all(draft, journey)
    result = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    assert result.submission.reference == "TST-000042"


def test_a_letter_received_after_the_closing_time_is_late_even_if_typed_in_later(
    reviewer, private_storage_tmp
):
    closes = timezone.now() - dt.timedelta(days=3)
    consultation = letter_consultation(opens_at=closes - dt.timedelta(days=30), closes_at=closes)
    journey = journey_load(consultation=consultation)
    on_time = start(consultation, reviewer, received_at=closes - dt.timedelta(minutes=1))
    late = start(consultation, reviewer, received_at=closes)
    for draft in (on_time, late):
        answer_all(draft, journey)
        intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.is_late, late.is_late) == (False, True)
    assert "(late)" in ReviewEvent.objects.get(submission=late).reason


def test_entering_twice_stores_the_response_once(consultation, reviewer, private_storage_tmp):
    draft = start(consultation, reviewer)
    journey = journey_load(consultation=consultation)
    answer_all(draft, journey)
    first = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    again = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    assert (first.created, again.created) == (True, False)
    assert again.submission.reference == first.submission.reference
    assert draft.revisions.count() == 1
    assert ReviewEvent.objects.filter(submission=draft).count() == 1
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"channel": "web"}, "channel"),
        ({"channel": "import"}, "channel"),
        ({"received_at": None}, "received_missing"),
        ({"received_at": timezone.now() + dt.timedelta(days=1)}, "received_future"),
        ({"upload": None, "checked": None}, "original_missing"),
        ({"channel": "email"}, "email_missing"),
    ],
)
def test_a_start_refused_says_why_and_stores_nothing(
    consultation, reviewer, private_storage_tmp, overrides, code
):
    with pytest.raises(intake.EntryRefused) as refused:
        start(consultation, reviewer, **overrides)
    assert refused.value.code == code
    assert refused.value.message
    assert not Submission.objects.exists()
    assert not OriginalDocument.objects.exists()


def test_an_unpublished_consultation_takes_no_entry(reviewer, private_storage_tmp):
    consultation = letter_consultation(is_draft=True)
    with pytest.raises(intake.EntryRefused, match="not_published"):
        start(consultation, reviewer)
    assert not Submission.objects.exists()


def test_entering_with_a_required_question_unanswered_is_refused_and_changes_nothing(
    consultation, reviewer, private_storage_tmp
):
    draft = start(consultation, reviewer)
    journey = journey_load(consultation=consultation)
    with pytest.raises(SubmissionIncomplete) as incomplete:
        intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    assert incomplete.value.missing == ["Q1"]
    draft.refresh_from_db()
    assert draft.state == SubmissionState.DRAFT
    assert draft.reference.startswith("DRAFT-")
    assert not draft.revisions.exists()
    assert not ReviewEvent.objects.exists()
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 0


def test_a_later_answer_discards_the_answer_its_condition_no_longer_allows(
    consultation, reviewer, private_storage_tmp
):
    draft = start(consultation, reviewer)
    journey = journey_load(consultation=consultation)
    answer_all(draft, journey)
    intake.entry_section_save(
        submission=draft, journey=journey, section=journey.sections[0], answers={"Q1": "no"}, step=2
    )
    result = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    assert result.answers == {"Q1": "no", "Q3": 250000}


def test_a_respondents_own_draft_is_not_an_entry(consultation, reviewer, private_storage_tmp):
    web_draft = SubmissionFactory(consultation=consultation)
    journey = journey_load(consultation=consultation)
    with pytest.raises(intake.EntryRefused, match="not_an_entry"):
        intake.entry_section_save(
            submission=web_draft,
            journey=journey,
            section=journey.sections[0],
            answers={"Q1": "yes"},
            step=2,
        )
    with pytest.raises(intake.EntryRefused, match="not_an_entry"):
        intake.submission_enter(submission=web_draft, journey=journey, actor=reviewer)
    web_draft.refresh_from_db()
    assert web_draft.state == SubmissionState.DRAFT
    assert not Answer.objects.exists()


def test_blank_general_comments_remove_them(consultation, reviewer, private_storage_tmp):
    draft = start(consultation, reviewer)
    intake.entry_comments_save(submission=draft, actor=reviewer, text="Para 4.", step=4)
    intake.entry_comments_save(submission=draft, actor=reviewer, text="   ", step=4)
    assert not GeneralComment.objects.exists()


def test_changing_the_first_step_keeps_another_original(
    consultation, reviewer, private_storage_tmp
):
    draft = start(consultation, reviewer)
    scan = pdf_upload("scan.png", PNG_BYTES)
    intake.entry_details_save(
        submission=draft,
        actor=reviewer,
        channel="fax",
        received_at=received(3),
        respondent={**RESPONDENT, "email": "chan@example.hk"},
        language="en",
        upload=scan,
        checked=checked(scan),
    )
    draft.refresh_from_db()
    assert (draft.channel, draft.email, draft.language) == ("fax", "chan@example.hk", "en")
    assert [
        (d.original_name, d.content_type, d.uploaded_by) for d in draft.original_documents.all()
    ] == [
        ("letter.pdf", "application/pdf", reviewer),
        ("scan.png", "image/png", reviewer),
    ]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"%PDF-1.4 letter", "application/pdf"),
        (EML_BYTES, "message/rfc822"),
        (PNG_BYTES, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (b"II*\x00" + b"\x00" * 20, "image/tiff"),
        (b"MM\x00*" + b"\x00" * 20, "image/tiff"),
    ],
)
def test_originals_are_recognised_by_their_content(content, content_type):
    found = attachments.check(
        stream(content), name="whatever.bin", size=len(content), accept=attachments.ORIGINAL_TYPES
    )
    assert found.content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        b"Dear Sir,\n\nWe support the proposal.\n",  # a text file, not an email
        b"Subject: hello\n\nno sender or date\n",
        b"GIF89a" + b"\x00" * 10,
        b"MZ\x90\x00",
    ],
)
def test_other_files_are_refused_as_originals_with_the_reason(content):
    with pytest.raises(attachments.AttachmentRejected) as rejected:
        attachments.check(
            stream(content), name="x.eml", size=len(content), accept=attachments.ORIGINAL_TYPES
        )
    assert rejected.value.code == "wrong_original_type"
    assert "EML" in rejected.value.message


def test_respondents_still_may_attach_only_pdf_or_docx():
    with pytest.raises(attachments.AttachmentRejected) as rejected:
        attachments.check(stream(PNG_BYTES), name="scan.png", size=len(PNG_BYTES))
    assert rejected.value.code == "wrong_type"


def test_a_letter_from_a_licensed_firm_is_matched_against_the_register(
    consultation, reviewer, private_storage_tmp
):
    from surveys.licensing.services import register_replace

    register_replace(
        register="sfc",
        file_name="sfc.csv",
        content=b"number,name\nABC123,Harbour Exchange Ltd\n",
        actor=reviewer,
    )
    draft = start(
        consultation,
        reviewer,
        respondent={**RESPONDENT, "licence_register": "sfc", "licence_number": "ABC123"},
    )
    journey = journey_load(consultation=consultation)
    answer_all(draft, journey)
    intake.submission_enter(submission=draft, journey=journey, actor=reviewer)
    entered = Submission.objects.get(pk=draft.pk)
    assert (entered.licence_number, entered.licence_status) == ("ABC123", "licensed")
