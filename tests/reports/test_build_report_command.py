"""``manage.py build_report``: queue a report, or build it in-process and copy its files out."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports.models import Report, ReportFile, ReportStatus
from tests.factories import ConsultationFactory
from tests.reports.celery_support import memory_broker
from tests.reports.report_data import (
    consultation_with_responses,
    counted_submissions,
    report_storage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    with report_storage(tmp_path / "private"):
        yield tmp_path / "private"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("build_report", *args, stdout=out)
    return out.getvalue()


def test_without_sync_the_report_is_queued_for_a_worker(django_capture_on_commit_callbacks):
    consultation = ConsultationFactory(slug="va-custody")
    with memory_broker() as broker:
        with django_capture_on_commit_callbacks(execute=True):
            output = _run("va-custody", "--language", "zh-hant")
        report = Report.objects.get()
        assert broker.take() == [("reports.tasks.build_report", [report.pk])]
    assert (report.consultation, report.language, report.status) == (
        consultation,
        "zh-hant",
        ReportStatus.QUEUED,
    )
    assert f"Queued report #{report.pk} of va-custody (zh-hant)" in output


def test_sync_builds_in_process_and_copies_the_files_out(tmp_path):
    consultation = consultation_with_responses(count=12)
    out_dir = tmp_path / "out" / "nested"
    with memory_broker() as broker:
        output = _run(consultation.slug, "--sync", "--out", str(out_dir))
        assert broker.take() == []

    report = Report.objects.get()
    assert report.status == ReportStatus.SUCCEEDED
    assert report.language == "en"
    assert f"Report #{report.pk} succeeded." in output
    assert f"Counted {counted_submissions(consultation)} submissions" in output
    day = timezone.localdate(report.snapshot_as_of).strftime("%Y%m%d")
    assert sorted(p.name for p in out_dir.iterdir()) == [
        f"va-otc-dealing-summary-en-{day}.{ext}" for ext in ("csv", "json", "pdf", "xlsx")
    ]
    summary = json.loads(next(out_dir.glob("*.json")).read_text(encoding="utf-8"))
    assert summary["snapshot"]["count"] == counted_submissions(consultation) == 9
    assert next(out_dir.glob("*.pdf")).read_bytes().startswith(b"%PDF-")
    for report_file in ReportFile.objects.filter(report=report):
        copied = next(out_dir.glob(f"*.{report_file.format}"))
        assert copied.stat().st_size == report_file.size


def test_an_unknown_consultation_is_a_clear_error():
    with pytest.raises(CommandError, match="No consultation with the slug 'nope'"):
        _run("nope", "--sync")
    assert not Report.objects.exists()


def test_out_needs_sync(tmp_path):
    ConsultationFactory(slug="va-custody")
    with pytest.raises(CommandError, match="--out needs --sync"):
        _run("va-custody", "--out", str(tmp_path))
    assert not Report.objects.exists()


def test_out_must_be_a_directory(tmp_path):
    ConsultationFactory(slug="va-custody")
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(CommandError, match="is not a directory"):
        _run("va-custody", "--sync", "--out", str(target))
    assert not Report.objects.exists()


def test_an_unknown_language_is_refused():
    ConsultationFactory(slug="va-custody")
    with pytest.raises(CommandError, match="invalid choice: 'fr'"):
        _run("va-custody", "--language", "fr")
    assert not Report.objects.exists()


def test_a_failed_sync_build_exits_with_the_reason(tmp_path):
    consultation = consultation_with_responses(count=3)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    with report_storage(blocker), pytest.raises(CommandError, match="failed: Building the report"):
        _run(consultation.slug, "--sync")
    assert Report.objects.get().status == ReportStatus.FAILED
