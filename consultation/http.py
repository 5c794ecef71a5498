"""Request types for annotations (the type checker's view of requests Django builds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class StaffRequest(HttpRequest):
    """A request of a signed-in user: what the admin's views (``admin_site.admin_view``) and
    the staff pages behind a login check receive. Only annotations name it; every request is
    a plain ``HttpRequest`` at run time."""

    user: User
