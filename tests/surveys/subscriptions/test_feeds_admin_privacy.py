"""The Atom feeds, the subscriptions in the admin, and subscribers' addresses as personal data
(the access request and the erasure commands)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from outbox.models import Email
from surveys.models import PrivacyAction, PrivacyActionKind, Subscription
from surveys.privacy import personal_data_erase
from surveys.subscriptions import services
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client, name: str) -> list[dict[str, str]]:
    response = client.get(reverse(f"subscriptions:{name}"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    # Well-formed XML, or this raises. Our own server's answer, not untrusted input.
    feed = ElementTree.fromstring(response.content)  # noqa: S314
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}updated") is not None
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_consultations_feed_lists_the_opened_consultations_newest_first(client):
    now = timezone.now()
    older = ConsultationFactory(slug="older", opens_at=now - dt.timedelta(days=30))
    newer = ConsultationFactory(slug="newer", opens_at=now - dt.timedelta(days=1))
    ConsultationFactory(slug="draft", is_draft=True)
    ConsultationFactory(
        slug="later", opens_at=now + dt.timedelta(days=5), closes_at=now + dt.timedelta(days=50)
    )
    entries = _entries(client, "feed_consultations")
    assert [e["title"] for e in entries] == [newer.title_en, older.title_en]
    assert entries[0]["link"] == "http://testserver/consultations/newer/"


def test_the_conclusions_feed_lists_only_published_conclusions_in_the_readers_language(client):
    now = timezone.now()
    ConsultationFactory(slug="open")
    ConsultationFactory(
        slug="concluded",
        title_zh="託管服務諮詢",
        opens_at=now - dt.timedelta(days=90),
        closes_at=now - dt.timedelta(days=30),
        conclusions_published_at=now - dt.timedelta(days=1),
    )
    ConsultationFactory(
        slug="hidden",
        is_draft=True,
        opens_at=now - dt.timedelta(days=90),
        closes_at=now - dt.timedelta(days=30),
        conclusions_published_at=now - dt.timedelta(days=1),
    )
    client.cookies["django_language"] = "zh-hant"
    (entry,) = _entries(client, "feed_conclusions")
    assert entry["title"] == "託管服務諮詢"
    assert entry["link"] == "http://testserver/consultations/concluded/conclusions/"


def _subscribed(email="chan@example.com", consultation=None) -> Subscription:
    services.subscription_request(
        email=email, consultation=consultation, language="en", site_url="http://testserver/"
    )
    subscription = Subscription.objects.get(email=email, consultation=consultation)
    subscription.confirmed_at = timezone.now()
    subscription.save()
    return subscription


def test_only_staff_with_the_personal_data_permission_see_subscribers(
    client, reviewer, personal_reviewer, report_reader, django_assert_max_num_queries
):
    consultation = ConsultationFactory(title_en="OTC dealing")
    for n in range(30):
        _subscribed(f"person{n}@example.com", consultation if n % 2 else None)
    url = reverse("admin:surveys_subscription_changelist")

    client.force_login(personal_reviewer)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "person7@example.com" in page
    one = Subscription.objects.first()
    change = reverse("admin:surveys_subscription_change", args=[one.pk])
    assert client.get(change).status_code == 200
    # Both are recorded: who saw which subscriptions, without the addresses.
    seen = PrivacyAction.objects.filter(kind=PrivacyActionKind.STAFF_VIEW).order_by("pk")
    assert [len(action.details["subscriptions"]) for action in seen] == [30, 1]
    assert {action.operator for action in seen} == {"reviewer_personal"}
    assert "@example.com" not in str(list(seen.values()))

    for user in (reviewer, report_reader):
        client.force_login(user)
        with django_assert_max_num_queries(8):
            response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "@example.com" not in page
        assert "<td>OTC dealing</td><td>15</td><td>0</td>" in page
        assert "<td>Every consultation</td><td>15</td><td>0</td>" in page
        change = reverse("admin:surveys_subscription_change", args=[one.pk])
        assert client.get(change).status_code == 403
        history = reverse("admin:surveys_subscription_history", args=[one.pk])
        assert client.get(history).status_code == 403
    assert PrivacyAction.objects.filter(kind=PrivacyActionKind.STAFF_VIEW).count() == 2


def test_an_access_request_by_address_alone_finds_the_subscriptions(tmp_path):
    consultation = ConsultationFactory(slug="otc")
    _subscribed("chan@example.com", consultation)
    _subscribed("chan@example.com")
    _subscribed("other@example.com")
    output = tmp_path / "chan.zip"
    out = StringIO()
    call_command(
        "export_respondent_data", "--email", "Chan@Example.com", "--output", output, stdout=out
    )
    assert "2 subscriptions" in out.getvalue()
    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("respondent-data.json"))
    assert data["responses"] == []
    assert sorted(s["consultation"] for s in data["subscriptions"]) == ["(all)", "otc"]
    assert {s["email"] for s in data["subscriptions"]} == {"chan@example.com"}
    action = PrivacyAction.objects.get(kind=PrivacyActionKind.ACCESS_EXPORT)
    assert action.details["subscriptions"] == 2
    assert "chan@example.com" not in json.dumps(action.details)


def test_an_access_request_for_an_unknown_address_finds_nothing_and_is_recorded(tmp_path):
    _subscribed("chan@example.com")
    with pytest.raises(CommandError, match="No subscription"):
        call_command(
            "export_respondent_data", "--email", "lee@example.com", "--output", tmp_path / "x.zip"
        )
    assert not (tmp_path / "x.zip").exists()
    assert PrivacyAction.objects.get().details["found"] is False


def test_the_erasure_ends_the_subscriptions_to_a_consultation_past_its_retention(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    now = timezone.now()
    done = ConsultationFactory(
        opens_at=now - dt.timedelta(days=200),
        closes_at=now - dt.timedelta(days=100),
        conclusions_published_at=now - dt.timedelta(days=31),
    )
    recent = ConsultationFactory(
        opens_at=now - dt.timedelta(days=200),
        closes_at=now - dt.timedelta(days=100),
        conclusions_published_at=now - dt.timedelta(days=5),
    )
    _subscribed("a@example.com", done)
    _subscribed("b@example.com", recent)
    _subscribed("c@example.com")

    (result,) = personal_data_erase(operator="dpo")
    assert result.consultation == done
    assert result.action is not None
    assert result.action.details["subscriptions_erased"] == 1
    assert sorted(Subscription.objects.exclude(email="").values_list("email", flat=True)) == [
        "b@example.com",
        "c@example.com",
    ]
    assert not Email.objects.filter(to="a@example.com").exists()


def test_the_erasure_deletes_subscriptions_never_confirmed(settings):
    settings.SUBSCRIPTION_CONFIRM_HOURS = 48
    services.subscription_request(
        email="late@example.com",
        consultation=None,
        language="en",
        site_url="http://testserver/",
        now=timezone.now() - dt.timedelta(days=3),
    )
    call_command("erase_personal_data", stdout=StringIO())
    assert not Subscription.objects.exists()
    assert not Email.objects.filter(to="late@example.com").exists()
