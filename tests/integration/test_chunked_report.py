"""A chunked report on real parts: a chord of chunk tasks on Redis, run by two `celery worker`
processes, merged and rendered by a third task; progress counts the finished chunks.

The merged report's summary.json must equal the one-pass summary of the same submissions (the
exactness of the merge itself is proved on many datasets in tests/reports/summary/test_partials.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone

from consultation.celery import app
from reports.jobs import chunked, services
from reports.jobs.compute import summary_compute
from reports.models import Report, ReportFile, ReportStatus
from reports.render.json import summary_to_dict
from tests.reports.report_data import consultation_with_responses, counted_submissions

pytestmark = pytest.mark.integration

CHUNK_SIZE = 12
BUILD_TIMEOUT = 240


@pytest.fixture
def result_backend(celery_broker) -> Iterator[str]:
    """The chord's result backend: the test broker's Redis database, in this process too."""
    saved = app.conf.result_backend
    app.conf.result_backend = celery_broker
    vars(app._local).pop("backend", None)
    try:
        with override_settings(CELERY_RESULT_BACKEND=celery_broker, CELERY_TASK_ALWAYS_EAGER=False):
            yield celery_broker
    finally:
        app.conf.result_backend = saved
        vars(app._local).pop("backend", None)


def _comparable(data: dict) -> dict:
    """summary.json without what differs between two builds of the same submissions."""
    data = dict(data)
    data.pop("generated_at")
    data["snapshot"] = {k: v for k, v in data["snapshot"].items() if k != "as_of"}
    return data


@pytest.mark.django_db(transaction=True)
def test_a_large_report_is_built_in_chunks_by_several_workers(
    celery_worker_process, result_backend, report_files
):
    consultation = consultation_with_responses(count=60, seed=5, questions=None)
    counted = counted_submissions(consultation)
    chunks = -(-counted // CHUNK_SIZE)
    assert chunks >= 4
    settings_env = {
        "CELERY_RESULT_BACKEND": result_backend,
        "REPORT_CHUNKED_ABOVE": "20",
        "REPORT_CHUNK_SIZE": str(CHUNK_SIZE),
    }
    workers = [celery_worker_process(**settings_env) for _ in range(2)]
    with override_settings(REPORT_CHUNKED_ABOVE=20, REPORT_CHUNK_SIZE=CHUNK_SIZE):
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None
        )

    # Watch the row as a staff page would: the chunk phase's progress must count finished chunks.
    allowed = {
        chunked.PLAN_PERCENT + (60 - chunked.PLAN_PERCENT) * done // chunks
        for done in range(1, chunks + 1)
    }
    seen: list[tuple[int, str]] = []
    deadline = time.monotonic() + BUILD_TIMEOUT
    while True:
        row = Report.objects.values("status", "progress", "step").get(pk=report.pk)
        seen.append((row["progress"], row["step"]))
        if row["status"] in {ReportStatus.SUCCEEDED, ReportStatus.FAILED}:
            break
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"A worker exited:\n{worker.log_text()}")
        if time.monotonic() > deadline:
            pytest.fail("Timed out:\n" + "\n".join(w.log_text()[-3000:] for w in workers))
        time.sleep(0.02)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    assert report.snapshot_count == counted
    chunk_progress = {progress for progress, step in seen if step == chunked.STEP_CHUNKS}
    assert chunk_progress, f"no progress seen while chunks ran: {seen}"
    assert chunk_progress <= allowed
    assert [p for p, _ in seen] == sorted(p for p, _ in seen), "progress moved backwards"

    # Both workers took chunks: the chord ran in parallel processes.
    logs = [worker.log_text() for worker in workers]
    assert all("build_report_chunk" in log for log in logs), logs
    succeeded = sum(
        line.count("reports.tasks.build_report_chunk[") and line.count("succeeded")
        for log in logs
        for line in log.splitlines()
    )
    assert succeeded == chunks, logs
    assert any("merge_report_chunks" in log for log in logs)

    # The merged report equals the one-pass summary of the same submissions.
    stored = ReportFile.objects.get(report=report, format="json")
    with stored.file.open("rb") as handle:
        merged = json.loads(handle.read())
    # As the worker read it: from the database (its datetimes in UTC).
    consultation.refresh_from_db()
    one_pass = summary_compute(consultation=consultation, as_of=report.snapshot_as_of)
    assert _comparable(merged) == _comparable(
        json.loads(json.dumps(summary_to_dict(one_pass), ensure_ascii=False))
    )
    assert merged["snapshot"]["sha256"] == one_pass.snapshot.sha256
    assert set(ReportFile.objects.filter(report=report).values_list("format", flat=True)) == {
        "json",
        "csv",
        "xlsx",
        "pdf",
    }
    # The partials were removed once merged.
    assert not list((report_files / "reports" / "partials").rglob("*.json.gz"))
    assert timezone.now() >= report.finished_at
