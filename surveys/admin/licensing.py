"""The public registers of licensed firms in the admin: upload one (replacing the last), list
the uploads (the audit record) and the firms of each register as last uploaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin
from surveys.licensing.register_file import MAX_BYTES, RegisterInvalid
from surveys.licensing.services import register_replace
from surveys.models import LicenceRegister, RegisterEntry, RegisterUpload
from surveys.review.labels import hkt

if TYPE_CHECKING:
    from consultation.http import StaffRequest


class RegisterUploadForm(forms.Form):
    register = forms.ChoiceField(label=_("Register"), choices=LicenceRegister.choices)
    file = forms.FileField(
        label=_("Register file (CSV)"),
        help_text=_(
            "UTF-8 CSV (with or without a byte-order mark) whose first row names the columns: "
            "number, name, licence type and, if the file says so, status (licensed or "
            "applicant). The upload replaces this register."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class _RegisterPermissionMixin:
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.can_manage_licence_register(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.can_manage_licence_register(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegisterUpload)
class RegisterUploadAdmin(
    _RegisterPermissionMixin, ReadOnlyRecordMixin, admin.ModelAdmin[RegisterUpload]
):
    list_display = (
        "register",
        "uploaded_hkt",
        "uploaded_by",
        "original_name",
        "row_count",
        "responses_changed",
        "sha256",
    )
    list_filter = ("register",)
    list_select_related = ("uploaded_by",)
    change_list_template = "admin/surveys/registerupload/change_list.html"

    @admin.display(description=_("uploaded (HKT)"), ordering="uploaded_at")
    def uploaded_hkt(self, obj: RegisterUpload) -> str:
        return hkt(obj.uploaded_at)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="surveys_registerupload_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: StaffRequest) -> HttpResponse:
        """Replace one register by an uploaded file; every bad row is listed, nothing changes."""
        if not roles.can_manage_licence_register(request.user):
            raise PermissionDenied
        form = RegisterUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                done = register_replace(
                    register=form.cleaned_data["register"],
                    file_name=upload.name,
                    content=upload.read(),
                    actor=request.user,
                )
            except RegisterInvalid as invalid:
                errors = invalid.errors
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(register)s: %(rows)s firm uploaded; %(changed)s responses changed "
                        "status.",
                        "%(register)s: %(rows)s firms uploaded; %(changed)s responses changed "
                        "status.",
                        done.row_count,
                    )
                    % {
                        "register": done.get_register_display(),
                        "rows": done.row_count,
                        "changed": done.responses_changed,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:surveys_registerupload_changelist"))
        return TemplateResponse(
            request,
            "admin/surveys/registerupload/upload.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Upload a register of licensed firms"),
                "form": form,
                "row_errors": errors,
            },
            status=400 if errors else 200,
        )


@admin.register(RegisterEntry)
class RegisterEntryAdmin(
    _RegisterPermissionMixin, ReadOnlyRecordMixin, admin.ModelAdmin[RegisterEntry]
):
    list_display = ("register", "number", "name", "licence_type", "status")
    list_filter = ("register", "status")
    search_fields = ("number", "name")
    list_per_page = 100
