"""The admin's bulk import in a real browser (Debian's chromium): download the template, upload
a file with a fault, read the dry run's report, upload the corrected file, import it, and watch
a running import's page refresh itself until it is done. Every page is checked with axe."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from playwright.sync_api import expect

from consultation.celery import app
from surveys import roles
from surveys.models import ImportState, Submission, SubmissionImport
from tests.browser.test_admin_review import sign_in
from tests.factories import UserFactory
from tests.surveys.imports.conftest import csv_bytes, row

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(transactional_db, tmp_path, monkeypatch):
    """The import consultation of tests/surveys/imports, a reviewer, uploads kept under tmp, and
    the import task run by the server's thread as its transaction commits (the real task)."""
    from tests.surveys.imports.conftest import consultation

    monkeypatch.setattr(
        SubmissionImport._meta.get_field("file"),
        "storage",
        FileSystemStorage(location=tmp_path / "private"),
    )
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    UserFactory(username="rita", roles=[roles.REVIEWERS])
    yield consultation.__wrapped__(None)
    app.conf.task_always_eager = before


def upload(page, path) -> None:
    page.get_by_label("Consultation").last.select_option(label="Consultation on OTC")
    page.get_by_label("Filled-in template").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()


def test_staff_check_a_file_read_its_faults_then_import_it(
    page, live_server, setting, axe, tmp_path
):
    setting.title_en = "Consultation on OTC"
    setting.save()
    sign_in(page, live_server, "rita")
    page.goto(live_server.url + reverse("admin:surveys_submissionimport_add"))
    axe.check(page)
    page.get_by_label("Consultation").first.select_option(label="Consultation on OTC")
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the template").click()
    header = next(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert header[:2] == ["row_key", "respondent_type"]

    bad = tmp_path / "letters.csv"
    bad.write_bytes(csv_bytes([row(row_key="L-1"), row(row_key="L-2", Q3="250")]))
    upload(page, bad)
    status = page.get_by_role("status")
    expect(status).to_contain_text("1 fault found: nothing has been imported")
    problems = page.locator("#import-problems")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr td")).to_have_text(
        ["3", "Q3", "250", "Enter a number no bigger than 100."]
    )
    expect(page.get_by_role("button", name="Import these responses")).to_have_count(0)
    axe.check(page)

    good = tmp_path / "letters-corrected.csv"
    good.write_bytes(csv_bytes([row(row_key="L-1"), row(row_key="L-2", Q3="25", Q4="香港")]))
    page.get_by_role("link", name="Upload another file").click()
    upload(page, good)
    expect(status).to_contain_text("2 new responses to import")
    assert Submission.objects.count() == 0
    page.get_by_role("button", name="Import these responses").click()
    expect(status).to_contain_text("2 responses imported")
    axe.check(page)
    assert set(Submission.objects.values_list("channel", flat=True)) == {"import"}
    axe.assert_clean(at_least=3)


def test_a_running_import_shows_its_progress_and_refreshes_until_done(
    page, live_server, setting, axe
):
    job = SubmissionImport.objects.create(
        consultation=setting,
        original_name="big.csv",
        sha256="0" * 64,
        operator="rita",
        state=ImportState.CHECKING,
        rows_total=100_000,
        rows_done=40_000,
    )
    sign_in(page, live_server, "rita")
    page.goto(live_server.url + reverse("admin:surveys_submissionimport_change", args=[job.pk]))
    progress = page.locator("progress#import-progress")
    expect(progress).to_have_attribute("value", "40000")
    expect(page.get_by_text("40000 of 100000 rows checked")).to_be_visible()
    axe.check(page)
    SubmissionImport.objects.filter(pk=job.pk).update(
        state=ImportState.DONE, rows_done=100_000, imported=100_000
    )
    expect(page.get_by_role("status")).to_contain_text("100000 responses imported", timeout=10_000)
    expect(progress).to_have_count(0)
    axe.assert_clean(at_least=1)
