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


def test_the_migration_creates_the_three_roles_with_their_permissions():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # Run against the models as they stood at that migration, the way ``migrate`` runs it.
    state = MigrationExecutor(connection).loader.project_state(("surveys", "0002_staff_roles"))
    Group.objects.filter(name__in=roles.ROLE_PERMISSIONS).delete()
    migration = importlib.import_module("surveys.migrations.0002_staff_roles")
    migration.create_roles(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in migration.ROLE_PERMISSIONS.items()}
    migration.delete_roles(state.apps, None)
    assert group_permissions() == {}


def test_the_latest_roles_migration_gives_the_roles_their_permissions():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    name = latest_roles_migration()
    state = MigrationExecutor(connection).loader.project_state(("surveys", name))
    Group.objects.filter(name__in=roles.ROLE_PERMISSIONS).delete()
    importlib.import_module(f"surveys.migrations.{name}").create_roles(state.apps, None)
    assert group_permissions() == {name: set(p) for name, p in roles.ROLE_PERMISSIONS.items()}


def test_the_latest_roles_migration_froze_the_same_mapping_as_roles_py():
    migration = importlib.import_module(f"surveys.migrations.{latest_roles_migration()}")
    assert migration.ROLE_PERMISSIONS == roles.ROLE_PERMISSIONS


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
    assert roles.can_export(user) is review
    assert roles.can_view_personal_data(user) is personal


def test_personal_data_is_granted_one_by_one_and_ends_with_the_account():
    user = UserFactory(roles=[roles.REVIEWERS], permissions=[roles.PERSONAL_DATA_PERMISSION])
    assert roles.can_view_personal_data(user)
    user.is_active = False
    assert not roles.can_view_personal_data(user)
    assert not roles.can_review(user)
