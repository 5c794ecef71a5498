"""The admin's import page: template download, upload and dry run, import, for reviewers only."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultation.celery import app
from surveys import roles
from surveys.models import ImportState, Submission, SubmissionImport
from tests.factories import UserFactory
from tests.surveys.imports.conftest import HEADER, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """The import task runs in this process when its transaction commits (the real task)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def importer(client):
    client.force_login(UserFactory(username="rev", roles=[roles.REVIEWERS]))
    return client


def upload(client, consultation, data: bytes, name: str = "letters.csv"):
    return client.post(
        reverse("admin:surveys_submissionimport_add"),
        {"consultation": consultation.pk, "file": SimpleUploadedFile(name, data)},
    )


def test_a_reviewer_downloads_the_template(importer, consultation):
    response = importer.get(
        reverse("admin:surveys_submissionimport_template"),
        {"consultation": consultation.pk, "format": "csv"},
    )
    assert response.status_code == 200
    assert 'filename="otc-import-template.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(body))) == HEADER


def test_upload_dry_run_then_import(
    importer, consultation, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(importer, consultation, csv_bytes([row(row_key="a"), row(row_key="b")]))
    job = SubmissionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:surveys_submissionimport_change", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.rows_total, job.operator) == (ImportState.CHECKED, 2, "rev")
    assert Submission.objects.count() == 0  # the dry run wrote nothing
    page = importer.get(response["Location"])
    assert "2 new responses to import" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        importer.post(reverse("admin:surveys_submissionimport_import", args=[job.pk]))
    job.refresh_from_db()
    assert (job.state, job.imported) == (ImportState.DONE, 2)
    assert set(Submission.objects.values_list("entered_by__username", flat=True)) == {"rev"}


def test_the_faults_are_listed_and_the_file_cannot_be_imported(
    importer, consultation, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(importer, consultation, csv_bytes([row(row_key="a", Q3="500")]))
    job = SubmissionImport.objects.get()
    page = importer.get(reverse("admin:surveys_submissionimport_change", args=[job.pk]))
    html = page.content.decode()
    assert "1 fault found" in html
    assert "Enter a number no bigger than 100." in html
    assert "Import these responses" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post(reverse("admin:surveys_submissionimport_import", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.INVALID
    assert Submission.objects.count() == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused_on_the_form(importer, consultation):
    response = upload(importer, consultation, b"%PDF-1.7", name="letter.pdf")
    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert SubmissionImport.objects.count() == 0


@pytest.mark.parametrize("group", [roles.EDITORS, roles.REPORT_READERS])
def test_staff_without_the_import_permission_are_refused(client, consultation, group):
    client.force_login(UserFactory(username="other", roles=[group]))
    assert upload(client, consultation, csv_bytes([row(row_key="a")])).status_code == 403
    template = client.get(
        reverse("admin:surveys_submissionimport_template"),
        {"consultation": consultation.pk, "format": "csv"},
    )
    assert template.status_code == 403
    assert SubmissionImport.objects.count() == 0


def test_the_list_of_imports_costs_a_fixed_number_of_queries(
    importer, consultation, django_assert_max_num_queries
):
    for n in range(30):
        SubmissionImport.objects.create(
            consultation=consultation, original_name=f"{n}.csv", sha256="0" * 64, operator="rev"
        )
    with django_assert_max_num_queries(12):
        assert importer.get(reverse("admin:surveys_submissionimport_changelist")).status_code == 200


def test_the_faults_are_reported_in_the_language_of_the_staff_member(
    importer, consultation, eager, django_capture_on_commit_callbacks, settings
):
    importer.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    with django_capture_on_commit_callbacks(execute=True):
        upload(importer, consultation, csv_bytes([row(row_key="a", Q1="")]))
    job = SubmissionImport.objects.get()
    assert job.problems[0]["reason"] == "請選擇一個答案。"  # the form's "Select an answer."


def test_a_page_lists_the_first_thousand_faults_and_says_how_many_more(importer, consultation):
    job = SubmissionImport.objects.create(
        consultation=consultation,
        original_name="big.csv",
        sha256="0" * 64,
        operator="rev",
        state=ImportState.INVALID,
        problems=[
            {"row": n, "column": "Q3", "value": "x", "reason": "Enter a whole number."}
            for n in range(2, 1007)
        ],
    )
    html = importer.get(
        reverse("admin:surveys_submissionimport_change", args=[job.pk])
    ).content.decode()
    assert html.count("<td>Q3</td>") == 1000
    assert "… and 5 more faults" in html
