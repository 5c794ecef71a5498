"""Files from private storage as downloads: the one way the product serves them.

Each view decides who may have the file; this turns the stored file into the response: a 404
(not a 500) when the file has gone from storage, ``nosniff`` so that a browser never runs what
it was told is a document, and the caching the caller asks for.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def file_download(
    stored: FieldFile,
    *,
    filename: str,
    content_type: str | None = None,
    as_attachment: bool = True,
    cache_control: str | None = None,
) -> FileResponse:
    """``stored`` as a download named ``filename``; Http404 when it is missing from storage."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if cache_control is not None:
        response["Cache-Control"] = cache_control
    return response
