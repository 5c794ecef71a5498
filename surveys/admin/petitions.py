"""Petitions in the admin: enter one received by email, post or fax, and list those entered.

A petition is one record counted with its signatories (``surveys.review.petitions``). Entering
one needs ``surveys.add_petition``; the list shows counts only, never the names on a list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.models import Consultation, Petition
from surveys.review import petitions
from surveys.review.labels import hkt

if TYPE_CHECKING:
    from consultation.http import StaffRequest

# Repeated names shown back to staff after an upload (the staff member holds the list anyway).
SHOWN_REPEATS = 10


class PetitionForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=_("Consultation"), queryset=Consultation.objects.order_by("-opens_at")
    )
    standard_text = forms.CharField(
        label=_("Standard text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The text every signatory put their name to, as received."),
    )
    organisation_name = forms.CharField(
        label=_("Organised by"),
        required=False,
        max_length=300,
        help_text=_("The organisation that sent the petition, if any."),
    )
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(c.value, c.label) for c in petitions.PETITION_CHANNELS],
    )
    received_at = forms.DateTimeField(
        label=_("Date received (HKT)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    signatories = forms.IntegerField(
        label=_("Number of signatories"),
        required=False,
        min_value=1,
        max_value=petitions.MAX_SIGNATORIES,
        help_text=_("Give the number, or upload the list of names below, not both."),
    )
    names_list = forms.FileField(
        label=_("List of signatories"),
        required=False,
        help_text=_(
            "CSV (UTF-8) or XLSX, one name a row in the first column. Each name counts once; "
            "repeats are reported and not counted. The names are never published."
        ),
    )
    note = forms.CharField(label=_("Note for the audit trail"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("signatories") is None) == (not data.get("names_list")):
            raise ValidationError(
                _("Give the number of signatories or upload the list of names, not both."),
                code="signatories_source",
            )
        return data


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin[Petition]):
    list_display = (
        "reference",
        "consultation_slug",
        "campaign_label",
        "channel",
        "received_hkt",
        "signatories",
        "signatories_source",
        "list_duplicates",
    )
    list_select_related = ("submission__consultation", "submission__campaign_group")
    list_filter = ("submission__consultation", "submission__channel")
    search_fields = ("submission__reference", "standard_text")
    fields = (
        "submission",
        "standard_text",
        "signatories_source",
        "list_name",
        "list_duplicates",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm("surveys.add_petition"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request) or roles.can_review(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("reference"), ordering="submission__reference")
    def reference(self, obj: Petition) -> str:
        return obj.submission.reference

    @admin.display(description=_("consultation"), ordering="submission__consultation__slug")
    def consultation_slug(self, obj: Petition) -> str:
        return obj.submission.consultation.slug

    @admin.display(description=_("campaign"))
    def campaign_label(self, obj: Petition) -> str:
        group = obj.submission.campaign_group
        return group.label if group is not None else ""

    @admin.display(description=_("channel"))
    def channel(self, obj: Petition) -> str:
        return obj.submission.get_channel_display()

    @admin.display(description=_("received (HKT)"), ordering="submission__received_at")
    def received_hkt(self, obj: Petition) -> str:
        received = obj.submission.received_at
        return hkt(received) if received is not None else ""

    @admin.display(description=_("signatories"), ordering="submission__signatories")
    def signatories(self, obj: Petition) -> int:
        return obj.submission.signatories

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Enter a petition (``petitions.petition_add``): bad input changes nothing."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        staff_request: StaffRequest = request  # type: ignore[assignment]  # admin_view: staff only
        form = PetitionForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            petition = self._petition_add(staff_request, form)
            if petition is not None:
                return HttpResponseRedirect(reverse("admin:surveys_petition_changelist"))
        return TemplateResponse(
            request,
            "admin/surveys/petition/add.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Add a petition"),
                "form": form,
            },
        )

    def _petition_add(self, request: StaffRequest, form: PetitionForm) -> Petition | None:
        data = form.cleaned_data
        names = None
        upload = data.get("names_list")
        try:
            if upload:
                names = petitions.signatory_list_read(upload=upload)
            petition = petitions.petition_add(
                consultation=data["consultation"],
                actor=request.user,
                standard_text=data["standard_text"],
                channel=data["channel"],
                received_at=data["received_at"],
                signatories=data.get("signatories"),
                names=names,
                list_name=upload.name if upload else "",
                organisation_name=data.get("organisation_name", ""),
                note=data.get("note", ""),
            )
        except ValidationError as error:
            form.add_error("names_list" if upload and names is None else None, error)
            return None
        submission = petition.submission
        self.message_user(
            request,
            gettext(
                "Petition %(reference)s entered as campaign %(label)s with %(count)s signatories."
            )
            % {
                "reference": submission.reference,
                "label": submission.campaign_group.label if submission.campaign_group else "",
                "count": submission.signatories,
            },
            messages.SUCCESS,
        )
        if names is not None and names.duplicates:
            shown = ", ".join(names.duplicates[:SHOWN_REPEATS])
            self.message_user(
                request,
                ngettext(
                    "%(n)s name was repeated in the list and counted once: %(names)s",
                    "%(n)s names were repeated in the list and counted once: %(names)s",
                    len(names.duplicates),
                )
                % {"n": len(names.duplicates), "names": shown},
                messages.WARNING,
            )
        return petition
