"""The respondent services: drafts, submit (idempotent), amend, withdraw, resume links, files."""

import datetime as dt
import hashlib
import io
import threading
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from surveys.journey import amendments, attachments, resume_links, services
from surveys.journey import attachments as journey_attachments
from surveys.journey import errors as journey_errors
from surveys.journey import rules as journey_rules
from surveys.journey import selectors as journey_selectors
from surveys.journey import structure as journey_structure
from surveys.models import Answer, Submission, SubmissionRevision, SubmissionState
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "category_other": "ignored unless other",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": True,
}


@pytest.fixture
def otc(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    return consultation, journey_structure.journey_load(consultation=consultation)


def _section(journey, number):
    return journey.step(number).section


def _start(consultation, **kwargs):
    return services.draft_start(
        consultation=consultation, respondent=ABOUT, language="en", **kwargs
    )


def _answer_required(submission, journey):
    """Answer the OTC paper's required questions (Q1, Q7, Q13, Q22) section by section."""
    plan = {2: {"Q1": "agree", "Q7": "sfc"}, 4: {"Q13": "all_trades"}, 6: {"Q22": "six_months"}}
    for number, answers in plan.items():
        services.draft_save(
            submission=submission,
            journey=journey,
            section=_section(journey, number),
            answers=answers,
            step=number,
            language="en",
        )


def test_draft_start_stores_only_a_hash_of_the_token(otc):
    consultation, _ = otc
    submission, token = _start(consultation)
    assert submission.state == SubmissionState.DRAFT
    assert submission.resume_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in submission.resume_token_hash
    assert journey_selectors.submission_by_token(token=token) == submission
    assert journey_selectors.submission_by_token(token=token + "x") is None
    assert submission.category_other == ""  # only kept for the "other" category
    assert submission.current_step == 2


def test_draft_start_refuses_closed_and_upcoming_consultations():
    now = timezone.now()
    closed = ConsultationFactory(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(minutes=1)
    )
    upcoming = ConsultationFactory(
        opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30)
    )
    with pytest.raises(journey_errors.ConsultationClosed):
        _start(closed)
    with pytest.raises(journey_errors.ConsultationNotOpen):
        _start(upcoming)
    assert not Submission.objects.exists()


def test_draft_save_stores_each_kind_of_answer(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    services.draft_save(
        submission=submission,
        journey=journey,
        section=_section(journey, 2),
        answers={"Q1": "agree", "Q2": ["shop", "atm"], "Q4": "yes", "Q5": "One day 一天"},
        step=2,
        language="en",
    )
    services.draft_save(
        submission=submission,
        journey=journey,
        section=_section(journey, 3),
        answers={"Q12": 25},
        step=3,
        language="zh-hant",
    )
    assert journey_selectors.submission_answers(submission=submission) == {
        "Q1": "agree",
        "Q2": ["shop", "atm"],
        "Q4": "yes",
        "Q5": "One day 一天",
        "Q12": 25,
    }
    rows = Answer.objects.filter(submission=submission)
    assert rows.filter(question__code="Q2", multiple=True).count() == 2
    assert all(row.consultation_id == consultation.pk for row in rows)
    submission.refresh_from_db()
    assert submission.current_step == 4
    assert submission.language == "zh-hant"


def test_saving_a_section_again_replaces_its_answers_and_discards_hidden_ones(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    section = _section(journey, 2)
    services.draft_save(
        submission=submission,
        journey=journey,
        section=section,
        answers={"Q1": "agree", "Q4": "yes", "Q5": "Two days"},
        step=2,
        language="en",
    )
    # Q5 is asked only when Q4 is "yes": changing Q4 discards it, whatever the page sent.
    services.draft_save(
        submission=submission,
        journey=journey,
        section=section,
        answers={"Q1": "disagree", "Q4": "no", "Q5": "Two days"},
        step=2,
        language="en",
    )
    assert journey_selectors.submission_answers(submission=submission) == {
        "Q1": "disagree",
        "Q4": "no",
    }


def test_draft_save_ignores_codes_of_other_sections(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    services.draft_save(
        submission=submission,
        journey=journey,
        section=_section(journey, 2),
        answers={"Q1": "agree", "Q9": "agree"},
        step=2,
        language="en",
    )
    assert journey_selectors.submission_answers(submission=submission) == {"Q1": "agree"}


def test_draft_save_after_the_close_changes_nothing(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    later = consultation.closes_at + dt.timedelta(seconds=1)
    with pytest.raises(journey_errors.ConsultationClosed):
        services.draft_save(
            submission=submission,
            journey=journey,
            section=_section(journey, 2),
            answers={"Q1": "agree"},
            step=2,
            language="en",
            now=later,
        )
    assert not Answer.objects.exists()


def test_submit_allocates_sequential_references_and_freezes_a_revision(otc):
    consultation, journey = otc
    first, _ = _start(consultation)
    second, _ = _start(consultation)
    for submission in (first, second):
        _answer_required(submission, journey)
    one = services.submission_submit(submission=first, journey=journey).submission
    two = services.submission_submit(submission=second, journey=journey).submission
    assert (one.reference, two.reference) == ("OTC-000001", "OTC-000002")
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 2
    revision = one.revisions.get()
    assert revision.number == 1
    assert revision.state == SubmissionState.SUBMITTED
    assert revision.answers == {
        "Q1": "agree",
        "Q7": "sfc",
        "Q13": "all_trades",
        "Q22": "six_months",
    }
    assert revision.respondent["organisation_name"] == "Harbour Digital Ltd"
    assert one.submitted_at is not None
    assert one.is_late is False


def test_submitting_twice_stores_one_submission(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    first = services.submission_submit(submission=submission, journey=journey)
    again = services.submission_submit(submission=submission, journey=journey)
    assert first.created is True
    assert again.created is False
    assert again.submission.reference == first.submission.reference
    assert SubmissionRevision.objects.count() == 1
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 1


def test_submit_refuses_missing_required_answers(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    services.draft_save(
        submission=submission,
        journey=journey,
        section=_section(journey, 2),
        answers={"Q1": "agree"},
        step=2,
        language="en",
    )
    with pytest.raises(journey_errors.SubmissionIncomplete) as raised:
        services.submission_submit(submission=submission, journey=journey)
    assert raised.value.missing == ["Q7", "Q13", "Q22"]
    submission.refresh_from_db()
    assert submission.state == SubmissionState.DRAFT
    assert submission.reference.startswith(services.DRAFT_REFERENCE_PREFIX)


def test_submit_after_the_close_is_refused_unless_late_responses_are_accepted(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    after = consultation.closes_at + dt.timedelta(minutes=1)
    with pytest.raises(journey_errors.ConsultationClosed):
        services.submission_submit(submission=submission, journey=journey, now=after)
    consultation.accepts_late = True
    consultation.save()
    submission.refresh_from_db()
    result = services.submission_submit(submission=submission, journey=journey, now=after)
    assert result.submission.is_late is True
    assert result.submission.state == SubmissionState.SUBMITTED


def test_closing_time_is_23_59_hong_kong_time(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    close = consultation.closes_at
    assert (close.astimezone(dt.timezone(dt.timedelta(hours=8))).hour, close.minute) == (23, 59)
    just_before = close - dt.timedelta(seconds=1)
    result = services.submission_submit(submission=submission, journey=journey, now=just_before)
    assert result.submission.is_late is False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_submits_of_one_draft_store_one_submission(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    results, barrier = [], threading.Barrier(4)

    def submit():
        barrier.wait()
        try:
            results.append(services.submission_submit(submission=submission, journey=journey))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert {r.submission.reference for r in results} == {"OTC-000001"}
    assert SubmissionRevision.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_submits_of_different_drafts_get_distinct_references(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    drafts = [_start(consultation)[0] for _ in range(5)]
    for draft in drafts:
        _answer_required(draft, journey)
    barrier = threading.Barrier(len(drafts))

    def submit(draft):
        barrier.wait()
        try:
            services.submission_submit(submission=draft, journey=journey)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    references = sorted(Submission.objects.values_list("reference", flat=True))
    assert references == [f"OTC-{n:06d}" for n in range(1, 6)]


def test_amend_replaces_answers_and_keeps_the_history(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    services.submission_submit(submission=submission, journey=journey)
    answers = journey_selectors.submission_answers(submission=submission)
    answers.update({"Q1": "strongly_disagree", "Q26": "Please extend the transition."})
    services.submission_amend(
        submission=submission,
        journey=journey,
        respondent={**ABOUT, "consent": "confidential"},
        answers=answers,
        language="zh-hant",
    )
    submission.refresh_from_db()
    assert submission.consent == "confidential"
    assert submission.language == "zh-hant"
    assert journey_selectors.submission_answers(submission=submission)["Q1"] == "strongly_disagree"
    first, second = submission.revisions.order_by("number")
    assert first.answers["Q1"] == "agree"
    assert "Q26" not in first.answers
    assert first.respondent["consent"] == "response_only"
    assert second.answers["Q26"] == "Please extend the transition."
    assert second.respondent["consent"] == "confidential"
    assert submission.reference == "OTC-000001"


def test_an_amendment_changes_nothing_until_it_is_submitted(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    submission = services.submission_submit(submission=submission, journey=journey).submission
    amendment = amendments.amendment_start(submission=submission, journey=journey)
    assert amendment.answers == journey_selectors.submission_answers(submission=submission)
    # A page of the working copy is saved as a draft's page is: the section's questions
    # replaced, answers whose condition no longer holds discarded (Q5 is asked if Q4 is "yes").
    amendment = amendments.amendment_section_set(
        amendment=amendment,
        journey=journey,
        section=_section(journey, 2),
        answers={"Q1": "disagree", "Q4": "yes", "Q5": "Two days", "Q7": "sfc"},
    )
    amendment = amendments.amendment_section_set(
        amendment=amendment,
        journey=journey,
        section=_section(journey, 2),
        answers={"Q1": "disagree", "Q4": "no", "Q5": "Two days", "Q7": "sfc"},
    )
    assert amendment.answers["Q1"] == "disagree" and "Q5" not in amendment.answers
    assert amendment.answers["Q13"] == "all_trades"  # other sections kept
    amendment = amendments.amendment_respondent_set(
        amendment=amendment, respondent={**ABOUT, "consent": "confidential"}
    )
    # The session carries it as plain data.
    assert amendments.Amendment.from_session(amendment.as_session()) == amendment
    submission.refresh_from_db()
    assert submission.consent == "response_only"
    assert journey_selectors.submission_answers(submission=submission)["Q1"] == "agree"
    old_hash = submission.resume_token_hash
    result = amendments.amendment_submit(
        submission=submission, journey=journey, amendment=amendment, language="en"
    )
    submission.refresh_from_db()
    assert submission.consent == "confidential"
    assert result.answers == journey_selectors.submission_answers(submission=submission)
    assert result.answers["Q1"] == "disagree" and result.answers["Q4"] == "no"
    assert result.created and result.resume_token
    assert submission.resume_token_hash != old_hash
    assert submission.revisions.count() == 2


def test_an_amendment_cannot_start_after_the_close_or_on_a_draft(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    with pytest.raises(journey_errors.SubmissionNotEditable):
        amendments.amendment_start(submission=submission, journey=journey)
    _answer_required(submission, journey)
    submission = services.submission_submit(submission=submission, journey=journey).submission
    after = consultation.closes_at + dt.timedelta(minutes=1)
    with pytest.raises(journey_errors.ConsultationClosed):
        amendments.amendment_start(submission=submission, journey=journey, now=after)


def test_amend_and_withdraw_are_refused_after_the_close(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    services.submission_submit(submission=submission, journey=journey)
    after = consultation.closes_at + dt.timedelta(minutes=1)
    with pytest.raises(journey_errors.ConsultationClosed):
        services.submission_amend(
            submission=submission,
            journey=journey,
            respondent=ABOUT,
            answers={"Q1": "disagree"},
            language="en",
            now=after,
        )
    with pytest.raises(journey_errors.ConsultationClosed):
        services.submission_withdraw(submission=submission, now=after)
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.revisions.count() == 1


def test_amend_refuses_to_drop_a_required_answer(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    services.submission_submit(submission=submission, journey=journey)
    answers = journey_selectors.submission_answers(submission=submission)
    del answers["Q7"]
    with pytest.raises(journey_errors.SubmissionIncomplete):
        services.submission_amend(
            submission=submission, journey=journey, respondent=ABOUT, answers=answers, language="en"
        )
    assert journey_selectors.submission_answers(submission=submission)["Q7"] == "sfc"


def test_withdraw_marks_the_response_and_records_it(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    _answer_required(submission, journey)
    services.submission_submit(submission=submission, journey=journey)
    services.submission_withdraw(submission=submission)
    services.submission_withdraw(submission=submission)  # twice changes nothing more
    submission.refresh_from_db()
    assert submission.state == SubmissionState.WITHDRAWN
    assert submission.withdrawn_at is not None
    assert [r.state for r in submission.revisions.order_by("number")] == [
        SubmissionState.SUBMITTED,
        SubmissionState.WITHDRAWN,
    ]


def test_a_draft_cannot_be_withdrawn_or_amended(otc):
    consultation, journey = otc
    submission, _ = _start(consultation)
    with pytest.raises(journey_errors.SubmissionNotEditable):
        services.submission_withdraw(submission=submission)
    with pytest.raises(journey_errors.SubmissionNotEditable):
        services.submission_amend(
            submission=submission, journey=journey, respondent=ABOUT, answers={}, language="en"
        )


def test_a_new_resume_link_replaces_the_old_one(otc):
    consultation, _ = otc
    submission, old = _start(consultation)
    new = resume_links.resume_link_issue(submission=submission)
    assert journey_selectors.submission_by_token(token=old) is None
    assert journey_selectors.submission_by_token(token=new) == submission


def test_resume_link_request_finds_only_that_consultations_live_response(otc):
    consultation, _ = otc
    submission, _ = _start(consultation)
    found = resume_links.resume_link_request(consultation=consultation, email="CHAN@example.com ")
    assert found is not None and found[0] == submission
    assert journey_selectors.submission_by_token(token=found[1]) == submission
    assert (
        resume_links.resume_link_request(consultation=consultation, email="x@example.com") is None
    )
    other = ConsultationFactory()
    assert resume_links.resume_link_request(consultation=other, email="chan@example.com") is None


def test_resume_link_stops_working_when_the_consultation_closes(otc):
    consultation, _ = otc
    submission, _ = _start(consultation)
    assert journey_rules.resume_link_valid(submission=submission, now=timezone.now())
    after = consultation.closes_at + dt.timedelta(seconds=1)
    assert not journey_rules.resume_link_valid(submission=submission, now=after)


# --- Attachments -------------------------------------------------------------------------------


def _docx(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _check(data: bytes, name: str):
    return attachments.check(io.BytesIO(data), name=name, size=len(data))


def test_pdf_and_docx_are_recognised_from_their_content():
    pdf = _check(PDF_BYTES, "paper.PDF")
    docx = _check(_docx(), "views.docx")
    assert (pdf.content_type, pdf.extension) == (attachments.PDF, ".pdf")
    assert (docx.content_type, docx.extension) == (attachments.DOCX, ".docx")
    assert pdf.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    # The name does not decide: a PDF called .docx is still a PDF.
    assert _check(PDF_BYTES, "renamed.docx").content_type == attachments.PDF


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00 an executable", "paper.pdf", "wrong_type"),
        (b"<html>not a pdf</html>", "paper.pdf", "wrong_type"),
        (b"PK\x03\x04 broken zip", "paper.docx", "wrong_type"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_other_content_is_refused_whatever_its_name(data, name, code):
    with pytest.raises(attachments.AttachmentRejected) as raised:
        _check(data, name)
    assert raised.value.code == code


def test_a_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(attachments.AttachmentRejected):
        _check(buffer.getvalue(), "sheet.docx")


def test_a_word_document_with_macros_is_refused():
    with pytest.raises(attachments.AttachmentRejected) as raised:
        _check(_docx(macros=True), "macro.docx")
    assert raised.value.code == "macros"


def test_a_responses_files_are_read_oldest_first_and_no_one_elses(otc, private_storage_tmp):
    consultation, _ = otc
    mine, _ = _start(consultation)
    theirs, _ = _start(consultation)
    for submission, name in [(mine, "second.pdf"), (theirs, "theirs.pdf"), (mine, "first.pdf")]:
        upload = SimpleUploadedFile(name, PDF_BYTES)
        checked = attachments.check(upload, name=upload.name, size=upload.size)
        journey_attachments.attachment_add(submission=submission, upload=upload, checked=checked)
    # Uploaded in that order; "first.pdf" is made the oldest.
    mine.attachments.filter(original_name="first.pdf").update(
        uploaded_at=timezone.now() - dt.timedelta(hours=1)
    )
    names = [a.original_name for a in journey_selectors.submission_attachments(submission=mine)]
    assert names == ["first.pdf", "second.pdf"]
    assert [
        a.original_name for a in journey_selectors.submission_attachments(submission=theirs)
    ] == ["theirs.pdf"]


def test_files_over_10_mb_are_refused_before_reading():
    with pytest.raises(attachments.AttachmentRejected) as raised:
        attachments.check(io.BytesIO(PDF_BYTES), name="big.pdf", size=attachments.MAX_SIZE + 1)
    assert raised.value.code == "too_big"
    assert _check(PDF_BYTES + b"0" * 100, "ok.pdf").size == len(PDF_BYTES) + 100


def test_names_lose_paths_and_control_characters():
    assert attachments.clean_name("C:\\Users\\me\\立場書\x00.pdf") == "立場書.pdf"
    assert attachments.clean_name("../../etc/passwd") == "passwd"


def test_at_most_three_files_per_response(otc, private_storage_tmp):
    consultation, _ = otc
    submission, _ = _start(consultation)
    for number in range(3):
        upload = SimpleUploadedFile(f"paper{number}.pdf", PDF_BYTES)
        checked = attachments.check(upload, name=upload.name, size=upload.size)
        stored = journey_attachments.attachment_add(
            submission=submission, upload=upload, checked=checked
        )
        assert stored.original_name == f"paper{number}.pdf"
        assert stored.file.name.endswith(".pdf")
        assert f"paper{number}" not in stored.file.name  # stored under a random name
    upload = SimpleUploadedFile("fourth.pdf", PDF_BYTES)
    checked = attachments.check(upload, name=upload.name, size=upload.size)
    with pytest.raises(attachments.AttachmentRejected) as raised:
        journey_attachments.attachment_add(submission=submission, upload=upload, checked=checked)
    assert raised.value.code == "too_many"
    assert submission.attachments.count() == 3
    assert all(
        a.file.path.startswith(str(private_storage_tmp)) for a in submission.attachments.all()
    )


def test_a_start_key_finds_its_draft_only_while_it_is_a_fresh_draft(otc):
    consultation, _ = otc
    respondent = {
        "respondent_type": "individual",
        "category": "public",
        "contact_name": "Chan",
        "email": "chan@example.com",
        "consent": "response_only",
        "privacy_acknowledged": True,
    }
    now = timezone.now()
    first, token = services.draft_start(
        consultation=consultation, respondent=respondent, language="en", start_key="k" * 32, now=now
    )
    again, no_token = services.draft_start(
        consultation=consultation, respondent=respondent, language="en", start_key="k" * 32, now=now
    )
    assert again == first and token and no_token == ""
    # A day later the same key starts a new draft (without a key of its own).
    later, _ = services.draft_start(
        consultation=consultation,
        respondent=respondent,
        language="en",
        start_key="k" * 32,
        now=now + dt.timedelta(days=1),
    )
    assert later != first and later.start_key == ""


def test_the_services_refuse_an_exclusive_choice_ticked_with_others(demo_consultations):
    from surveys.journey.errors import AnswersInvalid
    from surveys.models import Choice

    consultation = demo_consultations["va-otc-dealing"]
    none = Choice.objects.get(
        question__consultation=consultation, question__code="Q2", value="none"
    )
    assert none.exclusive
    journey = journey_structure.journey_load(consultation=consultation)
    respondent = {
        "respondent_type": "individual",
        "category": "public",
        "contact_name": "Chan",
        "email": "chan@example.com",
        "consent": "response_only",
        "privacy_acknowledged": True,
    }
    submission, _ = services.draft_start(
        consultation=consultation, respondent=respondent, language="en"
    )
    section = journey.by_code["Q2"].section
    with pytest.raises(AnswersInvalid):
        services.draft_save(
            submission=submission,
            journey=journey,
            section=section,
            answers={"Q1": "agree", "Q7": "sfc", "Q2": ["shop", "none"]},
            step=2,
            language="en",
        )
    assert not submission.answers.exists()
