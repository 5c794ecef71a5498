"""Shared fixtures. Factories live in tests/factories.py."""

from pathlib import Path

import pytest

from surveys.demo.loader import demo_files, demo_load


@pytest.fixture
def demo_consultations(db) -> dict[str, object]:
    """Both demo consultations, loaded from surveys/demo/ the way ``load_demo`` does."""
    loaded = {}
    for path in demo_files():
        consultation, _ = demo_load(path=Path(path))
        loaded[consultation.slug] = consultation
    return loaded


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
