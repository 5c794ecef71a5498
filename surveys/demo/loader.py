"""Loads a consultation described by a JSON data file (see ``surveys/demo/``) into the database.

Idempotent: rows are matched on stable keys (slug, section order, question code, choice value) and
only written when a value differs, so loading the same file twice changes nothing. Opening and
closing dates are relative to the day of the first load and are not moved by later loads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.utils import timezone

from surveys.models import Choice, Consultation, Question, QuestionKind, Section
from surveys.scales import STANDARD_CHOICES

DEMO_DIR = Path(__file__).resolve().parent
HKT = ZoneInfo("Asia/Hong_Kong")

_M = TypeVar("_M", bound=models.Model)


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    created_pks: set[int] = field(default_factory=set)

    def count(self, bucket: dict[str, int], model: type[models.Model]) -> None:
        bucket[model.__name__] = bucket.get(model.__name__, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(
    model: type[_M], result: LoadResult, lookup: dict[str, Any], values: dict[str, Any]
) -> _M:
    obj = model._default_manager.filter(**lookup).first()  # ``objects``, on each of these models
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        result.count(result.created, model)
        if model is Question:
            result.created_pks.add(obj.pk)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.count(result.updated, model)
    return obj


def _pair(data: Mapping[str, Any], key: str) -> dict[str, str]:
    texts = data.get(key) or {}
    return {f"{key}_en": texts.get("en", ""), f"{key}_zh": texts.get("zh-hant", "")}


def _hkt_day_boundary(today: dt.date, days: int, *, closing: bool) -> dt.datetime:
    """Opening at 00:00 HKT, closing at 23:59 HKT on the day ``days`` from ``today``."""
    day = today + dt.timedelta(days=days)
    clock = dt.time(23, 59) if closing else dt.time(0, 0)
    return dt.datetime.combine(day, clock, tzinfo=HKT)


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.json"))


@transaction.atomic
def demo_load(*, path: Path, today: dt.date | None = None) -> tuple[Consultation, LoadResult]:
    """Create or update the consultation in ``path``; return it and what changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = LoadResult()
    today = today or timezone.localdate()
    consultation = Consultation.objects.filter(slug=data["slug"]).first()
    values = {
        "reference_prefix": data["reference_prefix"],
        **_pair(data, "title"),
        **_pair(data, "summary"),
        **_pair(data, "body"),
        "accepts_late": data.get("accepts_late", False),
        "is_draft": False,
    }
    if consultation is None:
        values["opens_at"] = _hkt_day_boundary(today, data["opens_in_days"], closing=False)
        values["closes_at"] = _hkt_day_boundary(today, data["closes_in_days"], closing=True)
    consultation = _upsert(Consultation, result, {"slug": data["slug"]}, values)

    order = 0
    conditions: list[tuple[Question, dict[str, str]]] = []
    for section_number, section_data in enumerate(data["sections"], start=1):
        section = _upsert(
            Section,
            result,
            {"consultation": consultation, "order": section_number},
            {**_pair(section_data, "title"), **_pair(section_data, "intro")},
        )
        for question_data in section_data["questions"]:
            order += 1
            question = _load_question(consultation, section, order, question_data, result)
            if question_data.get("condition"):
                conditions.append((question, question_data["condition"]))

    # Conditions point at earlier questions and their choices, which all exist by now. Setting
    # them on a question created by this load is part of its creation, not an update.
    created_now = LoadResult()
    for question, condition in conditions:
        target = Question.objects.get(consultation=consultation, code=condition["question"])
        choice = target.choices.get(value=condition["choice"])
        _upsert(
            Question,
            created_now if question.pk in result.created_pks else result,
            {"pk": question.pk},
            {"condition_question_id": target.pk, "condition_choice_id": choice.pk},
        )
    return consultation, result


def _load_question(
    consultation: Consultation,
    section: Section,
    order: int,
    data: dict[str, Any],
    result: LoadResult,
) -> Question:
    kind = data["kind"]
    if kind not in QuestionKind.values:
        raise ValueError(f"{data['code']}: unknown question kind {kind!r}")
    values: dict[str, Any] = {
        "section": section,
        "order": order,
        "kind": kind,
        **_pair(data, "text"),
        **_pair(data, "help"),
        "required": data.get("required", False),
        "max_length": data.get("max_length", 2000),
        "min_value": data.get("min_value"),
        "max_value": data.get("max_value"),
    }
    question = _upsert(
        Question, result, {"consultation": consultation, "code": data["code"]}, values
    )
    if kind in STANDARD_CHOICES:
        choices = [
            {"value": value, "label": {"en": en, "zh-hant": zh}}
            for value, en, zh in STANDARD_CHOICES[kind]
        ]
    else:
        choices = data.get("choices", [])
    if question.is_closed and not choices:
        raise ValueError(f"{data['code']}: a {kind} question needs choices")
    for choice_order, choice_data in enumerate(choices, start=1):
        _upsert(
            Choice,
            result,
            {"question": question, "value": choice_data["value"]},
            {
                "order": choice_order,
                "exclusive": bool(choice_data.get("exclusive", False)),
                **_pair(choice_data, "label"),
            },
        )
    return question
