"""Email confirmation in the admin: the setting on the consultation, unconfirmed responses shown
apart (filter, column, count on the consultations list), and the audited action that sends the
link again."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import Email
from surveys.admin.submissions import SubmissionAdmin
from surveys.journey import confirmation
from surveys.models import Channel, ReviewEvent
from tests.factories import ConsultationFactory, SubmissionFactory
from tests.surveys.admin.test_submissions import LIST, act, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def otc():
    return ConsultationFactory(slug="otc", requires_email_confirmation=True)


def _responses(consultation, now):
    return {
        "awaiting": SubmissionFactory(consultation=consultation, submitted=True),
        "confirmed": SubmissionFactory(
            consultation=consultation, submitted=True, email_confirmed_at=now
        ),
        "post": SubmissionFactory(consultation=consultation, submitted=True, channel=Channel.POST),
    }


def _references(response):
    return {row.reference for row in response.context["cl"].result_list}


def test_the_filter_shows_unconfirmed_responses_apart(client, otc, reviewer):
    rows = _responses(otc, timezone.now())
    other = ConsultationFactory(slug="other")
    not_required = SubmissionFactory(consultation=other, submitted=True)
    client.force_login(reviewer)

    awaiting = client.get(LIST, {"email_confirmation": "awaiting"})
    assert _references(awaiting) == {rows["awaiting"].reference}
    assert _references(client.get(LIST, {"email_confirmation": "confirmed"})) == {
        rows["confirmed"].reference
    }
    assert _references(client.get(LIST, {"email_confirmation": "not_required"})) == {
        rows["post"].reference,
        not_required.reference,
    }
    page = page_text(client.get(LIST))
    assert "Email confirmed" in page
    assert "Awaiting confirmation (not counted)" in page
    assert re.search(rf"{rows['awaiting'].reference}.*?awaiting", page)


def test_the_consultations_list_counts_responses_awaiting_confirmation(client, otc, reviewer):
    _responses(otc, timezone.now())
    client.force_login(reviewer)
    page = page_text(client.get(reverse("admin:surveys_consultation_changelist")))
    assert "1 awaiting email confirmation" in page
    assert "email_confirmation=awaiting" in page


def test_editors_set_the_requirement_with_its_help_text(client, editor):
    consultation = ConsultationFactory(slug="editable")
    client.force_login(editor)
    url = reverse("admin:surveys_consultation_change", args=[consultation.pk])
    page = page_text(client.get(url))
    assert "requires_email_confirmation" in page
    assert "counts only once the respondent has opened the confirmation link" in page


@pytest.mark.parametrize("rows", [10, 40])
def test_the_list_with_the_column_costs_the_same_queries_whatever_its_size(
    client, otc, reviewer, django_assert_max_num_queries, monkeypatch, rows
):
    for _ in range(rows):
        SubmissionFactory(consultation=otc, submitted=True)
    monkeypatch.setattr(SubmissionAdmin, "list_per_page", rows)
    client.force_login(reviewer)
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"email_confirmation": "awaiting"})
    assert len(response.context["cl"].result_list) == rows


def test_resending_the_link_is_audited_and_skips_who_need_none(client, otc, reviewer, sent):
    rows = _responses(otc, timezone.now())
    old_hash = "0" * 64
    rows["awaiting"].email_confirmation_hash = old_hash
    rows["awaiting"].save(update_fields=["email_confirmation_hash"])
    client.force_login(reviewer)

    response = act(client, "resend_email_confirmation", rows.values(), follow=True)

    assert "1 confirmation link sent; 2 submissions skipped" in page_text(response)
    (email,) = Email.objects.filter(kind="surveys.email_confirmation")
    assert email.to == rows["awaiting"].email
    rows["awaiting"].refresh_from_db()
    assert rows["awaiting"].email_confirmation_hash not in ("", old_hash)
    event = ReviewEvent.objects.get(field=confirmation.FIELD_LINK_SENT)
    assert event.actor == reviewer and event.submission == rows["awaiting"]
    (message,) = sent()
    assert "Please confirm your email address" in message.subject
    link = re.search(r"http://testserver(/confirm-email/[^/\s]+/)", message.body).group(1)
    assert client.get(link).status_code == 200
    rows["awaiting"].refresh_from_db()
    assert rows["awaiting"].email_confirmed_at is not None


def test_only_reviewers_may_resend(client, otc, editor):
    row = SubmissionFactory(consultation=otc, submitted=True)
    client.force_login(editor)
    act(client, "resend_email_confirmation", [row])
    assert not Email.objects.exists()
    assert not ReviewEvent.objects.exists()
