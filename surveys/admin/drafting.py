"""Drafting together on a submission's admin page, read-only: the colleagues invited to draft
it, and every change with who made it. Colleagues' email addresses are personal data: shown to
staff who may see respondents' contact details only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from surveys import roles
from surveys.admin.common import ReadOnlyRecordMixin
from surveys.models import DraftChange, DraftCollaborator, Submission
from surveys.review.labels import hkt

HIDDEN = _("(hidden: personal data)")


class _DraftingInline(ReadOnlyRecordMixin):
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of the submission's record: whoever may see the submission sees it.
        return bool(request.user.has_perm("surveys.view_submission"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DraftCollaboratorInline(_DraftingInline, admin.TabularInline[DraftCollaborator, Submission]):
    model = DraftCollaborator
    fields = ("colleague", "role", "can_submit", "invited", "accepted", "revoked")
    readonly_fields = fields
    verbose_name = _("colleague who helped draft it")
    verbose_name_plural = _("colleagues who helped draft it")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._personal = False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._personal = roles.can_view_personal_data(request.user)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("email"))
    def colleague(self, obj: DraftCollaborator) -> str:
        return obj.email if self._personal else str(HIDDEN)

    @admin.display(description=_("invited at (HKT)"))
    def invited(self, obj: DraftCollaborator) -> str:
        return hkt(obj.invited_at)

    @admin.display(description=_("first opened at (HKT)"))
    def accepted(self, obj: DraftCollaborator) -> str:
        return hkt(obj.accepted_at)

    @admin.display(description=_("withdrawn at (HKT)"))
    def revoked(self, obj: DraftCollaborator) -> str:
        return hkt(obj.revoked_at)


class DraftChangeInline(_DraftingInline, admin.TabularInline[DraftChange, Submission]):
    model = DraftChange
    fields = ("changed", "made_by", "questions_changed")
    readonly_fields = fields
    verbose_name = _("change while drafting")
    verbose_name_plural = _("changes while drafting")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._personal = False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._personal = roles.can_view_personal_data(request.user)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("changed at (HKT)"))
    def changed(self, obj: DraftChange) -> str:
        return hkt(obj.changed_at)

    @admin.display(description=_("made by"))
    def made_by(self, obj: DraftChange) -> str:
        role = _("colleague") if obj.collaborator_id else _("respondent who started it")
        who = obj.author if self._personal else str(HIDDEN)
        return f"{who} ({role})"

    @admin.display(description=_("questions changed"))
    def questions_changed(self, obj: DraftChange) -> str:
        return ", ".join(str(code) for code in obj.questions)
