"""The public list and consultation pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import ConsultationDocument
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def test_list_groups_consultations_by_status(client):
    now = timezone.now()
    ConsultationFactory(title_en="Open one")
    ConsultationFactory(
        title_en="Future one",
        opens_at=now + dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=30),
    )
    ConsultationFactory(
        title_en="Past one",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=3),
    )
    ConsultationFactory(title_en="Hidden draft", is_draft=True)
    response = client.get(reverse("surveys:index"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [c.title_en for c in groups["open"]] == ["Open one"]
    assert [c.title_en for c in groups["upcoming"]] == ["Future one"]
    assert [c.title_en for c in groups["closed"]] == ["Past one"]
    assert b"Hidden draft" not in response.content


def test_list_runs_one_query(client, django_assert_max_num_queries):
    ConsultationFactory.create_batch(5)
    with django_assert_max_num_queries(1):
        client.get(reverse("surveys:index"))


def test_detail_lists_its_documents_in_order_in_two_queries(client, django_assert_max_num_queries):
    consultation = ConsultationFactory()
    other = ConsultationFactory()
    for order, title in [(2, "Annex B"), (1, "Annex A"), (0, "The paper")]:
        ConsultationDocument.objects.create(
            consultation=consultation, order=order, title_en=title, title_zh=title, file="x.pdf"
        )
    ConsultationDocument.objects.create(
        consultation=other, title_en="Another paper", title_zh="x", file="y.pdf"
    )
    with django_assert_max_num_queries(2):
        response = client.get(reverse("surveys:detail", args=[consultation.slug]))
    page = response.content.decode()
    assert page.index("The paper") < page.index("Annex A") < page.index("Annex B")
    assert "Another paper" not in page


def test_detail_shows_closing_time_in_hkt(client):
    consultation = ConsultationFactory(
        closes_at=dt.datetime(2031, 8, 29, 15, 59, tzinfo=dt.UTC)  # 23:59 HKT
    )
    response = client.get(reverse("surveys:detail", args=[consultation.slug]))
    assert response.status_code == 200
    assert "29 August 2031 23:59" in response.content.decode()


def test_the_paper_is_shown_as_paragraphs_with_its_markup_escaped(client):
    consultation = ConsultationFactory(
        body_en="Background.\n\nThe <b>proposal</b>:\nlicensing.", body_zh="背景。"
    )
    html = client.get(reverse("surveys:detail", args=[consultation.slug])).content.decode()
    assert "<p>Background.</p>" in html
    assert "<p>The &lt;b&gt;proposal&lt;/b&gt;:<br>licensing.</p>" in html
    assert "&lt;p&gt;" not in html


def test_draft_consultation_is_not_found(client):
    consultation = ConsultationFactory(is_draft=True)
    assert client.get(reverse("surveys:detail", args=[consultation.slug])).status_code == 404


def test_chinese_page_uses_chinese_content(client):
    consultation = ConsultationFactory()
    client.cookies["django_language"] = "zh-hant"
    response = client.get(reverse("surveys:detail", args=[consultation.slug]))
    assert consultation.title_zh in response.content.decode()


def test_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200
