"""What the staff admin modules share: plain selects, records that are never added here, and
the review labels (``surveys.review.labels``)."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.admin import ModelAdmin, TabularInline
from django.contrib.admin.options import BaseModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
)
from django.utils.translation import gettext

from consultation.downloads import file_download
from surveys import roles
from surveys.models import Attachment, OriginalDocument, Submission

logger = logging.getLogger(__name__)


def plain_select(form: Any, name: str) -> None:
    """Drop the admin's add/edit/view shortcuts beside a foreign-key select."""
    field = form.base_fields.get(name)
    if field is not None:
        for flag in ("can_add_related", "can_change_related", "can_view_related"):
            setattr(field.widget, flag, False)


class ReadOnlyRecordMixin:
    """An admin of records made elsewhere (by services or detection): never added or deleted
    here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def widget_name(formfield: forms.Field, *, all_widgets: bool) -> None:
    """Give widgets the admin renders without a ``<label>`` of their own an accessible name: the
    date and time halves of a date-time field (Django labels only the pair) and, with
    ``all_widgets``, every cell of a tabular inline (its column heading is not a label)."""
    widget = getattr(formfield.widget, "widget", formfield.widget)  # a related-field wrapper
    label = str(formfield.label or "")
    if isinstance(widget, forms.SplitDateTimeWidget):
        date, time = widget.widgets
        date.attrs["aria-label"] = f"{label}: {gettext('date')}"
        time.attrs["aria-label"] = f"{label}: {gettext('time')}"
    elif all_widgets and widget is not None:
        widget.attrs.setdefault("aria-label", label)


class NamedWidgetsMixin(BaseModelAdmin[Any]):
    """Names widgets that have no label of their own (``widget_name``); on a tabular inline,
    every widget."""

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            widget_name(formfield, all_widgets=isinstance(self, TabularInline))
        return formfield


def paper_download(
    request: HttpRequest,
    model_admin: ModelAdmin[Submission],
    object_id: str,
    papers: QuerySet[Attachment] | QuerySet[OriginalDocument],
    pk: int,
) -> FileResponse:
    """A respondent's paper (an attachment, or the original of a response received by email,
    post or fax) of the submission ``object_id``, to staff who may view the submission and read
    respondents' papers."""
    submission = model_admin.get_object(request, object_id)
    if submission is None:
        raise Http404
    if not (
        model_admin.has_view_permission(request, submission)
        and roles.can_read_attachments(request.user)
    ):
        raise PermissionDenied
    paper = papers.filter(pk=pk, submission=submission).first()
    if paper is None:
        raise Http404
    return file_download(
        paper.file,
        filename=paper.original_name,
        content_type=paper.content_type or "application/octet-stream",
    )
