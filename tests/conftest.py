"""Shared fixtures. Factories live in tests/factories.py."""

from pathlib import Path

import pytest

from surveys.demo_loader import demo_files, demo_load


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
    """Respondents' attachments go to a temporary private folder for the test."""
    from django.core.files.storage import FileSystemStorage

    from surveys.models import Attachment

    root = tmp_path / "private"
    monkeypatch.setattr(
        Attachment._meta.get_field("file"), "storage", FileSystemStorage(location=root)
    )
    return root
