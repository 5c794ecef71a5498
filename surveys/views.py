"""Public and respondent pages. Thin: each view calls a selector or a service and renders."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from surveys import selectors
from surveys.models import Consultation


def consultation_index(request: HttpRequest) -> HttpResponse:
    groups = selectors.consultation_list()
    return render(request, "surveys/consultation_list.html", {"groups": groups})


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        consultation = selectors.consultation_public_detail(slug=slug)
    except Consultation.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "surveys/consultation_detail.html",
        {"consultation": consultation, "status": consultation.status_at(timezone.now())},
    )
