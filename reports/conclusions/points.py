"""Points raised and the regulator's disposition of each.

A point raised is a staff theme coded on the answers of at least ``DISPOSITION_MIN_RESPONDENTS``
respondents to a question, or on the answer of any licensed firm (when the report splits the
question by licence status). Each must have a recorded disposition (adopted, adopted with
changes, not adopted, noted) with its reason in English and Chinese before the conclusions are
published; the conclusions edition lists them in an annex "Points raised and our response".
The counts are the report's: a point is what the figures staff publish say was raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from reports.models import Disposition, Outcome
from surveys.models import Consultation


@dataclass(frozen=True)
class PointRaised:
    code: str  # the question's code
    theme_id: int
    name_en: str
    name_zh: str
    count: int  # respondents whose answer is coded with it
    licensed: int  # of them, licensed firms (0 when the report has no licence split)


@dataclass(frozen=True)
class PointState:
    point: PointRaised
    disposition: Disposition | None

    @property
    def decided(self) -> bool:
        return (
            self.disposition is not None
            and bool(self.disposition.reason_en.strip())
            and bool(self.disposition.reason_zh.strip())
        )


def _licensed(question: Mapping[str, Any], theme_id: int) -> int:
    """Respondents of the licensed-firm row of the question's licence split coded with the
    theme; 0 without such a split."""
    split = question.get("by_licence") or {}
    row = split.get("licensed") if isinstance(split, Mapping) else None
    if not isinstance(row, Mapping):
        return 0
    themes = row.get("themes") or {}
    if isinstance(themes, list):
        # summary.json writes a subset's themes as [{"id": ..., "count": ...}] (render/json.py).
        return sum(int(item.get("count") or 0) for item in themes if item.get("id") == theme_id)
    return int(themes.get(str(theme_id), themes.get(theme_id, 0)) or 0)


def points_raised(
    *, summary: Mapping[str, Any], min_respondents: int | None = None
) -> list[PointRaised]:
    """The points raised of a report's summary.json, in question order, most raised first."""
    least = settings.DISPOSITION_MIN_RESPONDENTS if min_respondents is None else min_respondents
    points = []
    for question in summary.get("questions", []):
        themes = (question.get("free_text") or {}).get("themes") or []
        found = []
        for theme in themes:
            licensed = _licensed(question, theme["id"])
            if theme["count"] >= least or licensed > 0:
                found.append(
                    PointRaised(
                        code=question["code"],
                        theme_id=theme["id"],
                        name_en=theme["name"].get("en", ""),
                        name_zh=theme["name"].get("zh-hant", ""),
                        count=theme["count"],
                        licensed=licensed,
                    )
                )
        points += sorted(found, key=lambda point: (-point.count, point.name_en))
    return points


def points_state(*, consultation: Consultation, points: list[PointRaised]) -> list[PointState]:
    """Each point with its newest disposition (one query)."""
    latest: dict[tuple[str, int], Disposition] = {}
    for row in (
        Disposition.objects.filter(consultation=consultation)
        .select_related("question", "decided_by")
        .order_by("question_id", "theme_id", "-decided_at", "-pk")
    ):
        latest.setdefault((row.question.code, row.theme_id), row)
    return [PointState(point, latest.get((point.code, point.theme_id))) for point in points]


def points_undecided(states: list[PointState]) -> list[str]:
    """Readable lines for the points still without a disposition and its reasons."""
    return [
        gettext("%(code)s: “%(theme)s” (raised by %(n)s) has no disposition with its reasons.")
        % {"code": state.point.code, "theme": state.point.name_en, "n": state.point.count}
        for state in states
        if not state.decided
    ]


def points_annex(states: list[PointState], language: str) -> list[dict[str, Any]]:
    """The annex rows of the conclusions edition in ``language``."""
    chinese = language.lower().startswith("zh")
    rows = []
    for state in states:
        disposition = state.disposition
        if disposition is None:
            continue
        rows.append(
            {
                "code": state.point.code,
                "theme": (state.point.name_zh or state.point.name_en)
                if chinese
                else state.point.name_en,
                "count": state.point.count,
                "licensed": state.point.licensed,
                "outcome": Outcome(disposition.outcome).label,
                "reason": disposition.reason_zh if chinese else disposition.reason_en,
            }
        )
    return rows
