"""What the staff admin modules share: plain selects, records that are never added here, and
the review labels (``surveys.review.labels``)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import (
    HttpRequest,
)

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
