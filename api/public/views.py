"""The public API: the published record, no login. Views parse the query, call
``api.public.selectors`` and serialise; every read starts from what the product already
publishes, so an unpublished consultation or conclusions answer 404 here too."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import PublicRead
from api.pagination import KeyCursorPagination
from api.public import selectors
from api.public import serializers as shapes
from reports.conclusions.public import NotPublished
from reports.models import Publication, PublicationFileKind
from surveys.models import Consultation, Submission

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The consultation's slug.")


class PublicView(APIView):
    permission_classes = [PublicRead]
    authentication_classes: list[Any] = []


def _not_found() -> NotFound:
    return NotFound(
        gettext("No such published consultation, or its conclusions are not published.")
    )


def publication_or_404(slug: str) -> Publication:
    try:
        return selectors.publication(slug=slug)
    except NotPublished as exc:
        raise _not_found() from exc


def consultation_data(consultation: Consultation) -> dict[str, Any]:
    has_conclusions = bool(getattr(consultation, "has_conclusions", False))
    return {
        "slug": consultation.slug,
        "title": selectors.bilingual(consultation, "title"),
        "summary": selectors.bilingual(consultation, "summary"),
        "status": consultation.status_at(timezone.now()),
        "opens_at": consultation.opens_at,
        "closes_at": consultation.closes_at,
        "accepts_late": consultation.accepts_late,
        "documents": [
            {"title": selectors.bilingual(document, "title"), "url": document.file.url}
            for document in consultation.documents.all()
        ],
        "conclusions_published_at": (
            consultation.conclusions_published_at if has_conclusions else None
        ),
        "conclusions_url": (
            reverse("api:conclusions", args=[consultation.slug]) if has_conclusions else None
        ),
        "responses_url": (
            reverse("api:responses", args=[consultation.slug]) if has_conclusions else None
        ),
    }


class ConsultationList(PublicView, generics.ListAPIView):
    """The consultations open to the public (upcoming, open and closed), oldest first."""

    pagination_class = KeyCursorPagination
    serializer_class = shapes.ConsultationSerializer

    def get_queryset(self) -> Any:
        return selectors.consultations_public()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [consultation_data(consultation) for consultation in page or []]
        return self.get_paginated_response(shapes.ConsultationSerializer(data, many=True).data)


class ConsultationDetail(PublicView):
    """One consultation, with its sections, questions and choices (values and labels)."""

    @extend_schema(parameters=[SLUG], responses=shapes.ConsultationDetailSerializer)
    def get(self, request: Request, slug: str) -> Response:
        try:
            consultation = selectors.consultation_public(slug=slug)
        except NotPublished as exc:
            raise NotFound(gettext("No such published consultation.")) from exc
        data = consultation_data(consultation)
        sections = {section.pk: section for section in consultation.sections.all()}
        data["sections"] = [
            {"order": section.order, "title": selectors.bilingual(section, "title")}
            for section in sections.values()
        ]
        data["questions"] = [
            {
                "code": question.code,
                "section": sections[question.section_id].order,
                "kind": question.kind,
                "text": selectors.bilingual(question, "text"),
                "required": question.required,
                "choices": [
                    {
                        "value": choice.value,
                        "label": selectors.bilingual(choice, "label"),
                        "exclusive": choice.exclusive,
                    }
                    for choice in question.choices.all()
                ],
            }
            for question in consultation.questions.all()
        ]
        return Response(shapes.ConsultationDetailSerializer(data).data)


class Conclusions(PublicView):
    """The published conclusions: the introduction, each question's summary of views and the
    regulator's response, the public files, and the snapshot the figures counted."""

    @extend_schema(parameters=[SLUG], responses=shapes.ConclusionsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        publication = publication_or_404(slug)
        draft = publication.draft
        report = publication.report_en
        data = {
            "consultation": slug,
            "published_at": publication.published_at,
            "introduction": selectors.bilingual(draft, "intro"),
            "questions": [
                {
                    "question": item.question.code,
                    "views_summary": selectors.bilingual(item, "views_summary"),
                    "response": selectors.bilingual(item, "response"),
                }
                for item in draft.questions.select_related("question").order_by("question__order")
            ],
            "files": [
                {
                    "kind": public_file.kind,
                    "url": reverse("conclusions:download", args=[slug, public_file.kind]),
                    "size": public_file.size,
                    "sha256": public_file.sha256,
                }
                for public_file in selectors.publication_files(publication=publication)
            ],
            "snapshot": {
                "count": report.snapshot_count,
                "sha256": report.snapshot_sha256,
                "as_of": report.snapshot_as_of,
            },
        }
        return Response(shapes.ConclusionsSerializer(data).data)


class Figures(PublicView):
    """The published figures per question: the published report's ``summary.json`` as stored
    (the same numbers as the report), with its snapshot's count and SHA-256."""

    @extend_schema(
        parameters=[SLUG, shapes.FiguresQuerySerializer], responses=shapes.FiguresSerializer
    )
    def get(self, request: Request, slug: str) -> Response:
        publication = publication_or_404(slug)
        query = shapes.FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            data = selectors.figures(
                publication=publication, question=query.validated_data.get("question", "")
            )
            public_file = selectors.publication_file(
                publication=publication, kind=PublicationFileKind.JSON
            )
        except (NotPublished, OSError, ValueError) as exc:
            raise _not_found() from exc
        data.update(
            consultation=slug,
            published_at=publication.published_at,
            file_sha256=public_file.sha256,
        )
        return Response(shapes.FiguresSerializer(data).data)


def response_filters(request: Request) -> selectors.ResponseFilters:
    query = shapes.ResponsesQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return selectors.ResponseFilters(**query.validated_data)


class Responses(PublicView, generics.ListAPIView):
    """The published responses of a consultation whose conclusions are published: those its
    reports counted, with the respondent's consent to publication. Confidential responses never
    appear; a name only where the respondent agreed to it."""

    pagination_class = KeyCursorPagination
    serializer_class = shapes.PublishedResponseSerializer

    @extend_schema(parameters=[SLUG, shapes.ResponsesQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, slug: str = "", **kwargs: Any) -> Response:
        publication = publication_or_404(slug)
        submissions = selectors.responses_public(
            publication=publication, filters=response_filters(request)
        )
        # A page's answers and attachments come in two more queries, whatever its size.
        page: list[Submission] = self.paginate_queryset(selectors.with_contents(submissions)) or []
        data = [selectors.response_data(row, slug=slug) for row in page]
        return self.get_paginated_response(shapes.PublishedResponseSerializer(data, many=True).data)
