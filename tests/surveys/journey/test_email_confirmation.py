"""Email confirmation through the respondent's pages: the receipt carries the link when the
consultation requires it, the link confirms (once, audited, signed in or not), a bad, altered,
replaced or expired link changes nothing and says so, and amendments keep or clear the
confirmation with the address it confirmed."""

import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from surveys.journey import confirmation
from surveys.models import Channel, Consultation, ReviewEvent, Submission
from tests.surveys.journey.test_respondent_views import (
    ABOUT,
    SLUG,
    fill_required,
    start,
    step_url,
)

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"http://testserver(/confirm-email/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def otc(demo_consultations):
    consultation = demo_consultations[SLUG]
    Consultation.objects.filter(pk=consultation.pk).update(requires_email_confirmation=True)
    consultation.refresh_from_db()
    return consultation


def _submit(client) -> Submission:
    submission = start(client)
    fill_required(client)
    response = client.post(reverse("surveys:submit", args=[SLUG]))
    assert response.url == reverse("surveys:done", args=[SLUG])
    submission.refresh_from_db()
    return submission


def _confirm_link(message) -> str:
    return CONFIRM_LINK.search(message.body).group(1)


def test_the_form_says_the_address_must_be_confirmed(client, otc):
    page = client.get(step_url(1)).content.decode()
    assert "counts only once you have opened it" in page
    Consultation.objects.filter(pk=otc.pk).update(requires_email_confirmation=False)
    assert "counts only once you have opened it" not in client.get(step_url(1)).content.decode()


def test_the_receipt_link_confirms_once_without_signing_in_and_is_audited(client, otc, sent):
    submission = _submit(client)
    done = client.get(reverse("surveys:done", args=[SLUG])).content.decode()
    assert "confirm-email-note" in done
    receipt = sent()[-1]
    assert "OTC-000001" in receipt.subject
    link = _confirm_link(receipt)
    assert link in receipt.alternatives[0][0]  # the HTML part carries it too
    # Only a hash of the token is stored.
    token = link.split("/")[2]
    assert token not in submission.email_confirmation_hash
    assert submission.email_confirmed_at is None

    stranger = Client()
    page = stranger.get(link)
    assert page.status_code == 200
    assert "Email address confirmed" in page.content.decode()
    assert "OTC-000001" in page.content.decode()
    submission.refresh_from_db()
    confirmed_at = submission.email_confirmed_at
    assert confirmed_at is not None
    event = ReviewEvent.objects.get(submission=submission, field=confirmation.FIELD_CONFIRMED)
    assert event.actor is None and event.new_value == confirmed_at.isoformat()

    again = stranger.get(link)
    assert again.status_code == 200
    assert "already confirmed" in again.content.decode()
    submission.refresh_from_db()
    assert submission.email_confirmed_at == confirmed_at
    assert ReviewEvent.objects.filter(field=confirmation.FIELD_CONFIRMED).count() == 1


def test_no_link_when_the_consultation_does_not_require_it(client, otc, sent):
    Consultation.objects.filter(pk=otc.pk).update(requires_email_confirmation=False)
    submission = _submit(client)
    assert "/confirm-email/" not in sent()[-1].body
    assert submission.email_confirmation_hash == ""
    assert (
        "confirm-email-note"
        not in client.get(reverse("surveys:done", args=[SLUG])).content.decode()
    )


def test_the_confirmation_page_is_in_chinese(client, otc, sent):
    _submit(client)
    with translation.override("zh-hant"):
        page = Client(headers={"accept-language": "zh-hant"}).get(_confirm_link(sent()[-1]))
    assert "電郵地址已確認" in page.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda link: link[:-6] + "/",  # copied incompletely
        lambda link: link.replace("/confirm-email/", "/confirm-email/x"),  # altered
        lambda link: "/confirm-email/not-a-token/",
        lambda link: "/confirm-email/" + "A" * 3000 + "/",
        lambda link: "/confirm-email/%00%ff/",
    ],
    ids=["truncated", "altered", "garbage", "huge", "bytes"],
)
def test_a_bad_link_is_a_clear_page_and_changes_nothing(client, otc, sent, mangle):
    submission = _submit(client)
    page = Client().get(mangle(_confirm_link(sent()[-1])))
    # A NUL byte is refused before any view runs (400); every other link reaches the page.
    assert page.status_code in (400, 404)
    if page.status_code == 404:
        assert "This link does not work" in page.content.decode()
    submission.refresh_from_db()
    assert submission.email_confirmed_at is None
    assert not ReviewEvent.objects.filter(field=confirmation.FIELD_CONFIRMED).exists()


def test_a_token_for_another_response_signed_with_another_purpose_is_refused(client, otc, sent):
    submission = _submit(client)
    # The same payload signed for another use (no salt): not a confirmation link.
    forged = signing.dumps({"s": submission.pk, "n": "x"})
    assert Client().get(f"/confirm-email/{forged}/").status_code == 404
    submission.refresh_from_db()
    assert submission.email_confirmed_at is None


def test_an_expired_link_says_so_and_changes_nothing(client, otc, sent, monkeypatch):
    submission = _submit(client)
    old = time.time() - confirmation.LINK_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: old)
    token = confirmation.email_confirmation_issue(submission=submission)
    monkeypatch.undo()
    page = Client().get(reverse("surveys:confirm_email", args=[token]))
    assert page.status_code == 410
    assert "This confirmation link has expired" in page.content.decode()
    submission.refresh_from_db()
    assert submission.email_confirmed_at is None


def test_a_replaced_link_no_longer_works_and_the_new_one_does(client, otc, sent):
    submission = _submit(client)
    old = _confirm_link(sent()[-1])
    new = confirmation.email_confirmation_issue(submission=submission)
    assert Client().get(old).status_code == 404
    assert Client().get(reverse("surveys:confirm_email", args=[new])).status_code == 200
    submission.refresh_from_db()
    assert submission.email_confirmed_at is not None


def test_a_withdrawn_response_is_not_confirmed(client, otc, sent):
    submission = _submit(client)
    link = _confirm_link(sent()[-1])
    client.post(reverse("surveys:withdraw", args=[SLUG]), {"confirm": "on"})
    submission.refresh_from_db()
    assert submission.state == "withdrawn"
    page = Client().get(link)
    assert page.status_code == 410
    assert "was withdrawn" in page.content.decode()
    submission.refresh_from_db()
    assert submission.email_confirmed_at is None


def test_responses_staff_entered_need_no_confirmation(otc):
    submission = Submission.objects.create(
        consultation=otc, reference="OTC-P00001", channel=Channel.POST, email="a@example.com"
    )
    assert confirmation.email_confirmation_issue(submission=submission) is None
    assert not confirmation.confirmation_needed(submission=submission)


def _amend(client, **about):
    client.post(reverse("surveys:amend", args=[SLUG]))
    response = client.post(step_url(1), {**ABOUT, **about, "change": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("surveys:submit", args=[SLUG]))
    assert response.status_code == 302


def test_an_amendment_keeping_the_address_keeps_the_confirmation(client, otc, sent):
    submission = _submit(client)
    Client().get(_confirm_link(sent()[-1]))
    submission.refresh_from_db()
    confirmed_at = submission.email_confirmed_at
    _amend(client, contact_name="Chan Siu Ming", email="CHAN@example.com ")
    submission.refresh_from_db()
    assert submission.revisions.count() == 2
    assert submission.email_confirmed_at == confirmed_at
    assert "/confirm-email/" not in sent()[-1].body


def test_an_amendment_changing_the_address_asks_to_confirm_the_new_one(client, otc, sent):
    submission = _submit(client)
    first_link = _confirm_link(sent()[-1])
    Client().get(first_link)
    _amend(client, email="legal@harbour.example.com")
    submission.refresh_from_db()
    assert submission.email_confirmed_at is None
    receipt = sent()[-1]
    assert receipt.to == ["legal@harbour.example.com"]
    assert "amended" in receipt.subject.lower()
    new_link = _confirm_link(receipt)
    assert Client().get(first_link).status_code == 404
    assert Client().get(new_link).status_code == 200
    submission.refresh_from_db()
    assert submission.email_confirmed_at is not None
    fields = list(
        ReviewEvent.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("field", "new_value")
    )
    assert [f for f, _ in fields] == [confirmation.FIELD_CONFIRMED] * 3
    assert fields[1][1] == ""  # cleared by the amendment
