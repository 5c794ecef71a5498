"""Uploading a public register: replaced whole in one transaction, bad rows reported with their
line and reason (nothing changed), audited, permission-gated; responses matched and re-matched."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys import roles
from surveys.journey import selectors as journey_selectors
from surveys.journey import services
from surveys.journey import structure as journey_structure
from surveys.licensing.register_file import RegisterInvalid
from surveys.licensing.services import register_replace
from surveys.models import RegisterEntry, RegisterUpload, ReviewEvent, Submission
from tests.factories import ConsultationFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

SFC_REGISTER = (
    "Number,Name,Licence type,Status\n"
    "ABC123,Harbour Digital Limited,Type 1,licensed\n"
    "bcd234,維港數碼資產有限公司,VA dealing,applicant\n"
    "CDE345,Kowloon Custody Ltd,,\n"
).encode()


@pytest.fixture
def reviewer():
    return UserFactory(username="reviewer", roles=[roles.REVIEWERS])


def _submitted(number, register="sfc", **kwargs):
    return SubmissionFactory(
        submitted=True, licence_register=register, licence_number=number, **kwargs
    )


def _status(submission):
    return Submission.objects.get(pk=submission.pk).licence_status


def test_an_upload_stores_the_register_and_marks_matching_responses(reviewer):
    licensed, applicant, unknown = _submitted("ABC123"), _submitted("BCD234"), _submitted("XYZ999")
    customs = _submitted("ABC123", register="customs")  # same number, another register
    nobody = SubmissionFactory(submitted=True)
    upload = register_replace(
        register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer
    )
    entries = {e.number: e for e in RegisterEntry.objects.filter(register="sfc")}
    assert set(entries) == {"ABC123", "BCD234", "CDE345"}  # stored upper-case
    assert entries["BCD234"].name == "維港數碼資產有限公司"
    assert entries["BCD234"].status == "applicant"
    assert entries["CDE345"].status == "licensed"  # no status given: a register lists licensees
    assert [_status(s) for s in (licensed, applicant, unknown, customs, nobody)] == [
        "licensed",
        "applicant",
        "other",
        "other",
        "other",
    ]
    assert upload.responses_changed == 2


def test_an_upload_is_audited(reviewer):
    submission = _submitted("ABC123")
    upload = register_replace(
        register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer
    )
    upload.refresh_from_db()
    assert (upload.uploaded_by, upload.row_count, upload.original_name) == (reviewer, 3, "sfc.csv")
    assert upload.sha256 == hashlib.sha256(SFC_REGISTER).hexdigest()
    event = ReviewEvent.objects.get(submission=submission)
    assert (event.actor, event.field, event.old_value, event.new_value) == (
        reviewer,
        "licence_status",
        "other",
        "licensed",
    )
    assert upload.sha256[:12] in event.reason


def test_a_file_saved_with_a_byte_order_mark_reads_the_same(reviewer):
    register_replace(
        register="sfc", file_name="sfc.csv", content=b"\xef\xbb\xbf" + SFC_REGISTER, actor=reviewer
    )
    assert RegisterEntry.objects.filter(register="sfc").count() == 3


def test_chinese_headings_are_accepted(reviewer):
    content = "編號,名稱,牌照類別,狀況\nABC123,維港數碼,第1類,申請人\n".encode()
    register_replace(register="sfc", file_name="sfc.csv", content=content, actor=reviewer)
    assert RegisterEntry.objects.get(number="ABC123").status == "applicant"


def test_a_new_upload_replaces_the_register_and_re_matches(reviewer):
    was_licensed = _submitted("ABC123")
    register_replace(register="sfc", file_name="one.csv", content=SFC_REGISTER, actor=reviewer)
    register_replace(
        register="customs",
        file_name="customs.csv",
        content=b"number,name\n16-03-01869,Wing On Exchange\n",
        actor=reviewer,
    )
    register_replace(
        register="sfc",
        file_name="two.csv",
        content=b"number,name,status\nCDE345,Kowloon Custody Ltd,licensed\n",
        actor=reviewer,
    )
    assert list(RegisterEntry.objects.filter(register="sfc").values_list("number", flat=True)) == [
        "CDE345"
    ]
    assert RegisterEntry.objects.filter(register="customs").count() == 1  # left alone
    assert _status(was_licensed) == "other"
    events = ReviewEvent.objects.filter(submission=was_licensed).order_by("at", "pk")
    assert [(e.old_value, e.new_value) for e in events] == [
        ("other", "licensed"),
        ("licensed", "other"),
    ]
    assert RegisterUpload.objects.count() == 3


def test_bad_rows_are_each_reported_and_nothing_changes(reviewer):
    submission = _submitted("ABC123")
    register_replace(register="sfc", file_name="one.csv", content=SFC_REGISTER, actor=reviewer)
    bad = (
        b"number,name,licence type,status\n"
        b"ABC123,Harbour Digital Limited,Type 1,licensed\n"
        b"AB1234,Bad Number Ltd,,\n"
        b"DEF456,,,\n"
        b"EFG567,Unknown Status Ltd,,revoked\n"
        b"abc123,Twice Ltd,,\n"
    )
    with pytest.raises(RegisterInvalid) as refused:
        register_replace(register="sfc", file_name="bad.csv", content=bad, actor=reviewer)
    found = [(error.line, error.message) for error in refused.value.errors]
    assert [line for line, _ in found] == [3, 4, 5, 6]
    assert "three letters followed by three digits" in found[0][1]
    assert found[1][1] == "The name is missing."
    assert "“revoked”" in found[2][1]
    assert found[3][1] == "The number ABC123 is also on line 2."
    # The first register and the statuses stand; no upload was recorded.
    assert RegisterEntry.objects.filter(register="sfc").count() == 3
    assert _status(submission) == "licensed"
    assert RegisterUpload.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"number,firm\nABC123,X\n", "missing: name"),
        (b"number,name\n", "no rows"),
        ("number,name\nABC123,維港\n".encode("big5"), "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused_whole(reviewer, content, words):
    with pytest.raises(RegisterInvalid) as refused:
        register_replace(register="sfc", file_name="x.csv", content=content, actor=reviewer)
    assert words in refused.value.errors[0].message
    assert not RegisterUpload.objects.exists()


# --- Submitting and amending match the number -----------------------------------------------


@pytest.fixture
def otc(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    return consultation, journey_structure.journey_load(consultation=consultation)


ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "licence_register": "sfc",
    "licence_number": "ABC123",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": True,
}


def _submit(consultation, journey, about=ABOUT):
    submission, _ = services.draft_start(consultation=consultation, respondent=about, language="en")
    plan = {2: {"Q1": "agree", "Q7": "sfc"}, 4: {"Q13": "all_trades"}, 6: {"Q22": "six_months"}}
    for number, answers in plan.items():
        services.draft_save(
            submission=submission,
            journey=journey,
            section=journey.step(number).section,
            answers=answers,
            step=number,
            language="en",
        )
    return services.submission_submit(submission=submission, journey=journey).submission


def test_a_response_submitted_with_a_registered_number_is_marked(otc, reviewer):
    consultation, journey = otc
    register_replace(register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer)
    submission = _submit(consultation, journey)
    assert _status(submission) == "licensed"
    assert submission.revisions.get().respondent["licence_number"] == "ABC123"


def test_amending_the_number_re_matches(otc, reviewer):
    consultation, journey = otc
    register_replace(register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer)
    submission = _submit(consultation, journey)
    answers = journey_selectors.submission_answers(submission=submission)
    for about, expected in (
        ({**ABOUT, "licence_number": "BCD234"}, "applicant"),
        ({**ABOUT, "licence_register": "", "licence_number": "BCD234"}, "other"),
    ):
        services.submission_amend(
            submission=submission, journey=journey, respondent=about, answers=answers, language="en"
        )
        assert _status(submission) == expected
    assert Submission.objects.get(pk=submission.pk).licence_number == ""


def test_a_response_submitted_before_the_register_is_marked_by_the_upload(otc, reviewer):
    consultation, journey = otc
    submission = _submit(consultation, journey)
    assert _status(submission) == "other"
    register_replace(register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer)
    assert _status(submission) == "licensed"


# --- The admin page -----------------------------------------------------------------------------


def _upload(client, content, register="sfc", name="register.csv"):
    return client.post(
        reverse("admin:surveys_registerupload_upload"),
        {"register": register, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def test_a_reviewer_uploads_a_register_through_the_admin(client, reviewer):
    submission = _submitted("ABC123")
    client.force_login(reviewer)
    response = _upload(client, SFC_REGISTER)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:surveys_registerupload_changelist")
    assert _status(submission) == "licensed"
    listing = client.get(response["Location"])
    assert "register.csv" in listing.content.decode()
    assert RegisterUpload.objects.get().uploaded_by == reviewer


def test_the_admin_page_lists_every_bad_row_and_changes_nothing(client, reviewer):
    client.force_login(reviewer)
    response = _upload(client, b"number,name\nABC123,Good Ltd\nAB1234,Bad Ltd\nCDE345,\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The register was not changed: 2 problems in the file." in page
    assert "Line 3:" in page and "three letters followed by three digits" in page
    assert "Line 4:" in page and "The name is missing." in page
    assert not RegisterEntry.objects.exists()


def test_bad_rows_are_reported_in_chinese_to_staff_reading_chinese(client, reviewer):
    client.force_login(reviewer)
    client.cookies["django_language"] = "zh-hant"
    response = client.post(
        reverse("admin:surveys_registerupload_upload"),
        {"register": "sfc", "file": SimpleUploadedFile("r.csv", b"number,name\nAB1234,X\n")},
        HTTP_ACCEPT_LANGUAGE="zh-hant",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 行：" in page
    assert "證監會中央編號（CE 編號）由三個英文字母加三個數字組成" in page


@pytest.mark.parametrize("role", [roles.EDITORS, roles.REPORT_READERS])
def test_staff_without_the_permission_cannot_upload(client, role):
    client.force_login(UserFactory(roles=[role]))
    assert _upload(client, SFC_REGISTER).status_code == 403
    assert not RegisterUpload.objects.exists()


def test_the_submission_list_shows_and_filters_the_status_with_a_bounded_query_count(
    client, reviewer, django_assert_max_num_queries
):
    consultation = ConsultationFactory()
    for number in ("ABC123", "BCD234", "ZZZ999"):
        _submitted(number, consultation=consultation)
    register_replace(register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:surveys_submission_changelist")
    with django_assert_max_num_queries(30):
        response = client.get(url, {"licence_status__exact": "licensed"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert "Licensed firm" in response.content.decode()


def test_the_number_is_shown_only_to_staff_with_personal_data_access(client, reviewer):
    submission = _submitted("ABC123")
    register_replace(register="sfc", file_name="sfc.csv", content=SFC_REGISTER, actor=reviewer)
    url = reverse("admin:surveys_submission_change", args=[submission.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "Licensed firm" in page and "ABC123" not in page
    client.force_login(
        UserFactory(
            username="personal",
            roles=[roles.REVIEWERS],
            permissions=[roles.PERSONAL_DATA_PERMISSION],
        )
    )
    assert "ABC123" in client.get(url).content.decode()


def test_the_receipt_repeats_the_number_given(otc, reviewer):
    from surveys.journey import emails

    consultation, journey = otc
    submission = _submit(consultation, journey)
    context = {"submission": submission.pk, "revision": 1, "private_link": "http://testserver/r"}
    rendered = emails.render_receipt(context, "en")
    assert "Licence number: ABC123 (SFC central entity (CE) number)" in rendered.text
    chinese = emails.render_receipt(context, "zh-hant")
    assert "牌照號碼：ABC123" in chinese.text or "牌照號碼: ABC123" in chinese.text
