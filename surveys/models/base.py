"""What the surveys models share: bilingual columns and the private file storage."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import translation


def private_storage() -> Storage:
    """Storage for files only views that check access may serve (see settings.STORAGES)."""
    return storages["private"]


class Bilingual(models.Model):
    """Mixin for models with ``<name>_en`` / ``<name>_zh`` column pairs."""

    class Meta:
        abstract = True

    def localized(self, name: str, language: str | None = None) -> str:
        language = language or translation.get_language() or "en"
        chinese = getattr(self, f"{name}_zh", "")
        english = getattr(self, f"{name}_en", "")
        if language.lower().startswith("zh"):
            return chinese or english
        return english or chinese
