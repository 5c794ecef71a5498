"""The public API: the published record, exactly what the product publishes and nothing more."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from reports.conclusions.public import publication_figures
from surveys.models import Consent, Submission, SubmissionState

pytestmark = pytest.mark.django_db


def _all_pages(client, url: str, **params) -> list[dict]:
    items: list[dict] = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["results"])
        if not body["next"]:
            return items
        response = client.get(body["next"])


def test_consultations_list_shows_published_consultations_with_links_to_their_conclusions(
    client, published
):
    body = client.get(reverse("api:consultations")).json()
    [item] = [c for c in body["results"] if c["slug"] == published.consultation.slug]
    assert item["status"] == "closed"
    assert item["title"]["zh-hant"] == published.consultation.title_zh
    assert item["conclusions_url"] == reverse("api:conclusions", args=[item["slug"]])


def test_a_draft_consultation_is_not_in_the_api(client, published):
    published.consultation.is_draft = True
    published.consultation.save(update_fields=["is_draft"])
    try:
        slug = published.consultation.slug
        assert client.get(reverse("api:consultation", args=[slug])).status_code == 404
        assert client.get(reverse("api:responses", args=[slug])).status_code == 404
        assert slug not in json.dumps(client.get(reverse("api:consultations")).json())
    finally:
        published.consultation.is_draft = False
        published.consultation.save(update_fields=["is_draft"])


def test_figures_are_the_published_summary_with_its_snapshot_hash(client, published):
    slug = published.consultation.slug
    body = client.get(reverse("api:figures", args=[slug])).json()
    stored = publication_figures(publication=published.publication)
    assert body["questions"] == stored["questions"]
    assert body["respondents"] == stored["respondents"]
    assert body["snapshot"]["sha256"] == published.publication.report_en.snapshot_sha256
    code = stored["questions"][0]["code"]
    one = client.get(reverse("api:figures", args=[slug]), {"question": code}).json()
    assert [q["code"] for q in one["questions"]] == [code]


def test_conclusions_give_the_published_text_and_files(client, published):
    body = client.get(reverse("api:conclusions", args=[published.consultation.slug])).json()
    assert body["introduction"]["en"].startswith("We thank all respondents")
    assert body["questions"][0]["response"]["zh-hant"].startswith("我們將採納")
    assert {f["kind"] for f in body["files"]} >= {"json", "pdf-en"}
    assert body["snapshot"]["sha256"] == published.publication.report_en.snapshot_sha256


def test_paging_with_the_cursor_gives_every_consented_response_exactly_once(client, published):
    items = _all_pages(
        client, reverse("api:responses", args=[published.consultation.slug]), page_size=7
    )
    references = [item["reference"] for item in items]
    expected = set(
        Submission.objects.filter(consultation=published.consultation)
        .counted()
        .exclude(consent=Consent.CONFIDENTIAL)
        .values_list("reference", flat=True)
    )
    assert len(references) == len(set(references))
    assert set(references) == expected
    assert published.known["confidential"].reference not in references


def test_the_api_never_returns_what_a_respondents_consent_forbids(client, published):
    slug = published.consultation.slug
    items = _all_pages(client, reverse("api:responses", args=[slug]), page_size=1000)
    by_reference = {item["reference"]: item for item in items}
    assert by_reference[published.known["named"].reference]["name"] == (
        published.known["named"].organisation_name
    )
    anonymous = by_reference[published.known["anonymous"].reference]
    assert anonymous["name"] is None and anonymous["attachments"] == []
    assert by_reference[published.known["person"].reference]["attachments"]
    dumps = [
        json.dumps(client.get(reverse("api:responses", args=[slug]), {"page_size": 1000}).json()),
        client.get(reverse("api:responses_download", args=[slug, "jsonl"])).getvalue().decode(),
        client.get(reverse("api:responses_download", args=[slug, "csv"])).getvalue().decode(),
    ]
    for secret in published.secrets():
        for dump in dumps:
            assert secret not in dump and json.dumps(secret)[1:-1] not in dump
    for dump in dumps:
        assert "@" not in dump.replace("@example", "")  # no email address of any respondent
        assert "contact_name" not in dump and "email" not in dump


def test_filters_narrow_the_responses_and_bad_values_get_a_clear_400(client, published):
    url = reverse("api:responses", args=[published.consultation.slug])
    organisations = _all_pages(client, url, respondent_type="organisation")
    assert organisations and {i["respondent_type"] for i in organisations} == {"organisation"}
    category = organisations[0]["category"]
    assert {i["category"] for i in _all_pages(client, url, category=category)} == {category}
    response = client.get(url, {"category": "no-such-category", "language": "fr"})
    assert response.status_code == 400
    assert set(response.json()) == {"category", "language"}
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 404


def test_bulk_download_streams_every_published_response_as_csv_and_json_lines(client, published):
    slug = published.consultation.slug
    pages = _all_pages(client, reverse("api:responses", args=[slug]), page_size=1000)
    response = client.get(reverse("api:responses_download", args=[slug, "jsonl"]))
    assert response.streaming and response["Content-Type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in response.getvalue().decode().splitlines()]
    assert lines == pages
    response = client.get(reverse("api:responses_download", args=[slug, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row["reference"] for row in rows] == [item["reference"] for item in pages]
    assert client.get(reverse("api:responses_download", args=[slug, "xml"])).status_code == 404


def test_published_data_carries_an_etag_and_a_conditional_get_gets_304(client, published):
    url = reverse("api:figures", args=[published.consultation.slug])
    first = client.get(url)
    assert first["ETag"]
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_page_of_responses_costs_the_same_few_queries_whatever_its_size(
    client, published, django_assert_max_num_queries
):
    url = reverse("api:responses", args=[published.consultation.slug])
    with django_assert_max_num_queries(6):
        assert len(client.get(url, {"page_size": 2}).json()["results"]) == 2
    with django_assert_max_num_queries(6):
        assert len(client.get(url, {"page_size": 500}).json()["results"]) > 20


def test_a_client_paging_while_responses_are_withdrawn_gets_none_twice(client, published):
    """The cursor is keyed on the response: the record changing between two requests never
    repeats a response or skips one that is still published."""
    url = reverse("api:responses", args=[published.consultation.slug])
    first = client.get(url, {"page_size": 5}).json()
    seen = [item["reference"] for item in first["results"]]
    published_now = (
        Submission.objects.filter(consultation=published.consultation)
        .counted()
        .exclude(consent=Consent.CONFIDENTIAL)
    )
    unseen = published_now.exclude(reference__in=seen).order_by("-pk")
    gone = unseen.first()
    Submission.objects.filter(pk=gone.pk).update(state=SubmissionState.WITHDRAWN)
    Submission.objects.filter(reference=seen[0]).update(state=SubmissionState.WITHDRAWN)
    items = first["results"] + _all_pages_from(client, first["next"])
    references = [item["reference"] for item in items]
    assert len(references) == len(set(references))
    assert gone.reference not in references
    still = set(published_now.values_list("reference", flat=True))
    assert still - set(references) == set()


def _all_pages_from(client, url: str | None) -> list[dict]:
    items: list[dict] = []
    while url:
        body = client.get(url).json()
        items.extend(body["results"])
        url = body["next"]
    return items
