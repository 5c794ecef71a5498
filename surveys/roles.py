"""Staff roles: which Django permissions each group holds, and the checks the admin makes.

Three groups, created by the data migration ``0002_staff_roles`` and kept in step by
``roles_sync``:

- Consultation editors author consultations (sections, questions, choices, documents) and can
  read submissions, without respondents' personal data: authoring needs to see how questions were
  answered, never who answered them. They read and request summary reports, and write and
  publish the consultation conclusions.
- Reviewers read and review submissions, code free text with themes, confirm campaign groups and
  export without personal data. They hold ``review_submission`` rather than ``change_submission``:
  a submission changes only through the review services, never through a free edit of its fields.
  They read and request summary reports. They also enter responses received by email, post or
  fax (``enter_submission``): the registry work of typing a letter in belongs with the people who
  read the responses and their papers.
  They also keep the public registers of licensed firms (``manage_licence_register``): an upload
  marks the responses of licensed firms and applicants, which the reports split by.
  They import responses received outside the web form in bulk (``import_submissions``).
- Report readers read reports and the list of consultations, nothing else.

``surveys.view_personal_data`` (names, email and network addresses) is held by no group: a
superuser grants it to the few people who need it, one by one.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

EDITORS = "Consultation editors"
REVIEWERS = "Reviewers"
REPORT_READERS = "Report readers"

_AUTHORING_MODELS = ("consultation", "section", "question", "choice", "consultationdocument")

# "app_label.codename" strings, the form ``User.has_perm`` takes.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    EDITORS: frozenset(
        [
            f"surveys.{action}_{model}"
            for model in _AUTHORING_MODELS
            for action in ("add", "change", "delete", "view")
        ]
        + ["surveys.view_submission", "reports.view_report", "reports.add_report"]
    ),
    REVIEWERS: frozenset(
        [f"surveys.view_{model}" for model in _AUTHORING_MODELS]
        + [
            "surveys.view_submission",
            "surveys.review_submission",
            "surveys.enter_submission",
            "surveys.view_theme",
            "surveys.add_theme",
            "surveys.change_theme",
            "surveys.view_campaigngroup",
            "surveys.change_campaigngroup",
            "surveys.view_reviewevent",
            "surveys.manage_licence_register",
            "surveys.view_registerupload",
            "surveys.view_registerentry",
            "surveys.view_submissionimport",
            "surveys.import_submissions",
            "reports.view_report",
            "reports.add_report",
        ]
    ),
    REPORT_READERS: frozenset(["reports.view_report", "surveys.view_consultation"]),
}

PERSONAL_DATA_PERMISSION = "surveys.view_personal_data"
REVIEW_PERMISSION = "surveys.review_submission"
# Held by Consultation editors alone (and superusers): they also write the conclusions.
EDITOR_PERMISSION = "surveys.change_consultation"
ENTER_PERMISSION = "surveys.enter_submission"
LICENCE_REGISTER_PERMISSION = "surveys.manage_licence_register"
IMPORT_PERMISSION = "surveys.import_submissions"


def can_view_personal_data(user: Any) -> bool:
    """Whether ``user`` may see respondents' names, email and network addresses."""
    return bool(user.is_active and user.has_perm(PERSONAL_DATA_PERMISSION))


def can_review(user: Any) -> bool:
    """Whether ``user`` may change review status, notes, theme tags and campaign groups."""
    return bool(user.is_active and user.has_perm(REVIEW_PERMISSION))


def can_enter(user: Any) -> bool:
    """Whether ``user`` may enter a response received by email, post or fax for a respondent."""
    return bool(user.is_active and user.has_perm(ENTER_PERMISSION))


def can_import(user: Any) -> bool:
    """Whether ``user`` may import responses in bulk (and download the import template)."""
    return bool(user.is_active and user.has_perm(IMPORT_PERMISSION))


def can_read_attachments(user: Any) -> bool:
    """Position papers name their authors: reviewers, who read them to review and code the
    responses, and superusers. Editors see how questions were answered, never who answered."""
    return can_review(user)


def can_manage_licence_register(user: Any) -> bool:
    """Whether ``user`` may upload a public register of licensed firms (replacing the last)."""
    return bool(user.is_active and user.has_perm(LICENCE_REGISTER_PERMISSION))


def can_export(user: Any) -> bool:
    """Exports carry every answer of a consultation: reviewers and superusers only."""
    return can_review(user)


def roles_sync(
    *, apps: Any = global_apps, mapping: dict[str, frozenset[str]] | None = None
) -> dict[str, int]:
    """Create the role groups and give each exactly the permissions of ``mapping``.

    ``apps`` is the app registry to use: a migration passes its historical one. Permissions a
    group holds beyond the mapping are removed, so running this twice changes nothing. A name in
    the mapping without a matching permission raises ``LookupError`` rather than being skipped:
    a role silently missing a permission would be found only when someone is refused.
    Returns the number of permissions each group now holds.
    """
    mapping = ROLE_PERMISSIONS if mapping is None else mapping
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    wanted = {name for names in mapping.values() for name in names}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.filter(
            content_type__app_label__in={name.split(".", 1)[0] for name in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise LookupError(f"Permissions not found: {', '.join(missing)}")
    counts = {}
    for group_name, names in mapping.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        group.permissions.set([found[name] for name in names])
        counts[group_name] = len(names)
    return counts
