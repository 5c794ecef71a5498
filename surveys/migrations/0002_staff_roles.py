"""Create the staff role groups with their permissions (see surveys/roles.py).

The mapping is frozen here as it stood when this migration was written, so that the migration
means the same thing whenever it runs; a later change to ``surveys.roles.ROLE_PERMISSIONS`` needs
its own migration calling ``roles_sync`` again (tests/surveys/test_roles.py checks they agree).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from surveys.roles import roles_sync

_AUTHORING = ("consultation", "section", "question", "choice", "consultationdocument")

ROLE_PERMISSIONS = {
    "Consultation editors": frozenset(
        [f"surveys.{a}_{m}" for m in _AUTHORING for a in ("add", "change", "delete", "view")]
        + ["surveys.view_submission", "reports.view_report", "reports.add_report"]
    ),
    "Reviewers": frozenset(
        [f"surveys.view_{m}" for m in _AUTHORING]
        + [
            "surveys.view_submission",
            "surveys.review_submission",
            "surveys.view_theme",
            "surveys.add_theme",
            "surveys.change_theme",
            "surveys.view_campaigngroup",
            "surveys.change_campaigngroup",
            "surveys.view_reviewevent",
            "reports.view_report",
            "reports.add_report",
        ]
    ),
    "Report readers": frozenset(["reports.view_report", "surveys.view_consultation"]),
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for label in ("auth", "surveys", "reports"):
        app_config = apps.get_app_config(label)
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    roles_sync(apps=apps, mapping=ROLE_PERMISSIONS)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("surveys", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
