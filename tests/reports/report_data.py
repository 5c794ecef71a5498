"""Test data for the report job: a demo consultation with synthetic responses, some left out."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from reports.models import ReportFile
from surveys.demo.loader import DEMO_DIR, demo_load
from surveys.demo.synthetic import responses_generate
from surveys.models import Consultation, ExclusionReason, ReviewStatus, Submission, SubmissionState


def consultation_with_responses(
    *, slug: str = "va-otc-dealing", count: int = 30, seed: int = 11, questions: int | None = 5
) -> Consultation:
    """The demo consultation ``slug`` with ``count`` submitted responses: two excluded as spam,
    one withdrawn, the rest counted.

    Only its first ``questions`` questions are loaded (all of them with ``None``): the job's tests
    need real answers of every kind, not a 26-question PDF for each build.
    """
    data = json.loads((DEMO_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    if questions is not None:
        first = data["sections"][0]
        data["sections"] = [{**first, "questions": first["questions"][:questions]}]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{slug}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        consultation, _ = demo_load(path=path)
    responses_generate(consultation=consultation, count=count, seed=seed)
    ids = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Submission.objects.filter(pk__in=ids[:2]).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.SPAM
    )
    Submission.objects.filter(pk=ids[2]).update(
        state=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now()
    )
    return consultation


def counted_submissions(consultation: Consultation) -> int:
    """Counted independently of the report code: submitted, not excluded, not withdrawn."""
    return (
        Submission.objects.filter(consultation=consultation, state=SubmissionState.SUBMITTED)
        .exclude(review_status=ReviewStatus.EXCLUDED)
        .count()
    )


@contextmanager
def report_storage(root: Path) -> Iterator[FileSystemStorage]:
    """Keep report files under ``root`` for the duration of the block.

    The file field took its storage from settings when the model was imported, so the field's
    storage is swapped rather than the setting.
    """
    field = ReportFile._meta.get_field("file")
    saved = field.storage
    field.storage = FileSystemStorage(location=str(root), base_url=None)
    try:
        yield field.storage
    finally:
        field.storage = saved
