"""A report's figures page and the lists of responses behind each count: each list is the count's
own responses (recounted here without the report code), it says so when the record has changed
since, and only staff who may read submissions see the lists."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.jobs import services
from reports.models import Report, ReportFile, ReportStatus
from surveys.models import (
    Answer,
    CampaignGroup,
    Consultation,
    ExclusionReason,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from surveys.roles import roles_sync
from tests.reports.report_data import consultation_with_responses, report_storage
from tests.shared_rows import module_rows, process_state_clear

pytestmark = pytest.mark.django_db

_LINK = re.compile(r'<a href="(/reports/\d+/figures/responses/\?[^"]+)">(\d+)</a>')
_REFERENCE = re.compile(r'<a href="/admin/surveys/submission/\d+/change/">([A-Z]+-\d+)</a>')


@pytest.fixture(autouse=True, scope="module")
def private_root(tmp_path_factory):
    """One folder for the module: the shared report's files stay readable by every test."""
    root = tmp_path_factory.mktemp("private")
    with report_storage(root):
        yield root


def _consultation() -> Consultation:
    consultation = consultation_with_responses(count=24, seed=5, questions=4)
    counted = Submission.objects.filter(
        consultation=consultation, state=SubmissionState.SUBMITTED
    ).exclude(review_status=ReviewStatus.EXCLUDED)
    group = CampaignGroup.objects.create(consultation=consultation, label="C1", size=3)
    counted.filter(pk__in=list(counted.order_by("pk").values_list("pk", flat=True)[:3])).update(
        campaign_group=group
    )
    return consultation


def _built(consultation) -> Report:
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    return report


@pytest.fixture(scope="module")
def _built_shared(private_root, django_db_setup, django_db_blocker) -> Iterator[tuple[int, int]]:
    """The consultation and its English report, built once for the module's tests, which read
    the report (each built its own before: 9-25 s a test at load 5)."""
    with module_rows(django_db_blocker):
        consultation = _consultation()
        yield consultation.pk, _built(consultation).pk


@pytest.fixture
def consultation(_built_shared, db) -> Consultation:
    process_state_clear()
    return Consultation.objects.get(pk=_built_shared[0])


@pytest.fixture
def report(_built_shared, consultation) -> Report:
    """The consultation's report, as the database holds it."""
    return Report.objects.get(pk=_built_shared[1], consultation=consultation)


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", groups=["Reviewers"])


@pytest.fixture
def make_user(django_user_model):
    from django.contrib.auth.models import Group

    def make(name, *, groups=()):
        user = django_user_model.objects.create_user(
            name, password="a-long-test-password", is_staff=True
        )
        for group in groups:
            # The groups come from a data migration; a transactional test's flush earlier on the
            # same worker removes them (as tests/factories.py does).
            if not Group.objects.filter(name=group).exists():
                roles_sync()
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


def _references(page: str) -> list[str]:
    return _REFERENCE.findall(page)


def _recount_choice(consultation, code: str, value: str, category: str | None) -> set[str]:
    """The references that chose ``value`` in ``code``, read without the report code."""
    answers = Answer.objects.filter(
        submission__consultation=consultation,
        submission__state=SubmissionState.SUBMITTED,
        question__code=code,
        choice__value=value,
    ).exclude(submission__review_status=ReviewStatus.EXCLUDED)
    if category is not None:
        answers = answers.filter(submission__category=category)
    return set(answers.values_list("submission__reference", flat=True))


def test_each_count_lists_exactly_the_responses_behind_it(client, consultation, report, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("reports:figures", args=[report.pk]))
    assert page.status_code == 200
    links = _LINK.findall(page.content.decode())
    kinds = {parse_qs(urlparse(unescape(url)).query)["kind"][0] for url, _ in links}
    assert kinds == {"choice", "category", "type", "campaign", "left_out"}

    checked = 0
    for url, shown in links:
        query = {k: v[0] for k, v in parse_qs(urlparse(unescape(url)).query).items()}
        listed = client.get(unescape(url))
        assert listed.status_code == 200, url
        text = listed.content.decode()
        references = _references(text)
        # The list is as long as the count the report printed, and the page says they agree.
        assert len(references) == int(shown), (query, references)
        assert "has changed since the report was built" not in text
        if query["kind"] == "choice":
            expected = _recount_choice(
                consultation, query["question"], query["value"], query.get("category")
            )
            assert set(references) == expected, query
            checked += 1
        elif query["kind"] == "left_out" and query["value"] == "spam":
            assert set(references) == set(
                Submission.objects.filter(
                    consultation=consultation, exclusion_reason=ExclusionReason.SPAM
                ).values_list("reference", flat=True)
            )
        elif query["kind"] == "campaign":
            assert set(references) == set(
                Submission.objects.filter(campaign_group__label="C1").values_list(
                    "reference", flat=True
                )
            )
    assert checked > 10  # every choice of the closed questions, and their cross-tab cells


def test_a_list_says_when_the_record_changed_after_the_report(client, report, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("reports:figures", args=[report.pk])).content.decode()
    url, shown = next(
        (unescape(url), int(n))
        for url, n in _LINK.findall(page)
        if "kind=choice" in url and "category" not in url and int(n) > 0
    )
    first = _references(client.get(url).content.decode())[0]
    Submission.objects.filter(reference=first).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.DUPLICATE
    )
    text = client.get(url).content.decode()
    assert f"The report counted {shown} response" in text
    assert "has changed since the report was built" in text
    assert first not in _references(text)
    assert len(_references(text)) == shown - 1


def test_who_sees_the_figures_and_who_sees_the_lists(client, report, make_user):
    figures = reverse("reports:figures", args=[report.pk])
    trace = reverse("reports:trace", args=[report.pk]) + "?kind=left_out&value=spam"

    anonymous = client.get(trace)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]

    client.force_login(make_user("reader", groups=["Report readers"]))
    page = client.get(figures)
    assert page.status_code == 200
    assert _LINK.findall(page.content.decode()) == []  # the same figures, no lists
    assert client.get(trace).status_code == 403

    client.force_login(make_user("editor", groups=["Consultation editors"]))
    assert client.get(trace).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind=nothing&value=x",
        "?kind=choice&value=agree",
        "?kind=category&value=public&question=Q1",
        "?kind=left_out&value=lost",
        "?kind=choice&question=Q1&value=" + "x" * 200,
    ],
)
def test_an_address_naming_no_figure_says_so(client, report, reviewer, query):
    client.force_login(reviewer)
    response = client.get(reverse("reports:trace", args=[report.pk]) + query)
    assert response.status_code == 400
    assert "names no figure of the report" in response.content.decode()


def test_a_figure_the_report_does_not_have_is_not_found(client, consultation, report, reviewer):
    client.force_login(reviewer)
    base = reverse("reports:trace", args=[report.pk])
    assert client.get(base + "?kind=choice&question=Q99&value=agree").status_code == 404
    assert client.get(base + "?kind=campaign&value=C9").status_code == 404
    unfinished = Report.objects.create(consultation=consultation, status=ReportStatus.RUNNING)
    assert client.get(reverse("reports:figures", args=[unfinished.pk])).status_code == 404


def test_the_pages_take_a_fixed_number_of_queries(
    client, report, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reports:figures", args=[report.pk]))
    urls = [unescape(url) for url, _ in _LINK.findall(page.content.decode())]
    for url in (urls[0], urls[-1], next(u for u in urls if "kind=choice" in u)):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_the_workbook_registers_every_response_counted_or_left_out(consultation, report):
    stored = ReportFile.objects.get(report=report, format="xlsx")
    with stored.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(workbook["Register"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == ("Reference", "Submitted (HKT)", "Counted", "Left out because")
    responses = Submission.objects.filter(consultation=consultation).exclude(
        state=SubmissionState.DRAFT
    )
    assert sorted(row[0] for row in body) == sorted(responses.values_list("reference", flat=True))
    assert sum(row[2] == "Yes" for row in body) == report.snapshot_count
    reasons = {row[0]: row[3] for row in body if row[2] == "No"}
    for submission in responses.exclude(state=SubmissionState.SUBMITTED, review_status="new"):
        if submission.state == SubmissionState.WITHDRAWN:
            assert reasons[submission.reference] == "Withdrawn by the respondent"
        elif submission.exclusion_reason == ExclusionReason.SPAM:
            assert reasons[submission.reference] == "Spam"
    in_campaign = {row[0]: row[4:6] for row in body if row[4]}
    assert in_campaign == {
        reference: ("C1", "No, suggested")
        for reference in Submission.objects.filter(campaign_group__label="C1").values_list(
            "reference", flat=True
        )
    }
    assert {row[7] for row in body} == {"Web form"}
