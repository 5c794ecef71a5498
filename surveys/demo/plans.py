"""What a run of the generator decides once: each question's stance parameters, the campaigns,
the submission window and when each respondent arrives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Prefetch
from django.utils import timezone

from surveys.demo.vocabulary import (
    CAMPAIGN_MIN_COUNT,
    CAMPAIGN_MIN_SIZE,
    CAMPAIGN_SHARE,
    OPT_OUT_VALUES,
)
from surveys.models import (
    Choice,
    Consultation,
    Question,
    QuestionKind,
    RespondentCategory,
)
from surveys.scales import STANDARD_CHOICES

# --- Plans: what is decided once per run ---------------------------------------------------------


@dataclass(frozen=True)
class QuestionPlan:
    """A question as the generator sees it, with its stance parameters for this run."""

    id: int
    kind: str  # agree / yes-no scales with non-standard choices are treated as single choice
    required: bool
    max_length: int
    choice_ids: tuple[int, ...]
    choice_values: tuple[str, ...]
    condition_question_id: int | None
    condition_choice_id: int | None
    min_value: int | None
    max_value: int | None
    loading: float  # how strongly the answer follows support
    offset: float  # overall popularity of agreeing / answering yes
    noise: float  # spread of individual opinion
    skip_factor: float  # free text is left blank more often than a tick box
    choice_base: np.ndarray  # popularity of each choice
    choice_slope: np.ndarray  # how each choice follows support
    number_centre: float  # where in the (log) range numbers cluster, 0..1


@dataclass(frozen=True)
class Campaign:
    stance: str  # "for" or "against"
    language: str
    category: str
    support: float


def questions_plan(consultation: Consultation, rng: np.random.Generator) -> list[QuestionPlan]:
    questions = (
        Question.objects.filter(consultation=consultation)
        .order_by("order")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
    )
    plans = []
    for question in questions:
        choices = list(question.choices.all())
        values = tuple(choice.value for choice in choices)
        kind = question.kind
        standard = STANDARD_CHOICES.get(kind)
        if standard is not None and set(values) != {value for value, _, _ in standard}:
            kind = QuestionKind.SINGLE
        n = len(values)
        opt_out = np.array([value in OPT_OUT_VALUES for value in values], dtype=bool)
        base = rng.normal(0.0, 0.6, n) - 1.3 * opt_out
        if kind == QuestionKind.MULTIPLE:
            slope = rng.normal(0.0, 0.8, n)
        else:
            # Earlier options count as more supportive (demo papers list the strictest first).
            position = np.linspace(1.0, -1.0, n) if n > 1 else np.zeros(n)
            slope = rng.uniform(0.6, 1.4) * position * ~opt_out
        plans.append(
            QuestionPlan(
                id=question.pk,
                kind=kind,
                required=question.required,
                max_length=question.max_length,
                choice_ids=tuple(choice.pk for choice in choices),
                choice_values=values,
                condition_question_id=question.condition_question_id,
                condition_choice_id=question.condition_choice_id,
                min_value=question.min_value,
                max_value=question.max_value,
                loading=float(rng.uniform(0.6, 1.2)),
                offset=float(rng.normal(0.2, 0.4)),
                noise=float(rng.uniform(0.6, 0.9)),
                skip_factor=2.5 if kind == QuestionKind.TEXT else 1.0,
                choice_base=base,
                choice_slope=slope,
                number_centre=float(rng.uniform(0.3, 0.55)),
            )
        )
    return plans


def campaigns_plan(count: int, rng: np.random.Generator) -> tuple[list[Campaign], list[int]]:
    """The campaigns of this run and how many respondents sign each."""
    if count < CAMPAIGN_MIN_COUNT:
        return [], []
    members = max(CAMPAIGN_MIN_SIZE, round(count * CAMPAIGN_SHARE))
    number = max(1, min(int(rng.integers(1, 4)), members // CAMPAIGN_MIN_SIZE))
    extra = rng.multinomial(members - CAMPAIGN_MIN_SIZE * number, rng.dirichlet(np.ones(number)))
    sizes = [CAMPAIGN_MIN_SIZE + int(n) for n in extra]
    campaigns = []
    for _ in range(number):
        against = bool(rng.random() < 0.5)
        stance = "against" if against else "for"
        categories = (RespondentCategory.PUBLIC, RespondentCategory.OTC_SHOP)
        category = categories[int(rng.random() < 0.3)] if against else RespondentCategory.PUBLIC
        language = "zh-hant" if rng.random() < 0.6 else "en"
        campaigns.append(Campaign(stance, language, category, -1.8 if against else 1.8))
    return campaigns, sizes


def submission_window(consultation: Consultation) -> tuple[dt.datetime, dt.timedelta]:
    """Start and length of the period submissions fall in, never later than now.

    A closed consultation is spread over its whole period. An open one ends at the start of
    today (HKT), so that a rerun the same day gives the same timestamps; on its first day, at the
    start of the current minute.
    """
    now = timezone.now()
    if consultation.opens_at >= now:
        raise ValueError(f"{consultation.slug} has not opened yet: it cannot have responses.")
    end = consultation.closes_at
    if end > now:
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        end = today if today > consultation.opens_at else now.replace(second=0, microsecond=0)
    return consultation.opens_at, end - consultation.opens_at


def arrival_plan(
    count: int, sizes: Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Time position (0..1 of the window) and campaign index (-1 none) of every respondent.

    Sorted by time, so references rise with the submission time. Most responses come towards the
    deadline; a campaign's signers arrive together over a few days.
    """
    members = sum(sizes)
    position = np.empty(count)
    campaign = np.full(count, -1, dtype=np.int64)
    start = 0
    for index, size in enumerate(sizes):
        centre = rng.uniform(0.3, 0.95)
        position[start : start + size] = rng.normal(centre, 0.03, size)
        campaign[start : start + size] = index
        start += size
    position[members:] = rng.beta(1.3, 0.8, count - members)
    position = np.clip(position, 0.0, 1.0 - 1e-9)
    order = np.argsort(position, kind="stable")
    return position[order], campaign[order]
