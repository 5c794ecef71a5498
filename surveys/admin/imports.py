"""Bulk import in the admin: download a consultation's template, upload a filled-in file for a
dry run, read every fault, then import. Checks and imports run as Celery tasks
(``surveys.tasks.import_responses``); the job's page reloads itself while one runs."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from surveys import roles
from surveys.imports import services
from surveys.imports.forms import TemplateForm, UploadForm
from surveys.imports.reading import ImportFileError
from surveys.imports.template import template_write
from surveys.journey.structure import journey_load
from surveys.models import ImportState, SubmissionImport

if TYPE_CHECKING:
    from consultation.http import StaffRequest

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _queue(job: SubmissionImport) -> None:
    """Queue the job's task once the transaction that changed its state has committed; the
    faults are reported in the language of the page that asked."""
    language = translation.get_language() or "en"
    from surveys.tasks import import_responses  # the task module imports the services

    def send() -> None:
        try:
            import_responses.delay(job.pk, language)
        except Exception:  # the broker is down: say so on the job, keep the upload
            logger.exception("import %s could not be queued", job.pk)
            SubmissionImport.objects.filter(pk=job.pk).update(
                state=ImportState.FAILED,
                error=gettext("The import service is unavailable just now; upload again later."),
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)


# Columns whose values name or reach a respondent: shown in a fault report only to staff who may
# see personal data (surveys.roles); the row and reason are enough to find the cell.
PERSONAL_COLUMNS = frozenset({"contact_name", "email", "organisation_name"})


# A page lists this many faults at most; the command prints them all.
PROBLEMS_SHOWN = 1000


def _problems_shown(job: SubmissionImport, request: HttpRequest) -> list[dict[str, Any]]:
    problems = job.problems[:PROBLEMS_SHOWN]
    if roles.can_view_personal_data(request.user):
        return list(problems)
    return [
        {**p, "value": "…"} if p.get("column") in PERSONAL_COLUMNS and p.get("value") else p
        for p in problems
    ]


@admin.register(SubmissionImport)
class SubmissionImportAdmin(admin.ModelAdmin[SubmissionImport]):
    list_display = (
        "created_at",
        "consultation",
        "original_name",
        "state",
        "rows_total",
        "imported",
        "skipped",
        "operator",
    )
    list_filter = ("state", "consultation")
    list_select_related = ("consultation",)
    date_hierarchy = "created_at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.can_import(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.can_import(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.can_import(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "template/",
                self.admin_site.admin_view(self.template_view),
                name="surveys_submissionimport_template",
            ),
            path(
                "<int:job_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name="surveys_submissionimport_import",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Upload a filled-in template: it is kept and checked (a dry run) by the worker."""
        if not roles.can_import(request.user):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with transaction.atomic():
                    job = services.submission_import_start(
                        consultation=form.cleaned_data["consultation"],
                        data=upload.read(),
                        name=upload.name,
                        operator=request.user.get_username(),
                        user=request.user,  # type: ignore[arg-type]  # signed-in staff
                    )
                    _queue(job)
            except ImportFileError as error:
                form.add_error("file", error.message)
            else:
                return HttpResponseRedirect(
                    reverse("admin:surveys_submissionimport_change", args=[job.pk])
                )
        return TemplateResponse(
            request,
            "admin/surveys/submissionimport/upload.html",
            self._context(
                request,
                gettext("Import responses"),
                form=form,
                template_form=TemplateForm(auto_id="template_%s"),
            ),
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The job: its state, progress and every fault found; the import button when clean."""
        if not roles.can_import(request.user):
            raise PermissionDenied
        if not object_id.isdigit():
            return HttpResponseRedirect(reverse("admin:surveys_submissionimport_changelist"))
        job = get_object_or_404(
            SubmissionImport.objects.select_related("consultation", "uploaded_by"),
            pk=int(object_id),
        )
        return TemplateResponse(
            request,
            "admin/surveys/submissionimport/detail.html",
            self._context(
                request,
                gettext("Import of %(name)s") % {"name": job.original_name},
                job=job,
                problems=_problems_shown(job, request),
                problems_hidden=max(len(job.problems) - PROBLEMS_SHOWN, 0),
                to_import=max(job.rows_total - job.skipped, 0),
                can_import=job.state == ImportState.CHECKED,
            ),
        )

    def import_view(self, request: StaffRequest, job_id: int) -> HttpResponse:
        """Import a file whose dry run found no fault (POST only)."""
        if not roles.can_import(request.user):
            raise PermissionDenied
        job = get_object_or_404(SubmissionImport, pk=job_id)
        url = reverse("admin:surveys_submissionimport_change", args=[job.pk])
        if request.method != "POST":
            return HttpResponseRedirect(url)
        try:
            with transaction.atomic():
                job = services.submission_import_queue(job=job)
                _queue(job)
        except services.ImportRefused as error:
            self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(url)

    def template_view(self, request: StaffRequest) -> HttpResponseBase:
        """Download a consultation's import template (CSV or XLSX)."""
        if not roles.can_import(request.user):
            raise PermissionDenied
        form = TemplateForm(request.GET)
        if not form.is_valid():
            self.message_user(
                request, gettext("Choose a consultation and a format."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:surveys_submissionimport_add"))
        consultation = form.cleaned_data["consultation"]
        fmt = form.cleaned_data["format"]
        out = io.BytesIO()
        template_write(journey=journey_load(consultation=consultation), fmt=fmt, out=out)
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"{consultation.slug}-import-template.{fmt}",
            content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX,
        )
