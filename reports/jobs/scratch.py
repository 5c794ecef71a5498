"""Where builds keep their work in progress, and how a killed build's leftovers are removed.

A build renders its files in ``REPORT_TEMP_ROOT/report-<id>-attempt-<n>`` (a local folder) and a
chunked build stores its partials in ``reports/partials/report-<id>/attempt-<n>`` (shared
storage). A build that ends deletes its own; one killed with SIGKILL cannot, so the folders are
named by report and attempt, and any folder whose attempt is not the one running now is deleted
(``leftovers_sweep``): by every build as it starts, on its machine, and by the watchdog, on beat's.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage

from reports.models import Report, ReportFile, ReportStatus

logger = logging.getLogger(__name__)

PARTIALS_ROOT = "reports/partials"
_BUILD_FOLDER = re.compile(r"^report-(\d+)-attempt-(\d+)$")
_REPORT_FOLDER = re.compile(r"^report-(\d+)$")
_ATTEMPT_FOLDER = re.compile(r"^attempt-(\d+)$")


def _root() -> Path:
    return Path(settings.REPORT_TEMP_ROOT)


def _storage() -> Storage:
    return ReportFile._meta.get_field("file").storage


def partials_folder(report_id: int, attempt: int) -> str:
    return f"{PARTIALS_ROOT}/report-{report_id}/attempt-{attempt}"


@contextmanager
def build_folder(*, report_id: int, attempt: int) -> Iterator[Path]:
    """A fresh local folder for this attempt's files, deleted when the block ends."""
    folder = _root() / f"report-{report_id}-attempt-{attempt}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def partials_delete(*, report_id: int, attempt: int) -> None:
    """Delete one attempt's stored partials and their folder."""
    storage = _storage()
    folder = partials_folder(report_id, attempt)
    try:
        files = storage.listdir(folder)[1]
        for name in files:
            storage.delete(f"{folder}/{name}")
    except OSError:  # none stored, or the storage itself is broken: nothing to clean here
        return
    try:
        storage.delete(folder)  # FileSystemStorage removes an empty folder; others have none
    except OSError:
        logger.debug("Could not remove the folder %s", folder, exc_info=True)


def leftovers_sweep() -> int:
    """Delete every build folder and partials folder of an attempt that is not running now.

    Returns how many folders were deleted.
    """
    local: dict[Path, tuple[int, int]] = {}
    for folder in _local_folders():
        found = _BUILD_FOLDER.match(folder.name)
        if found:
            local[folder] = (int(found[1]), int(found[2]))
    stored = [
        (report_id, attempt)
        for report_id in _stored_reports()
        for attempt in _stored_attempts(report_id)
    ]
    ids = {report_id for report_id, _ in local.values()} | {r for r, _ in stored}
    running = set(
        Report.objects.filter(pk__in=ids, status=ReportStatus.RUNNING).values_list("pk", "attempts")
    )
    deleted = 0
    for folder, key in local.items():
        if key not in running:
            _remove(folder)
            deleted += 1
    for key in stored:
        if key not in running:
            partials_delete(report_id=key[0], attempt=key[1])
            deleted += 1
    if deleted:
        logger.warning("Deleted %s folders left behind by stopped report builds", deleted)
    return deleted


def _local_folders() -> list[Path]:
    try:
        return [path for path in _root().iterdir() if path.is_dir()]
    except OSError:
        return []


def _remove(folder: Path) -> None:
    logger.info("Deleting %s, left behind by a stopped report build", folder)
    shutil.rmtree(folder, ignore_errors=True)


def _stored_reports() -> list[int]:
    try:
        folders = _storage().listdir(PARTIALS_ROOT)[0]
    except OSError:
        return []
    return [int(found[1]) for name in folders if (found := _REPORT_FOLDER.match(name))]


def _stored_attempts(report_id: int) -> list[int]:
    try:
        folders = _storage().listdir(f"{PARTIALS_ROOT}/report-{report_id}")[0]
    except OSError:
        return []
    return [int(found[1]) for name in folders if (found := _ATTEMPT_FOLDER.match(name))]
