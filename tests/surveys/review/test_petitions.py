"""Petitions entered by staff: one counted record with its signatories, its standard text kept,
the names of a list counted once and never shown, every entry audited, bad input refused
without a change; and campaign detection leaves them as entered."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from reports.loading import report_inputs, report_register
from reports.summary.compute import summarise
from reports.summary.headline import headline_of
from surveys.models import (
    CampaignGroup,
    Channel,
    Petition,
    PetitionSignatory,
    QuestionKind,
    ReviewEvent,
    Submission,
)
from surveys.review import campaigns, petitions
from tests.factories import (
    AnswerFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TEXT = "We, the undersigned, ask that every OTC shop be licensed before the end of the year."


@pytest.fixture
def consultation():
    consultation = ConsultationFactory(slug="otc", reference_prefix="OTC")
    section = SectionFactory(consultation=consultation)
    consultation.q_text = QuestionFactory(section=section, kind=QuestionKind.TEXT, code="Q1")
    return consultation


@pytest.fixture
def clerk():
    return UserFactory(permissions=["surveys.add_petition"])


def _received(days=1):
    return timezone.now() - dt.timedelta(days=days)


def _upload(name, data):
    return SimpleUploadedFile(name, data)


def test_a_petition_is_one_counted_record_weighted_by_its_signatories(consultation, clerk):
    SubmissionFactory(consultation=consultation, submitted=True)
    petition = petitions.petition_add(
        consultation=consultation,
        actor=clerk,
        standard_text=TEXT,
        channel=Channel.POST,
        received_at=_received(),
        signatories=1200,
        organisation_name="Shop Owners' Alliance",
    )
    submission = petition.submission
    assert submission.signatories == 1200
    assert submission.channel == Channel.POST
    assert submission.entered_by == clerk
    assert submission.reference.startswith("OTC-")
    assert submission.campaign_group.label == "P1"
    assert submission.campaign_group.confirmed
    assert petition.standard_text == TEXT
    assert Submission.objects.counted().filter(pk=submission.pk).exists()
    events = ReviewEvent.objects.filter(submission=submission)
    assert {e.field for e in events} == {"petition", "campaign_group"}
    assert all(e.actor == clerk for e in events)

    summary = summarise(report_inputs(consultation=consultation, as_of=timezone.now()))
    headline = headline_of(summary.respondents)
    assert (headline.total, headline.records, headline.in_campaigns) == (1201, 2, 1200)
    assert headline.written_channels == (("post", 1200),)
    [campaign] = [c for c in summary.respondents.campaigns if c.label == "P1"]
    assert (campaign.size, campaign.records, campaign.text) == (1200, 1, TEXT)
    register = {
        row.reference: row
        for row in report_register(consultation=consultation, as_of=timezone.now())
    }
    assert (register[submission.reference].weight, register[submission.reference].channel) == (
        1200,
        "post",
    )


def test_a_list_of_names_is_counted_once_per_person_and_repeats_reported(consultation, clerk):
    data = "Name\nChan Tai Man\n陳大文\n chan  tai man \nＣｈａｎ Ｔａｉ Ｍａｎ\n\nLee Siu Ming\n"
    names = petitions.signatory_list_read(upload=_upload("names.csv", data.encode("utf-8-sig")))
    assert names.names == ("Chan Tai Man", "陳大文", "Lee Siu Ming")
    assert names.duplicates == ("chan tai man", "Ｃｈａｎ Ｔａｉ Ｍａｎ")
    petition = petitions.petition_add(
        consultation=consultation,
        actor=clerk,
        standard_text=TEXT,
        channel=Channel.EMAIL,
        received_at=_received(),
        names=names,
        list_name="names.csv",
    )
    assert petition.submission.signatories == 3
    assert petition.list_duplicates == 2
    assert PetitionSignatory.objects.filter(petition=petition).count() == 3


def test_an_xlsx_list_is_read_from_its_first_column(consultation):
    book = Workbook()
    sheet = book.active
    for row in (["姓名", "Note"], ["Wong Ka Yan", "x"], ["Ho Wai Lun", None], [None, "y"]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    names = petitions.signatory_list_read(upload=_upload("list.xlsx", buffer.getvalue()))
    assert names.names == ("Wong Ka Yan", "Ho Wai Lun")


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("names.pdf", b"%PDF-1.4", "list_type"),
        ("names.csv", "Chan".encode("utf-16"), "list_encoding"),
        ("names.xlsx", b"not a workbook", "list_xlsx"),
        ("names.csv", b"name\n\n  \n", "list_empty"),
    ],
)
def test_a_bad_list_is_refused_with_its_reason(name, data, code):
    with pytest.raises(ValidationError) as error:
        petitions.signatory_list_read(upload=_upload(name, data))
    assert error.value.code == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"standard_text": "   "}, "text_required"),
        ({"channel": Channel.WEB}, "channel"),
        ({"received_at": timezone.now() + dt.timedelta(days=2)}, "future"),
        ({"signatories": 0}, "signatories_range"),
        ({"signatories": None}, "signatories_source"),
        ({"signatories": petitions.MAX_SIGNATORIES + 1}, "signatories_range"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(consultation, clerk, changes, code):
    arguments = {
        "consultation": consultation,
        "actor": clerk,
        "standard_text": TEXT,
        "channel": Channel.FAX,
        "received_at": _received(),
        "signatories": 10,
    } | changes
    with pytest.raises(ValidationError) as error:
        petitions.petition_add(**arguments)
    assert error.value.code == code
    assert not Submission.objects.exists()
    assert not CampaignGroup.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_a_petition_received_after_closing_is_late(consultation, clerk):
    consultation.closes_at = timezone.now() - dt.timedelta(days=3)
    consultation.save()
    petition = petitions.petition_add(
        consultation=consultation,
        actor=clerk,
        standard_text=TEXT,
        channel=Channel.POST,
        received_at=_received(days=1),
        signatories=7,
    )
    assert petition.submission.is_late


def test_campaign_detection_leaves_a_petition_and_its_group_alone(consultation, clerk):
    petition = petitions.petition_add(
        consultation=consultation,
        actor=clerk,
        standard_text=TEXT,
        channel=Channel.POST,
        received_at=_received(),
        signatories=50,
    )
    same = "A standard text that many people were asked to send in, word for word, today."
    for _ in range(3):
        submission = SubmissionFactory(consultation=consultation, submitted=True)
        AnswerFactory(submission=submission, question=consultation.q_text, text=same)
    campaigns.campaign_detect(consultation=consultation)
    campaigns.campaign_detect(consultation=consultation)
    petition.submission.refresh_from_db()
    assert petition.submission.campaign_group.label == "P1"
    assert petition.submission.campaign_group.confirmed
    assert CampaignGroup.objects.filter(label="C1", size=3).exists()


def test_admin_enters_a_petition_from_an_uploaded_list(client, consultation, clerk):
    client.force_login(clerk)
    url = reverse("admin:surveys_petition_add")
    response = client.post(
        url,
        {
            "consultation": consultation.pk,
            "standard_text": TEXT,
            "channel": "email",
            "received_at": "2026-01-05T10:30",
            "names_list": _upload("names.csv", b"Chan Tai Man\nLee Siu Ming\nchan tai man\n"),
        },
        follow=True,
    )
    assert response.status_code == 200
    petition = Petition.objects.get()
    assert petition.submission.signatories == 2
    assert petition.submission.received_at == dt.datetime(2026, 1, 5, 2, 30, tzinfo=dt.UTC)
    page = response.content.decode()
    assert "1 name was repeated in the list and counted once" in page
    # The list page shows counts, never the names.
    listing = client.get(reverse("admin:surveys_petition_changelist")).content.decode()
    assert "Lee Siu Ming" not in listing


def test_admin_refuses_a_number_and_a_list_together_and_changes_nothing(
    client, consultation, clerk
):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:surveys_petition_add"),
        {
            "consultation": consultation.pk,
            "standard_text": TEXT,
            "channel": "post",
            "received_at": "2026-01-05T10:30",
            "signatories": "12",
            "names_list": _upload("names.csv", b"Chan Tai Man\n"),
        },
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not Submission.objects.exists()


def test_admin_refuses_a_bad_list_with_its_reason(client, consultation, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:surveys_petition_add"),
        {
            "consultation": consultation.pk,
            "standard_text": TEXT,
            "channel": "post",
            "received_at": "2026-01-05T10:30",
            "names_list": _upload("names.csv", "Chan".encode("utf-16")),
        },
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not Submission.objects.exists()


def test_staff_without_the_permission_cannot_enter_a_petition(client, consultation):
    reviewer = UserFactory(roles=["Reviewers"])
    client.force_login(reviewer)
    assert client.get(reverse("admin:surveys_petition_add")).status_code == 403


def test_the_petition_list_reads_in_a_fixed_number_of_queries(
    client, consultation, clerk, django_assert_max_num_queries
):
    for n in range(5):
        petitions.petition_add(
            consultation=consultation,
            actor=clerk,
            standard_text=f"{TEXT} ({n})",
            channel=Channel.POST,
            received_at=_received(),
            signatories=n + 1,
        )
    client.force_login(clerk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:surveys_petition_changelist"))
    assert response.status_code == 200


def test_erasure_deletes_a_lists_names_and_keeps_its_count(consultation, clerk, settings):
    from surveys.privacy import personal_data_erase

    names = petitions.signatory_names(["Chan Tai Man", "Lee Siu Ming"])
    petition = petitions.petition_add(
        consultation=consultation,
        actor=clerk,
        standard_text=TEXT,
        channel=Channel.POST,
        received_at=_received(),
        names=names,
    )
    consultation.conclusions_published_at = timezone.now() - dt.timedelta(
        days=settings.PERSONAL_DATA_RETENTION_DAYS + 1
    )
    consultation.save(update_fields=["conclusions_published_at"])
    (result,) = personal_data_erase(operator="dpo")
    assert result.action.details["signatory_names_deleted"] == 2
    assert not PetitionSignatory.objects.exists()
    petition.submission.refresh_from_db()
    assert petition.submission.signatories == 2
    assert Petition.objects.get().standard_text == TEXT
