"""Shared fixtures. Factories live in tests/factories.py."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from surveys.demo.loader import demo_files, demo_load
from surveys.models import Consultation
from tests.shared_rows import module_rows, process_state_clear

# Fixtures that mean the test's data must be committed (other connections, threads or processes
# read it): such a test cannot run inside another fixture's open transaction.
_COMMITTED = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _commits(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    flags = ("transaction", "reset_sequences", "serialized_rollback")
    return bool(_COMMITTED & set(item.fixturenames)) or bool(
        marker and any(marker.kwargs.get(flag) for flag in flags)
    )


# First: pytest-xdist's own hook (on each worker) reads the ``xdist_group`` markers added here
# to make the groups, and runs before a hook without ``tryfirst``, seeing none of them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Two set-up savings, the same in a serial and a parallel run:

    - The tests of a module that take ``demo_consultations`` inside a transaction (``db``) share
      one load of the demo per module (``_demo_shared``, rolled back at the module's end; each
      test runs in a savepoint of it, rolled back after the test, as ``db`` always does). They
      run after the module's other tests, which therefore never see the shared demo. So do the
      tests of a module-scoped ``*_shared`` fixture of their module (``module_rows``: a
      published consultation, built reports): a test that makes its own consultation of the
      same demo slug never finds the shared one instead.
    - In parallel runs (``make test``: ``--dist loadgroup``), the tests of a module that share a
      module-scoped set-up of ours (a published consultation, rendered reports) run on one
      worker, which builds it once, instead of once on every worker that takes some of them;
      so do the tests of a package that share a package-scoped one (tests/api).
    """
    modules: dict[object, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(getattr(item, "module", None), []).append(item)
    ordered: list[pytest.Item] = []
    for module_items in modules.values():
        demo = [
            item
            for item in module_items
            if "demo_consultations" in getattr(item, "fixturenames", ()) and not _commits(item)
        ]
        for item in demo:
            if "_demo_shared" not in item.fixturenames:
                item.fixturenames.insert(0, "_demo_shared")
        shared = [item for item in module_items if item in demo or _shares_rows(item)]
        ordered += [item for item in module_items if item not in shared] + shared
    items[:] = ordered

    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        for definitions in info.name2fixturedefs.values():
            definition = definitions[-1]
            if definition.scope in ("module", "class", "package") and (
                definition.func.__module__.startswith("tests.")
            ):
                # A package's set-up (tests/api: one published consultation for its modules) is
                # built once for all the package's tests: they are one group.
                group = (
                    definition.func.__module__.removesuffix(".conftest")
                    if definition.scope == "package"
                    else item.module.__name__
                )
                item.add_marker(pytest.mark.xdist_group(group))
                break


def _shares_rows(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        name.endswith("_shared") and definitions[-1].scope == "module"
        for name, definitions in info.name2fixturedefs.items()
    )


def _demo_load_all() -> dict[str, Consultation]:
    loaded = {}
    for path in demo_files():
        consultation, _ = demo_load(path=Path(path))
        loaded[consultation.slug] = consultation
    return loaded


@pytest.fixture(scope="module")
def _demo_shared(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    """Both demo consultations loaded once for a module's tests (see above), in a transaction
    rolled back when they are done: their ids by slug."""
    with module_rows(django_db_blocker):
        yield {slug: consultation.pk for slug, consultation in _demo_load_all().items()}


@pytest.fixture
def demo_consultations(request, db) -> dict[str, Consultation]:
    """Both demo consultations, loaded from surveys/demo/ the way ``load_demo`` does."""
    if "_demo_shared" not in request.fixturenames:
        return _demo_load_all()
    # The same rows as the module's earlier tests (their changes rolled back): what this process
    # keeps by consultation id is dropped, as if the demo had just been loaded with new ids.
    process_state_clear()
    return {
        slug: Consultation.objects.get(pk=pk)
        for slug, pk in request.getfixturevalue("_demo_shared").items()
    }


@pytest.fixture
def private_storage_tmp(tmp_path, monkeypatch):
    """Respondents' attachments and staff-kept originals go to a temporary private folder."""
    from django.core.files.storage import FileSystemStorage

    from surveys.models import Attachment, OriginalDocument

    root = tmp_path / "private"
    for model in (Attachment, OriginalDocument):
        monkeypatch.setattr(
            model._meta.get_field("file"), "storage", FileSystemStorage(location=root)
        )
    return root


# --- Staff roles (surveys.roles; the groups come from the 0002_staff_roles migration) ----------


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory

    return UserFactory(username="editor", roles=["Consultation editors"])


@pytest.fixture
def reviewer(db):
    from tests.factories import UserFactory

    return UserFactory(username="reviewer", roles=["Reviewers"])


@pytest.fixture
def personal_reviewer(db):
    """A reviewer also granted ``surveys.view_personal_data``."""
    from tests.factories import UserFactory

    return UserFactory(
        username="reviewer_personal",
        roles=["Reviewers"],
        permissions=["surveys.view_personal_data"],
    )


@pytest.fixture
def report_reader(db):
    from tests.factories import UserFactory

    return UserFactory(username="report_reader", roles=["Report readers"])


@pytest.fixture
def staff_without_role(db):
    from tests.factories import UserFactory

    return UserFactory(username="staff_no_role")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="superuser", is_superuser=True)


@pytest.fixture
def sent(mailoutbox):
    """``sent()``: the emails sent so far, after the outbox's worker has sent every queued one
    (as ``outbox.tasks.send`` does once a change commits)."""
    from outbox.services import emails_send_due

    def deliver():
        emails_send_due()
        return mailoutbox

    return deliver


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request's language stays active in the test's thread after it (the test client runs
    views there); each test starts from the default, whatever the last one asked for."""
    from django.utils import translation

    yield
    translation.deactivate()
