"""The audit pack's download for editors, beside the conclusions it documents."""

from __future__ import annotations

import logging
import tempfile
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from reports.audit.pack import AuditPackRefused, audit_pack_write
from reports.conclusions.views import editors_only
from surveys.models import Consultation

if TYPE_CHECKING:
    from consultation.http import StaffRequest

logger = logging.getLogger(__name__)


@require_GET
@editors_only
def conclusions_audit_pack(request: StaffRequest, slug: str) -> HttpResponseBase:
    """Build the pack on request into a temporary file (never the whole ZIP in memory) and send
    it. 200 responses: 0.13 s (README, "Audit pack")."""
    consultation = get_object_or_404(Consultation, slug=slug)
    # Deleted when the response closes it.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        audit_pack_write(consultation=consultation, out=spool)
    except AuditPackRefused as error:
        spool.close()
        messages.error(request, str(error))
        return redirect("reports:conclusions", slug=consultation.slug)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    logger.info("Audit pack of %s downloaded by %s", consultation.slug, request.user.get_username())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"audit-pack-{consultation.slug}-{stamp}.zip",
        content_type="application/zip",
    )
