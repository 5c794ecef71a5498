"""Every respondent form and endpoint, fed hostile input (hypothesis): never a 500, nothing stored
that should not be, nothing reflected unescaped.

Each example runs in a transaction that is rolled back, so examples are independent; the test
client re-raises any exception a view lets through, so a 500 fails the test with its traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.validators import validate_email
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from surveys.journey import resume_links, services
from surveys.journey import structure as journey_structure
from surveys.journey.attachments import DOCX
from surveys.journey.views import SESSION_KEY
from surveys.models import (
    Answer,
    Attachment,
    Consent,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from tests.security.hostile import (
    FUZZ,
    MARKUP,
    example_rolled_back,
    form_data,
    hostile_text,
    posted_markup,
    values_for,
)

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"
ABOUT = {
    "respondent_type": "individual",
    "category": "public",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": True,
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def otc(demo_consultations, private_storage_tmp):
    return demo_consultations[SLUG]


def step_url(number: int, slug: str = SLUG) -> str:
    return reverse("surveys:step", args=[slug, number])


def browser_with_draft(consultation, **about) -> tuple[Client, Submission, str]:
    """A browser whose session holds a draft that has reached the review page."""
    submission, token = services.draft_start(
        consultation=consultation, respondent={**ABOUT, **about}, language="en"
    )
    journey = journey_structure.journey_load(consultation=consultation)
    Submission.objects.filter(pk=submission.pk).update(current_step=journey.review_step)
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(consultation.pk): submission.pk}
    session.save()
    return client, submission, token


def assert_not_reflected(response, posted: dict[str, object]) -> None:
    body = response.content.decode(errors="replace")
    for marker in posted_markup(posted):
        assert marker not in body, f"{marker!r} reflected unescaped"


def answers_snapshot(submission: Submission) -> list[tuple]:
    return sorted(
        Answer.objects.filter(submission=submission).values_list(
            "question_id", "choice_id", "text", "number", "multiple"
        ),
        key=repr,
    )


ABOUT_FIELDS = {
    "respondent_type": values_for(RespondentType.values),
    "organisation_name": values_for(["Harbour Digital Ltd"]),
    "category": values_for(RespondentCategory.values),
    "category_other": values_for(["Crypto ATM maker"]),
    "contact_name": values_for(["Chan Tai Man", "陳大文"]),
    "email": values_for(["chan@example.com", "陳@例子.香港"]),
    "consent": values_for(Consent.values),
    "privacy_acknowledged": values_for(["on", "true"]),
    "website": st.one_of(st.just(None), st.just(""), hostile_text()),
    # Fields a tamperer adds in the hope that the server stores them.
    "state": st.one_of(st.just(None), st.sampled_from(SubmissionState.values)),
    "reference": st.one_of(st.just(None), st.just("OTC-000001")),
    "review_status": st.one_of(st.just(None), st.just(ReviewStatus.ACCEPTED)),
    "consultation": st.one_of(st.just(None), st.integers(-5, 10**20).map(str)),
}


@FUZZ
@given(fields=st.fixed_dictionaries(ABOUT_FIELDS))
def test_about_you_step_refuses_bad_input_cleanly(otc, fields):
    with example_rolled_back():
        before = set(Submission.objects.values_list("pk", flat=True))
        response = Client().post(step_url(1), form_data(fields))

        assert response.status_code in (200, 302, 400), response.status_code
        created = Submission.objects.exclude(pk__in=before)
        if response.status_code != 302:
            assert not created.exists()
            assert_not_reflected(response, fields)
            return
        (submission,) = created
        assert submission.state == SubmissionState.DRAFT
        assert submission.reference.startswith(services.DRAFT_REFERENCE_PREFIX)
        assert submission.review_status == ReviewStatus.NEW
        assert submission.consultation_id == otc.pk
        assert submission.respondent_type in RespondentType.values
        assert submission.category in RespondentCategory.values
        assert submission.consent in Consent.values
        assert submission.privacy_acknowledged
        validate_email(submission.email)
        for name in ("contact_name", "organisation_name", "category_other", "email"):
            value = getattr(submission, name)
            assert "\x00" not in value
        assert submission.contact_name.strip()


def section_fields(journey, section) -> dict[str, st.SearchStrategy]:
    fields: dict[str, st.SearchStrategy] = {}
    for question in journey.section_questions(section):
        valid = [c.value for c in question.choices.all()]
        if question.kind == QuestionKind.NUMBER:
            valid = ["0", "25", "1,000,000", str(question.max_value or 10**15)]
        fields[f"q_{question.code}"] = values_for(valid)
    fields["q_Q999"] = st.one_of(st.just(None), hostile_text())
    fields["change"] = st.one_of(st.just(None), st.just("1"), hostile_text())
    fields["later"] = st.one_of(st.just(None), st.just("1"))
    return fields


def assert_answers_valid(submission: Submission, journey) -> None:
    """Every stored answer names a real question and one of its own choices, within limits."""
    for answer in Answer.objects.filter(submission=submission).select_related("question"):
        question = journey.by_id[answer.question_id]
        assert answer.consultation_id == submission.consultation_id
        if question.is_closed:
            assert answer.choice_id in {c.pk for c in question.choices.all()}
            assert answer.multiple == (question.kind == QuestionKind.MULTIPLE)
        elif question.kind == QuestionKind.NUMBER:
            low = question.min_value if question.min_value is not None else -(10**15)
            high = question.max_value if question.max_value is not None else 10**15
            assert low <= answer.number <= high
        else:
            assert 0 < len(answer.text) <= question.max_length
            assert "\x00" not in answer.text


@pytest.mark.parametrize("section_index", range(5))
@FUZZ
@given(data=st.data())
def test_every_section_step_refuses_bad_input_cleanly(otc, section_index, data):
    journey = journey_structure.journey_load(consultation=otc)
    step = journey.steps[section_index + 1]
    with example_rolled_back():
        client, submission, _ = browser_with_draft(otc)
        fields = data.draw(st.fixed_dictionaries(section_fields(journey, step.section)))
        before = answers_snapshot(submission)

        response = client.post(step_url(step.number), form_data(fields))

        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert answers_snapshot(submission) == before
            assert_not_reflected(response, fields)
        assert_answers_valid(submission, journey)
        page = client.get(step_url(journey.review_step))
        assert page.status_code == 200
        for marker in MARKUP:
            assert marker not in page.content.decode()


def docx(*, macros: bool = False, document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if document:
            archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


GOOD_DOCX = docx()
LYING_FILES = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"MZ\x90\x00\x03 this is a Windows program",
            b"<html><script>alert(1)</script></html>",
            b"%PDF",  # too short to be a PDF header
            b"PK\x03\x04not really a zip",
            docx(document=False),
            docx(macros=True),
            b"",
        ]
    ),
    st.binary(max_size=200).map(lambda tail: PDF + tail),
    st.just(GOOD_DOCX),
)
FILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "paper.pdf",
            "paper.docx",
            "../../etc/passwd",
            "a\x00b.pdf",
            "名稱.pdf",
            "x" * 400 + ".pdf",
        ]
    ),
    hostile_text(),
)
CONTENT_TYPES = st.sampled_from(
    ["application/pdf", "text/html", "application/x-msdownload", "image/png", "", "\x00"]
)


@FUZZ
@given(content=LYING_FILES, name=FILE_NAMES, content_type=CONTENT_TYPES)
def test_uploads_are_judged_by_their_content_not_their_name_or_type(
    otc, content, name, content_type
):
    with example_rolled_back():
        client, submission, _ = browser_with_draft(otc)
        # Raw bytes with whatever name and type the "browser" claims; the server's multipart
        # parser sees them as sent.
        upload = io.BytesIO(content)
        upload.name = name
        upload.content_type = content_type
        url = step_url(journey_structure.journey_load(consultation=otc).review_step - 1)
        response = client.post(url, {"upload": "1", "file": upload})

        assert response.status_code in (200, 302, 400), response.status_code
        stored = list(Attachment.objects.filter(submission=submission))
        is_pdf = content.startswith(b"%PDF-")
        is_docx = content == GOOD_DOCX
        if not (is_pdf or is_docx):
            assert stored == []
            return
        if response.status_code != 302:
            return  # for example an empty name the browser would never send
        (attachment,) = stored
        assert attachment.content_type == ("application/pdf" if is_pdf else DOCX)
        assert attachment.file.name.endswith(".pdf" if is_pdf else ".docx")
        assert "/" not in attachment.original_name
        assert all(ord(ch) >= 0x20 for ch in attachment.original_name)
        with attachment.file.open("rb") as handle:
            assert handle.read() == content


def test_an_oversized_upload_is_refused_with_a_form_error(otc):
    client, submission, _ = browser_with_draft(otc)
    upload = io.BytesIO(PDF + b"0" * (10 * 1024 * 1024))
    upload.name = "big.pdf"
    url = step_url(journey_structure.journey_load(consultation=otc).review_step - 1)
    response = client.post(url, {"upload": "1", "file": upload})
    assert response.status_code == 200
    assert "smaller than 10 MB" in response.content.decode()
    assert not Attachment.objects.filter(submission=submission).exists()


def test_oversized_and_overlong_bodies_are_refused_with_400(otc):
    client, submission, _ = browser_with_draft(otc)
    before = answers_snapshot(submission)
    huge = client.post(step_url(2), {"q_Q5": "x" * (3 * 1024 * 1024)})
    assert huge.status_code == 400
    many = client.post(step_url(2), {f"q_X{n}": "1" for n in range(1200)})
    assert many.status_code == 400
    assert answers_snapshot(submission) == before
    fresh = Client().post(step_url(1), {**ABOUT, "contact_name": "x" * (3 * 1024 * 1024)})
    assert fresh.status_code == 400
    assert Submission.objects.count() == 1


def test_posts_without_a_valid_csrf_token_are_refused_and_store_nothing(otc):
    client, submission, _ = browser_with_draft(otc)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    before = answers_snapshot(submission)
    refused = [
        strict.post(step_url(1), ABOUT),
        strict.post(step_url(2), {"q_Q1": "agree", "q_Q7": "sfc"}),
        strict.post(step_url(2), {"q_Q1": "agree", "csrfmiddlewaretoken": "x" * 64}),
        strict.post(reverse("surveys:submit", args=[SLUG])),
        strict.post(reverse("surveys:withdraw", args=[SLUG])),
        strict.post(reverse("surveys:resume_request", args=[SLUG]), {"email": ABOUT["email"]}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert answers_snapshot(submission) == before
    submission.refresh_from_db()
    assert submission.state == SubmissionState.DRAFT
    assert Submission.objects.count() == 1


METHODS = st.sampled_from(["get", "post", "put", "patch", "delete", "head", "options"])


@FUZZ
@given(data=st.data(), method=METHODS)
def test_no_endpoint_answers_500_or_reaches_another_respondents_response(otc, data, method):
    """Random methods, slugs, ids and tokens against every respondent URL."""
    with example_rolled_back():
        other_client, other, other_token = browser_with_draft(otc, email="other@example.com")
        journey = journey_structure.journey_load(consultation=otc)
        for section in journey.sections[:1]:
            services.draft_save(
                submission=other,
                journey=journey,
                section=section,
                answers={"Q1": "agree", "Q7": "sfc"},
                step=2,
                language="en",
            )
        upload = io.BytesIO(PDF)
        upload.name = "theirs.pdf"
        other_client.post(step_url(journey.review_step - 1), {"upload": "1", "file": upload})
        (their_file,) = Attachment.objects.filter(submission=other)
        before = (answers_snapshot(other), Submission.objects.get(pk=other.pk).state)

        client, mine, _ = browser_with_draft(otc)
        if data.draw(st.booleans()):
            # A tampered session cookie.
            client.cookies["sessionid"] = data.draw(
                st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60)
            )
        slug = data.draw(st.sampled_from([SLUG, "va-custody", "no-such-consultation", "a" * 300]))
        number = data.draw(st.sampled_from([0, 1, 2, 7, 8, 9, 10**6, 10**25]))
        pk = data.draw(st.sampled_from([their_file.pk, 0, 10**25, their_file.pk + 1]))
        token = data.draw(
            st.sampled_from(
                ["x", "A" * 129, other_token[:-1] + ("A" if other_token[-1] != "A" else "B")]
            )
            | hostile_text().filter(lambda t: t and "/" not in t and "?" not in t and "#" not in t)
        )
        url = data.draw(
            st.sampled_from(
                [
                    reverse("surveys:index"),
                    reverse("surveys:detail", args=[slug]),
                    reverse("surveys:respond", args=[slug]),
                    reverse("surveys:step", args=[slug, number]),
                    reverse("surveys:submit", args=[slug]),
                    reverse("surveys:done", args=[slug]),
                    reverse("surveys:saved", args=[slug]),
                    reverse("surveys:your_response", args=[slug]),
                    reverse("surveys:again", args=[slug]),
                    reverse("surveys:amend", args=[slug]),
                    reverse("surveys:amend_cancel", args=[slug]),
                    reverse("surveys:withdraw", args=[slug]),
                    reverse("surveys:resume_request", args=[slug]),
                    reverse("surveys:attachment", args=[slug, pk]),
                    reverse("surveys:attachment_remove", args=[slug, pk]),
                    reverse("surveys:resume", args=[token]),
                    reverse("surveys:colleagues", args=[slug]),
                    reverse("surveys:colleague_revoke", args=[slug, pk]),
                    reverse("surveys:draft_join", args=[token]),
                    reverse("set_language"),
                ]
            )
        )
        body = data.draw(
            st.dictionaries(
                st.sampled_from(
                    ["email", "q_Q1", "website", "language", "next", "upload", "reference", "pk"]
                ),
                hostile_text(),
                max_size=4,
            )
        )
        query = data.draw(st.sampled_from(["", "?change=1", "?next=//evil.example", "?x=%00"]))

        response = getattr(client, method)(url + query, body)

        assert response.status_code < 500, (method, url, response.status_code)
        assert Attachment.objects.filter(pk=their_file.pk).exists()
        assert (answers_snapshot(other), Submission.objects.get(pk=other.pk).state) == before
        if url.startswith(reverse("surveys:attachment", args=[SLUG, their_file.pk])):
            # 400: a NUL or another charset in the request is refused before anything is read.
            assert response.status_code in (302, 400, 404, 405)
        location = response.headers.get("Location", "")
        assert not location.startswith(("//", "http://evil", "https://evil")), location
        mine.refresh_from_db()
        assert mine.state == SubmissionState.DRAFT


def test_an_old_resume_link_stops_working_once_a_new_one_is_issued(otc):
    _, submission, token = browser_with_draft(otc)
    resume_links.resume_link_issue(submission=submission)
    response = Client().get(reverse("surveys:resume", args=[token]))
    assert response.status_code == 404
    assert SESSION_KEY not in Client().session


def test_another_respondents_attachment_cannot_be_read_or_removed(otc):
    owner, theirs, _ = browser_with_draft(otc, email="owner@example.com")
    upload = io.BytesIO(PDF)
    upload.name = "confidential.pdf"
    step = journey_structure.journey_load(consultation=otc).review_step - 1
    assert owner.post(step_url(step), {"upload": "1", "file": upload}).status_code == 302
    (attachment,) = Attachment.objects.filter(submission=theirs)
    intruder, _, _ = browser_with_draft(otc, email="intruder@example.com")

    download = intruder.get(reverse("surveys:attachment", args=[SLUG, attachment.pk]))
    removal = intruder.post(reverse("surveys:attachment_remove", args=[SLUG, attachment.pk]))
    anonymous = Client().get(reverse("surveys:attachment", args=[SLUG, attachment.pk]))

    assert (download.status_code, removal.status_code, anonymous.status_code) == (404, 404, 404)
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    own = owner.get(reverse("surveys:attachment", args=[SLUG, attachment.pk]))
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PDF


def test_a_closed_consultation_refuses_every_write(otc):
    client, submission, _ = browser_with_draft(otc)
    otc.opens_at = timezone.now() - dt.timedelta(days=60)
    otc.closes_at = timezone.now() - dt.timedelta(minutes=1)
    otc.save()
    before = answers_snapshot(submission)
    statuses = [
        client.post(step_url(2), {"q_Q1": "agree"}).status_code,
        client.post(reverse("surveys:submit", args=[SLUG])).status_code,
        Client().post(step_url(1), ABOUT).status_code,
    ]
    assert statuses == [410, 410, 410]
    assert answers_snapshot(submission) == before
    assert Submission.objects.count() == 1
