"""The report's PDF typeset by a forked child while the build writes the other formats
(``reports.jobs.aside``): the same file as typeset in-process, the child's own error, a child
that dies, and a build that stops while the child still typesets."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.test import override_settings

from reports.jobs import aside, services
from reports.models import ReportFile, ReportStatus
from reports.render import pdf
from reports.summary.compute import summarise
from tests.reports.report_data import consultation_with_responses
from tests.reports.summary.datasets import handmade_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def summary():
    return summarise(handmade_inputs(), generated_at=GENERATED)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped) is not typesetting either.
    status = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return status not in {"Z", "X"}


def _pdf_text(path: Path) -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments, a file the test wrote
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def test_the_child_typesets_the_same_pdf_and_reports_its_progress(summary, tmp_path):
    child = aside.pdf_aside(summary=summary, language="zh-hant", directory=tmp_path / "aside")
    assert child is not None
    steps: list[tuple[float, str]] = []
    path = child.wait(on_progress=lambda f, s: steps.append((f, s)), checkpoint=lambda: None)
    assert path.parent == tmp_path / "aside"
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert steps[-1][0] == 1.0
    here = tmp_path / "here" / "same.pdf"
    here.parent.mkdir()
    pdf.write_pdf(summary=summary, language="zh-hant", path=here)
    assert _pdf_text(path) == _pdf_text(here)
    assert "關於本摘要" in _pdf_text(path)


def test_the_childs_error_is_raised_as_it_was(summary, tmp_path, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a chart with no bars")

    monkeypatch.setattr(pdf, "write_pdf", broken)  # the forked child inherits it
    child = aside.pdf_aside(summary=summary, language="en", directory=tmp_path)
    with pytest.raises(ValueError, match="a chart with no bars"):
        child.wait(on_progress=lambda f, s: None, checkpoint=lambda: None)


def test_a_child_that_dies_without_a_file_is_an_error(summary, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "write_pdf", lambda **kwargs: os.kill(os.getpid(), signal.SIGKILL))
    child = aside.pdf_aside(summary=summary, language="en", directory=tmp_path)
    with pytest.raises(aside.TypesettingLost, match=r"ended \(-9\) without a file"):
        child.wait(on_progress=lambda f, s: None, checkpoint=lambda: None)


class Stop(Exception):
    pass


def test_a_build_that_stops_while_the_child_typesets_kills_the_child(
    summary, tmp_path, monkeypatch
):
    pid_file = tmp_path / "pid"

    def slow(**kwargs):
        pid_file.write_text(str(os.getpid()))
        time.sleep(120)

    monkeypatch.setattr(pdf, "write_pdf", slow)
    child = aside.pdf_aside(summary=summary, language="en", directory=tmp_path)
    started = time.monotonic()

    def checkpoint():
        # The build's deadline or a replaced attempt, found between two polls.
        if pid_file.exists() and time.monotonic() - started > 1:
            raise Stop

    with pytest.raises(Stop):
        child.wait(on_progress=lambda f, s: None, checkpoint=checkpoint)
    assert time.monotonic() - started < 30
    assert not _alive(int(pid_file.read_text()))


def _typeset_in_a_pool_process(directory: str) -> tuple[bool, bool]:
    summary = summarise(handmade_inputs(), generated_at=GENERATED)
    child = aside.pdf_aside(summary=summary, language="en", directory=Path(directory))
    if child is None:
        return False, False
    path = child.wait(on_progress=lambda f, s: None, checkpoint=lambda: None)
    return True, path.read_bytes().startswith(b"%PDF-")


def test_a_celery_pool_process_forks_the_child_too(tmp_path):
    # Celery's pool processes are daemonic: the standard library's multiprocessing would refuse
    # them a child, and every worker's PDF would be typeset in-process.
    import billiard

    pool = billiard.Pool(1)
    try:
        forked, written = pool.apply(_typeset_in_a_pool_process, (str(tmp_path),))
    finally:
        pool.terminate()
        pool.join()
    assert forked
    assert written


# The whole build


@pytest.fixture
def consultation(db):
    return consultation_with_responses()


@pytest.mark.parametrize("in_child", [True, False])
def test_a_build_stores_the_same_pdf_typeset_in_a_child_or_in_process(
    consultation, private_root, in_child
):
    with override_settings(REPORT_PDF_ASIDE=in_child):
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None, queue=False
        )
        services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    stored = ReportFile.objects.get(report=report, format="pdf")
    text = _pdf_text(Path(stored.file.path))
    assert "About this summary" in text
    assert report.snapshot_sha256[:12] in text.replace("\n", "")


def test_a_pdf_that_fails_in_the_child_fails_the_report_with_its_error(
    consultation, private_root, monkeypatch
):
    def broken(**kwargs):
        raise ValueError("a chart with no bars")

    monkeypatch.setattr(pdf, "write_pdf", broken)
    report = services.report_request(
        consultation=consultation, language="en", requested_by=None, queue=False
    )
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "Building the report failed: a chart with no bars"
    assert not ReportFile.objects.filter(report=report).exists()
