"""Downloads of submissions from the admin (CSV streamed, XLSX from a temporary file)."""

from __future__ import annotations

import logging
import tempfile

from django.db.models import (
    QuerySet,
)
from django.http import (
    FileResponse,
    HttpRequest,
    StreamingHttpResponse,
)

from surveys import exports, privacy
from surveys.choices import PrivacyActionKind
from surveys.models import (
    Consultation,
    Submission,
)

logger = logging.getLogger(__name__)


def export_response(
    request: HttpRequest,
    consultation: Consultation,
    fmt: str,
    *,
    personal: bool,
    submissions: QuerySet[Submission] | None = None,
) -> StreamingHttpResponse:
    """Stream a CSV or XLSX download; permission checks are the caller's."""
    logger.info(
        "export %s of %s by %s (personal data: %s)",
        fmt,
        consultation.slug,
        request.user.get_username(),
        personal,
    )
    if personal:
        rows = (
            submissions
            if submissions is not None
            else exports.export_submissions(consultation=consultation)
        )
        privacy.personal_data_seen(
            kind=PrivacyActionKind.STAFF_EXPORT,
            operator=request.user.get_username(),
            consultation=consultation,
            references=sorted(rows.values_list("reference", flat=True)),
            details={"format": fmt},
        )
    filename = exports.export_filename(consultation=consultation, fmt=fmt, personal=personal)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.export_csv_lines(
                consultation=consultation, personal=personal, submissions=submissions
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # The workbook is written to an anonymous temporary file, then streamed from it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    exports.export_xlsx(
        consultation=consultation, personal=personal, out=handle, submissions=submissions
    )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
