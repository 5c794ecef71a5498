"""Staff roles: the groups the migration creates, their permissions, the checks built on them."""

import importlib

import pytest
from django.contrib.auth.models import Group

from surveys import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def latest_roles_migration() -> str:
    """The last migration that froze the role mapping (each change of roles.py adds one)."""
    from pathlib import Path

    folder = Path(importlib.import_module("surveys.migrations").__file__).parent
    names = sorted(p.stem for p in folder.glob("0*.py"))
    return [n for n in names if "ROLE_PERMISSIONS" in (folder / f"{n}.py").read_text()][-1]


def group_permissions() -> dict[str, set[str]]:
    return {
        group.name: {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        for group in Group.objects.filter(name__in=roles.ROLE_PERMISSIONS)
    }


# The last migration that synced the roles (0002 created them; 0018 gave reviewers everything the
# intake, licensing and import migrations gave them one at a time).
LATEST_ROLES = latest_roles_migration()


def test_the_migrations_create_the_three_roles_with_their_permissions():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # Run against the models as they stood at each migration, the way ``migrate`` runs it.
    loader = MigrationExecutor(connection).loader
    Group.objects.filter(name__in=roles.ROLE_PERMISSIONS).delete()
    first = importlib.import_module("surveys.migrations.0002_staff_roles")
    first.create_roles(loader.project_state(("surveys", "0002_staff_roles")).apps, None)
    assert group_permissions() == {name: set(p) for name, p in first.ROLE_PERMISSIONS.items()}
    latest = importlib.import_module(f"surveys.migrations.{LATEST_ROLES}")
    state = loader.project_state(("surveys", LATEST_ROLES))
    latest.sync_roles(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in roles.ROLE_PERMISSIONS.items()}
    latest.sync_roles_back(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in latest._BEFORE.items()}
    first.delete_roles(state.apps, None)
    assert group_permissions() == {}


def test_the_intake_migration_lets_reviewers_enter_responses_and_undoes_it():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state(("surveys", "0010_intake"))
    first = importlib.import_module("surveys.migrations.0002_staff_roles")
    migration = importlib.import_module("surveys.migrations.0010_intake")
    migration.roles_restore(state.apps, None)
    assert "surveys.enter_submission" not in group_permissions()[roles.REVIEWERS]
    migration.roles_update(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in migration.ROLE_PERMISSIONS.items()}
    assert "surveys.enter_submission" in group_permissions()[roles.REVIEWERS]
    migration.roles_restore(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in first.ROLE_PERMISSIONS.items()}


def test_the_latest_roles_migration_froze_the_same_mapping_as_roles_py():
    migration = importlib.import_module(f"surveys.migrations.{LATEST_ROLES}")
    assert migration.ROLE_PERMISSIONS == roles.ROLE_PERMISSIONS


def test_reviewers_alone_keep_the_licence_registers():
    holders = [
        name
        for name, names in roles.ROLE_PERMISSIONS.items()
        if roles.LICENCE_REGISTER_PERMISSION in names
    ]
    assert holders == [roles.REVIEWERS]
    assert roles.can_manage_licence_register(UserFactory(roles=[roles.REVIEWERS]))
    assert not roles.can_manage_licence_register(UserFactory(roles=[roles.EDITORS]))


def test_sync_restores_a_changed_group_and_changes_nothing_twice():
    roles.roles_sync()
    reviewers = Group.objects.get(name=roles.REVIEWERS)
    reviewers.permissions.clear()
    Group.objects.get(name=roles.REPORT_READERS).delete()
    assert roles.roles_sync() == {name: len(p) for name, p in roles.ROLE_PERMISSIONS.items()}
    once = group_permissions()
    roles.roles_sync()
    assert (
        group_permissions() == once == {name: set(p) for name, p in roles.ROLE_PERMISSIONS.items()}
    )


def test_sync_refuses_an_unknown_permission():
    with pytest.raises(LookupError, match="surveys.fly_submission"):
        roles.roles_sync(mapping={"Pilots": frozenset({"surveys.fly_submission"})})
    assert not Group.objects.filter(name="Pilots").exists()


def test_no_role_sees_personal_data():
    assert all(
        roles.PERSONAL_DATA_PERMISSION not in names for names in roles.ROLE_PERMISSIONS.values()
    )


@pytest.mark.parametrize(
    ("role", "review", "personal"),
    [
        (roles.EDITORS, False, False),
        (roles.REVIEWERS, True, False),
        (roles.REPORT_READERS, False, False),
    ],
)
def test_checks_follow_the_roles(role, review, personal):
    user = UserFactory(roles=[role])
    assert roles.can_review(user) is review
    assert roles.can_enter(user) is review
    assert roles.can_export(user) is review
    assert roles.can_view_personal_data(user) is personal


def test_personal_data_is_granted_one_by_one_and_ends_with_the_account():
    user = UserFactory(roles=[roles.REVIEWERS], permissions=[roles.PERSONAL_DATA_PERMISSION])
    assert roles.can_view_personal_data(user)
    user.is_active = False
    assert not roles.can_view_personal_data(user)
    assert not roles.can_review(user)


def test_only_consultation_editors_hold_the_permission_that_makes_an_editor():
    holders = [
        name for name, names in roles.ROLE_PERMISSIONS.items() if roles.EDITOR_PERMISSION in names
    ]
    assert holders == [roles.EDITORS]
