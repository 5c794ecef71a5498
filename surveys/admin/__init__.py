"""Staff work in the Django admin, one module per domain: authoring, submissions (review), themes,
campaign groups and the audit trail. Each registers its admin classes; actions call services
(``surveys.review``, ``surveys.authoring``, ``surveys.exports``), and who may do what is decided
in ``surveys.roles``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consultation.auth import StaffLoginForm
from surveys.admin import (
    audit,
    authoring,
    campaigns,
    imports,
    licensing,
    petitions,
    submissions,
    subscriptions,
    themes,
)

__all__ = [
    "audit",
    "authoring",
    "campaigns",
    "imports",
    "licensing",
    "petitions",
    "submissions",
    "subscriptions",
    "themes",
]

admin.site.site_header = _("Consult HK staff")
admin.site.site_title = _("Consult HK staff")
admin.site.index_title = _("Consultations, responses and review")
# Wide lists (submissions, audit) need the width more than a second copy of the index.
admin.site.enable_nav_sidebar = False
admin.site.login_form = StaffLoginForm
