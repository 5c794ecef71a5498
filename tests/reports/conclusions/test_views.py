"""Conclusions pages: the staff drafting page (editors only, figures beside the text boxes), and
the public pages, which reveal nothing before the publish step or after unpublishing and, while
published, show each response only as its consent allows."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from reports.conclusions import selectors as conclusion_selectors
from reports.conclusions import services as conclusion_services
from reports.conclusions.public import RESPONSES_PER_PAGE
from reports.models import ConclusionsDraft, Publication
from surveys.models import Attachment, Question
from tests.reports.conclusions.conclusions_data import (
    ANONYMOUS_ORGANISATION,
    CONFIDENTIAL_ORGANISATION,
    INTRO_EN,
    INTRO_ZH,
    NAMED_ORGANISATION,
    NAMED_PERSON,
    closed_consultation,
    conclusions_storage,
    draft_complete,
    reports_build,
    reports_built_again,
    reports_built_once,
)

pytestmark = pytest.mark.django_db

KINDS = ("pdf-en", "pdf-zh-hant", "csv", "json")


@pytest.fixture(autouse=True, scope="module")
def private_root(tmp_path_factory):
    """One folder for the module: the shared reports' files stay readable by every test."""
    root = tmp_path_factory.mktemp("private")
    with conclusions_storage(root):
        yield root


@pytest.fixture
def closed():
    return closed_consultation(count=60)


@pytest.fixture(scope="module")
def _built_shared(private_root, django_db_setup, django_db_blocker):
    yield from reports_built_once(django_db_blocker, count=60)


@pytest.fixture
def built(_built_shared, db):
    """The consultation, its known respondents and its reports, as the database holds them."""
    return reports_built_again(_built_shared)


def public_urls(consultation) -> list[str]:
    slug = consultation.slug
    attachment = Attachment.objects.filter(submission__consultation=consultation).first()
    return [
        reverse("conclusions:landing", args=[slug]),
        reverse("conclusions:figures", args=[slug]),
        reverse("conclusions:responses", args=[slug]),
        reverse("conclusions:responses", args=[slug]) + "?q=licence&page=2",
        *(reverse("conclusions:download", args=[slug, kind]) for kind in KINDS),
        reverse("conclusions:attachment", args=[slug, attachment.pk]),
    ]


def _assert_nothing_public(client, consultation) -> None:
    for url in public_urls(consultation):
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("surveys:detail", args=[consultation.slug])).content.decode()
    assert "/conclusions/" not in page
    assert "Consultation conclusions" not in page


# Staff drafting page


def test_the_drafting_page_is_for_editors_only(client, closed, reviewer, report_reader):
    consultation, _ = closed
    url = reverse("reports:conclusions", args=[consultation.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    for user in (reviewer, report_reader):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"intro_en": "x"}).status_code == 403
        publish = reverse("reports:conclusions_publish", args=[consultation.slug])
        assert client.post(publish).status_code == 403
    assert not ConclusionsDraft.objects.exists()


def test_the_drafting_page_shows_the_latest_reports_figures_beside_the_text(
    client, built, editor, django_assert_max_num_queries
):
    consultation, _, reports = built
    client.force_login(editor)
    url = reverse("reports:conclusions", args=[consultation.slug])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    stored = json.loads(reports["en"].files.get(format="json").file.open("rb").read())
    first = stored["questions"][0]
    question = Question.objects.get(consultation=consultation, code=first["code"])
    assert f"Figures from report #{reports['en'].pk}" in page
    # Each choice's count from the report sits in the question's figures table.
    section = page.split(f'id="q-{question.pk}-heading"')[1].split("</section>")[0]
    for choice in first["choices"]:
        assert choice["label"]["en"] in section
        assert f">{first['counts'][choice['value']]}</td>" in section
    assert f'name="q{question.pk}_response_zh"' in section


def test_saving_from_the_page_makes_a_version_and_bad_input_changes_nothing(client, closed, editor):
    consultation, _ = closed
    question = Question.objects.filter(consultation=consultation).order_by("order").first()
    client.force_login(editor)
    url = reverse("reports:conclusions", args=[consultation.slug])
    data = {"intro_en": INTRO_EN, "intro_zh": INTRO_ZH, f"q{question.pk}_response_en": "We agree."}
    response = client.post(url, data)
    assert response.status_code == 302
    draft = ConclusionsDraft.objects.get()
    assert draft.version == 1
    assert draft.questions.get().response_en == "We agree."
    too_long = {**data, "intro_en": "x" * (conclusion_selectors.MAX_TEXT + 1)}
    response = client.post(url, too_long)
    assert response.status_code == 400
    assert ConclusionsDraft.objects.count() == 1
    # An older version can be opened into the form.
    client.post(url, {**data, "intro_en": "Second"})
    page = client.get(url + "?version=1").content.decode()
    assert INTRO_EN in page
    assert "This is not the latest version (2)" in page


def test_publish_and_unpublish_from_the_page(client, closed, editor):
    consultation, _ = closed
    client.force_login(editor)
    publish = reverse("reports:conclusions_publish", args=[consultation.slug])
    response = client.post(publish, follow=True)
    assert "not complete" in response.content.decode()
    assert not Publication.objects.exists()
    reports_build(consultation)
    draft_complete(consultation, editor)
    response = client.post(publish, follow=True)
    assert "The conclusions are published" in response.content.decode()
    assert Publication.objects.filter(unpublished_at__isnull=True).count() == 1
    unpublish = reverse("reports:conclusions_unpublish", args=[consultation.slug])
    response = client.post(unpublish, follow=True)
    assert "withdrawn from the public pages" in response.content.decode()
    assert not Publication.objects.filter(unpublished_at__isnull=True).exists()


# Public pages


def test_public_pages_before_during_and_after_publication(
    client, built, editor, django_assert_max_num_queries
):
    consultation, known, reports = built
    draft_complete(consultation, editor)
    _assert_nothing_public(client, consultation)

    conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    slug = consultation.slug

    detail = client.get(reverse("surveys:detail", args=[slug])).content.decode()
    assert "Consultation conclusions" in detail
    assert reverse("conclusions:download", args=[slug, "pdf-zh-hant"]) in detail

    landing = client.get(reverse("conclusions:landing", args=[slug])).content.decode()
    assert INTRO_EN in landing
    with translation.override("zh-hant"):
        landing_zh = client.get(
            reverse("conclusions:landing", args=[slug]), HTTP_ACCEPT_LANGUAGE="zh-hant"
        ).content.decode()
    assert INTRO_ZH in landing_zh

    for kind, content_type in (
        ("pdf-en", "application/pdf"),
        ("pdf-zh-hant", "application/pdf"),
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
    ):
        response = client.get(reverse("conclusions:download", args=[slug, kind]))
        assert response.status_code == 200, kind
        assert response["Content-Type"] == content_type
        body = b"".join(response.streaming_content)
        assert body
        for name in (NAMED_ORGANISATION.encode(), CONFIDENTIAL_ORGANISATION.encode()):
            if kind in {"csv", "json"}:
                assert name not in body
    assert client.get(reverse("conclusions:download", args=[slug, "xlsx"])).status_code == 404

    # The figures page: the frozen report's counts, each chart followed by its table.
    figures = client.get(reverse("conclusions:figures", args=[slug])).content.decode()
    stored = json.loads(reports["en"].files.get(format="json").file.open("rb").read())
    assert f"{stored['respondents']['total']} submissions were counted" in figures
    charts = figures.count('<figure class="chk-chart')
    assert charts >= 2
    assert len(re.findall(r"</figure>\s*<table", figures)) == charts
    assert "Respondents gave mixed views on" in figures

    # Published responses: consent respected.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("conclusions:responses", args=[slug]))
    page = response.content.decode()
    total = response.context["page"].paginator.count
    publishable = (
        known["named"]
        .__class__.objects.filter(consultation=consultation)
        .publishable()
        .filter(submitted_at__lte=reports["en"].snapshot_as_of)
        .count()
    )
    assert total == publishable
    assert len(response.context["page"].object_list) == min(total, RESPONSES_PER_PAGE)
    everything = "".join(
        client.get(reverse("conclusions:responses", args=[slug]), {"page": n}).content.decode()
        for n in response.context["page"].paginator.page_range
    )
    assert NAMED_ORGANISATION in everything
    assert NAMED_PERSON in everything
    assert ANONYMOUS_ORGANISATION not in everything
    assert CONFIDENTIAL_ORGANISATION not in everything
    assert known["confidential"].reference not in everything
    assert known["anonymous"].reference in everything
    assert known["anonymous"].contact_name not in everything
    assert known["named"].contact_name not in everything  # an organisation's contact person
    for excluded in (
        known["named"]
        .__class__.objects.filter(consultation=consultation)
        .exclude(pk__in=known["named"].__class__.objects.counted())
    ):
        assert excluded.reference not in everything
    assert "Name withheld at request" in page

    # Attachments only with consent to the name.
    named_file = Attachment.objects.get(submission=known["person"])
    anonymous_file = Attachment.objects.get(submission=known["anonymous"])
    assert "position-paper.pdf" in everything
    assert "anonymous-paper.pdf" not in everything
    assert (
        client.get(reverse("conclusions:attachment", args=[slug, named_file.pk])).status_code == 200
    )
    assert (
        client.get(reverse("conclusions:attachment", args=[slug, anonymous_file.pk])).status_code
        == 404
    )

    # Search: by a published name, by a reference; never by a withheld name.
    search = reverse("conclusions:responses", args=[slug])
    found = client.get(search, {"q": "harbour digital"}).context["page"]
    assert [r.reference for r in found.object_list] == [known["named"].reference]
    found = client.get(search, {"q": known["anonymous"].reference}).context["page"]
    assert [r.reference for r in found.object_list] == [known["anonymous"].reference]
    assert client.get(search, {"q": "Kowloon Anonymous"}).context["page"].paginator.count == 0
    assert client.get(search, {"q": "Secretive"}).context["page"].paginator.count == 0
    # Junk paging and search never fail; a NUL character is refused before any view, with a
    # clear page (consultation.hostile).
    for params in ({"page": "999"}, {"page": "x"}, {"q": "<script>" * 100}):
        assert client.get(search, params).status_code == 200
    refused = client.get(search, {"q": "\x00"})
    assert refused.status_code == 400 and "NUL character" in refused.content.decode()

    conclusion_services.conclusions_unpublish(consultation=consultation, user=editor)
    _assert_nothing_public(client, consultation)


def test_a_draft_consultation_shows_nothing_even_if_published(client, built, editor):
    consultation, _, _ = built
    draft_complete(consultation, editor)
    conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    consultation.is_draft = True
    consultation.save(update_fields=["is_draft"])
    for url in public_urls(consultation):
        assert client.get(url).status_code == 404, url
