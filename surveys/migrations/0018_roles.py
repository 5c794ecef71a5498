"""The role groups with every permission the migrations before this one gave them one at a time.

0010_intake (entering responses received by email, post or fax), 0016_licensing (the registers of
licensed firms) and 0017_submission_imports (bulk imports) each synced the groups to 0002's
mapping plus their own permissions; this one syncs them to all of it, frozen here as
``surveys/roles.py`` stands (tests/surveys/test_roles.py checks that they agree). Reversed, the
groups go back to 0017's mapping.
"""

import importlib

from django.contrib.auth.management import create_permissions
from django.db import migrations

from surveys.roles import roles_sync

_BEFORE = importlib.import_module("surveys.migrations.0017_submission_imports").ROLE_PERMISSIONS
_ROLES_0002 = importlib.import_module("surveys.migrations.0002_staff_roles").ROLE_PERMISSIONS
ROLE_PERMISSIONS = {
    **_ROLES_0002,
    "Reviewers": _ROLES_0002["Reviewers"]
    | frozenset(
        [
            "surveys.enter_submission",
            "surveys.manage_licence_register",
            "surveys.view_registerupload",
            "surveys.view_registerentry",
            "surveys.view_submissionimport",
            "surveys.import_submissions",
        ]
    ),
}


def sync_roles(apps, schema_editor):
    for label in ("auth", "surveys", "reports"):
        app_config = apps.get_app_config(label)
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    roles_sync(apps=apps, mapping=ROLE_PERMISSIONS)


def sync_roles_back(apps, schema_editor):
    roles_sync(apps=apps, mapping=_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0017_submission_imports")]

    operations = [migrations.RunPython(sync_roles, sync_roles_back)]
