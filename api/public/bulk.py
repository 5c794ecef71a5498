"""A whole consultation's published responses in one request, streamed: CSV (one row per
response, one column per question) or JSON Lines (one response per line, the shape of the paged
API's items). Rows are read a batch at a time (``selectors.responses_batches``), so memory stays
flat at 100,000 responses, and the first bytes leave before the last rows are read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from api.negotiation import FileNegotiation
from api.public import selectors
from api.public import serializers as shapes
from api.public.views import SLUG, PublicView, publication_or_404, response_filters
from consultation.spreadsheet import safe_cell
from surveys.models import Submission

FIXED_COLUMNS = [
    "reference",
    "name",
    "respondent_type",
    "category",
    "language",
    "submitted_at",
    "is_late",
]
KINDS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/jsonl; charset=utf-8", "jsonl"),
}


def csv_lines(batches: Iterable[list[Submission]], *, slug: str, codes: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    # A byte-order mark, so that Excel opens the Chinese text as UTF-8.
    writer.writerow(FIXED_COLUMNS + codes)
    yield "\ufeff" + flush()
    for batch in batches:
        for submission in batch:
            data = selectors.response_data(submission, slug=slug)
            answers = {item["question"]: item for item in data["answers"]}
            writer.writerow(
                [safe_cell(data[column]) for column in FIXED_COLUMNS]
                + [safe_cell(selectors.answer_cell(answers.get(code))) for code in codes]
            )
        yield flush()


def jsonl_lines(batches: Iterable[list[Submission]], *, slug: str) -> Iterator[str]:
    for batch in batches:
        yield "".join(
            json.dumps(selectors.response_data(submission, slug=slug), ensure_ascii=False) + "\n"
            for submission in batch
        )


class ResponsesDownload(PublicView):
    """Every published response of the consultation in one streamed file (the filters of the
    paged list apply). ``kind`` is ``csv`` or ``jsonl``."""

    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            SLUG,
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(KINDS)),
            shapes.ResponsesQuerySerializer,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/jsonl"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    def get(self, request: Request, slug: str, kind: str) -> StreamingHttpResponse:
        if kind not in KINDS:
            raise NotFound(gettext("Choose csv or jsonl."))
        publication = publication_or_404(slug)
        submissions = selectors.responses_public(
            publication=publication, filters=response_filters(request)
        )
        batches: Any = selectors.responses_batches(submissions)
        content_type, extension = KINDS[kind]
        if kind == "csv":
            codes = selectors.question_codes(consultation_id=publication.consultation_id)
            lines = csv_lines(batches, slug=slug, codes=codes)
        else:
            lines = jsonl_lines(batches, slug=slug)
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in lines), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{slug}-responses.{extension}"'
        response["Cache-Control"] = "no-cache"
        return response
