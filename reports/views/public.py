"""Public pages of published conclusions, under /consultations/<slug>/conclusions/.

Every view starts from the live publication (``reports.selectors_public``) and answers 404 when
there is none: before the publish step and after unpublishing, no URL here reveals anything.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from consultation.downloads import file_download
from reports.conclusions import public as selectors_public
from reports.conclusions.public import NotPublished
from reports.models import Publication, PublicationFileKind

DOWNLOAD_NAMES: dict[str, str] = {
    PublicationFileKind.PDF_EN: "{slug}-conclusions-en.pdf",
    PublicationFileKind.PDF_ZH: "{slug}-conclusions-zh-hant.pdf",
    PublicationFileKind.CSV: "{slug}-conclusions-summary.csv",
    PublicationFileKind.JSON: "{slug}-conclusions-summary.json",
}
CONTENT_TYPES: dict[str, str] = {
    PublicationFileKind.PDF_EN: "application/pdf",
    PublicationFileKind.PDF_ZH: "application/pdf",
    PublicationFileKind.CSV: "text/csv; charset=utf-8",
    PublicationFileKind.JSON: "application/json",
}


def _publication(slug: str) -> Publication:
    try:
        return selectors_public.publication_public(slug=slug)
    except NotPublished as exc:
        raise Http404 from exc


def _language() -> str:
    return translation.get_language() or "en"


@require_GET
def conclusions_landing(request: HttpRequest, slug: str) -> HttpResponse:
    publication = _publication(slug)
    return render(
        request,
        "reports/conclusions/public_landing.html",
        {
            "publication": publication,
            "consultation": publication.consultation,
            "draft": publication.draft,
            "report": publication.report_en,
        },
    )


@require_GET
def conclusions_figures(request: HttpRequest, slug: str) -> HttpResponse:
    publication = _publication(slug)
    language = _language()
    try:
        data = selectors_public.publication_figures(publication=publication)
    except (NotPublished, OSError, ValueError) as exc:
        raise Http404 from exc
    return render(
        request,
        "reports/conclusions/public_figures.html",
        {
            "publication": publication,
            "consultation": publication.consultation,
            "report": publication.report_en,
            "total": data.get("respondents", {}).get("total", 0),
            "respondents": selectors_public.respondent_figures(data, language),
            "questions": selectors_public.figures_for_display(data, language),
        },
    )


@require_GET
def conclusions_responses(request: HttpRequest, slug: str) -> HttpResponse:
    publication = _publication(slug)
    query = request.GET.get("q", "")
    page = selectors_public.published_responses_page(
        publication=publication,
        query=query,
        page=request.GET.get("page", 1),
        language=_language(),
    )
    return render(
        request,
        "reports/conclusions/public_responses.html",
        {
            "publication": publication,
            "consultation": publication.consultation,
            "page": page,
            "query": selectors_public.search_query(query),
        },
    )


@require_GET
def conclusions_download(request: HttpRequest, slug: str, kind: str) -> FileResponse:
    publication = _publication(slug)
    try:
        public_file = selectors_public.publication_file(publication=publication, kind=kind)
    except NotPublished as exc:
        raise Http404 from exc
    return file_download(
        public_file.file,
        as_attachment=kind not in {PublicationFileKind.PDF_EN, PublicationFileKind.PDF_ZH},
        filename=DOWNLOAD_NAMES[kind].format(slug=publication.consultation.slug),
        content_type=CONTENT_TYPES[kind],
        # Unpublishing must take effect at once: shared caches may not keep a copy.
        cache_control="no-cache",
    )


@require_GET
def conclusions_attachment(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    publication = _publication(slug)
    try:
        attachment = selectors_public.published_attachment(publication=publication, pk=pk)
    except NotPublished as exc:
        raise Http404 from exc
    return file_download(
        attachment.file,
        filename=attachment.original_name,
        content_type="application/octet-stream",
        cache_control="no-cache",
    )
