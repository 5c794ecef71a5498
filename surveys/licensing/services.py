"""Writers of licence statuses: replacing a register (audited), and matching one response.

One rule, here only: a response is a licensed firm or an applicant when the register it named
lists its number with that status, and "other" in every other case (no number, no match, no
register uploaded yet). Statuses are recomputed when a register is replaced and when a response
is submitted or amended (``surveys.journey.services`` calls ``licence_status_of``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from surveys.licensing.register_file import register_rows_read
from surveys.models import (
    LicenceStatus,
    RegisterEntry,
    RegisterUpload,
    ReviewEvent,
    Submission,
    SubmissionState,
)

STATUS_FIELD = "licence_status"


def licence_status_of(*, register: str, number: str) -> str:
    """The status the uploaded register gives ``number`` (stored form) in ``register``."""
    if not register or not number:
        return LicenceStatus.OTHER
    found = (
        RegisterEntry.objects.filter(register=register, number=number)
        .values_list("status", flat=True)
        .first()
    )
    return found or LicenceStatus.OTHER


def licence_statuses_of(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """``licence_status_of`` for many (register, number) pairs at once (one query a register):
    a pair the register does not hold is absent from the result (read it as ``other``)."""
    wanted: dict[str, set[str]] = {}
    for register, number in pairs:
        if register and number:
            wanted.setdefault(register, set()).add(number)
    found: dict[tuple[str, str], str] = {}
    for register, numbers in wanted.items():
        for number, status in RegisterEntry.objects.filter(
            register=register, number__in=numbers
        ).values_list("number", "status"):
            found[(register, number)] = status
    return found


@transaction.atomic
def register_replace(
    *,
    register: str,
    file_name: str,
    content: bytes,
    actor: Any,
    now: dt.datetime | None = None,
) -> RegisterUpload:
    """Replace ``register`` by the firms in ``content`` (a CSV, ``register_file``) and recompute
    the licence status of every response that names it.

    The file is read whole before anything is written: a bad row raises ``RegisterInvalid``
    and the register stays as it was. The upload row records who, when, the file's SHA-256 and
    its row count; each response whose status changes gets a ``ReviewEvent`` naming the actor.
    """
    rows = register_rows_read(register=register, content=content)
    now = now or timezone.now()
    upload = RegisterUpload.objects.create(
        register=register,
        uploaded_by=actor,
        uploaded_at=now,
        original_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=len(rows),
    )
    RegisterEntry.objects.filter(register=register).delete()
    RegisterEntry.objects.bulk_create(
        [
            RegisterEntry(
                register=register,
                number=row.number,
                name=row.name,
                licence_type=row.licence_type,
                status=row.status,
                upload=upload,
            )
            for row in rows
        ],
        batch_size=2000,
    )
    statuses = {row.number: row.status for row in rows}
    upload.responses_changed = _statuses_refresh(
        register=register, statuses=statuses, actor=actor, upload=upload, now=now
    )
    upload.save(update_fields=["responses_changed"])
    return upload


def _statuses_refresh(
    *,
    register: str,
    statuses: dict[str, str],
    actor: Any,
    upload: RegisterUpload,
    now: dt.datetime,
) -> int:
    """Set the status of every response naming ``register`` (and of any that has a status
    without naming it); one UPDATE per status, one audit event per changed submitted response."""
    changed: dict[str, list[int]] = defaultdict(list)
    events = []
    rows = Submission.objects.filter(licence_register=register).values_list(
        "pk", "licence_number", "licence_status", "state"
    )
    for pk, number, old, state in rows.iterator(chunk_size=2000):
        new = statuses.get(number, LicenceStatus.OTHER)
        if new == old:
            continue
        changed[new].append(pk)
        if state != SubmissionState.DRAFT:
            events.append(
                ReviewEvent(
                    submission_id=pk,
                    actor=actor,
                    at=now,
                    field=STATUS_FIELD,
                    old_value=old,
                    new_value=new,
                    reason=f"register upload {upload.pk} ({upload.sha256[:12]})",
                )
            )
    for status, pks in changed.items():
        # updated_at too: a chunked report's plan sees the change (reports.summary.inputs).
        Submission.objects.filter(pk__in=pks).update(licence_status=status, updated_at=now)
    ReviewEvent.objects.bulk_create(events, batch_size=2000)
    return sum(len(pks) for pks in changed.values())
