"""One batch of synthetic respondents and their answers, drawn as plain data (no database)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveys.demo.plans import Campaign, QuestionPlan
from surveys.demo.vocabulary import (
    CAMPAIGN_TEXTS,
    CATEGORY_OTHER_TEXTS,
    CATEGORY_PROFILES,
    CHINESE_SHARE,
    COMPANY_SUFFIXES,
    CONSENT_WEIGHTS,
    ENGLISH_GIVEN,
    EXCLUSIVE_VALUES,
    GIVEN_SYLLABLES,
    INDIVIDUAL_SHARE,
    NON_CHINESE_NAME_SHARE,
    ORGANISATION_MIDDLES,
    ORGANISATION_NOUNS,
    ORGANISATION_PREFIXES,
    ORGANISATION_TLDS,
    OTHER_GIVEN,
    OTHER_SURNAMES,
    PERSONAL_DOMAINS,
    SURNAMES,
    TEXT_REASONS,
    TEXT_SLOTS,
    TEXT_TEMPLATES,
    TEXT_VERBS,
)
from surveys.models import (
    QuestionKind,
    RespondentCategory,
    RespondentType,
)
from surveys.scales import STANDARD_CHOICES

# --- One batch: respondents and answers as plain data --------------------------------------------


@dataclass
class Respondents:
    """A batch of respondents as parallel arrays and lists (index = position in the batch)."""

    individual: np.ndarray
    in_campaign: np.ndarray
    category: list[str]
    language: list[str]
    support: np.ndarray
    noise_scale: np.ndarray  # campaign signers answer almost alike
    skip_rate: np.ndarray
    campaign_text: list[str | None]


@dataclass
class AnswerBlock:
    """The answers to one question from a whole batch."""

    slot: int  # the question's position in the paper (index into the plans)
    rows: np.ndarray  # respondents with a row, one entry per row
    choice_ids: np.ndarray | None = None  # closed kinds
    values: list[Any] | None = None  # texts or numbers
    multiple: bool = False


@dataclass
class AnswerRows:
    """Answer rows of a batch as columns, ordered by respondent then question."""

    position: list[int]  # respondent's index in the batch
    question_id: list[int]
    choice_id: list[int | None]
    multiple: list[bool]
    text: list[str]
    number: list[int | None]


def pick(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def person_name(draw: np.ndarray, chinese: bool) -> tuple[str, str]:
    """A contact name and an e-mail local part from a row of random integers."""
    if draw[0] % 100 < NON_CHINESE_NAME_SHARE * 100:
        given = OTHER_GIVEN[draw[1] % len(OTHER_GIVEN)]
        surname = OTHER_SURNAMES[draw[2] % len(OTHER_SURNAMES)]
        return f"{given} {surname}", f"{given}.{surname}".lower()
    surname_zh, surname = SURNAMES[draw[1] % len(SURNAMES)]
    first_zh, first = GIVEN_SYLLABLES[draw[2] % len(GIVEN_SYLLABLES)]
    second_zh, second = GIVEN_SYLLABLES[draw[3] % len(GIVEN_SYLLABLES)]
    english = ENGLISH_GIVEN[draw[4] % len(ENGLISH_GIVEN)]
    style = draw[5] % 4
    if chinese and draw[6] % 4:
        name = f"{surname_zh}{first_zh}{second_zh}"
    elif style == 0:
        name = f"{english} {surname}"
    elif style == 1:
        name = f"{surname} {first} {second}"
    elif style == 2:
        name = f"{english} {surname} {first}-{second.lower()}"
    else:
        name = f"{first}-{second.lower()} {surname}"
    if style in (0, 2):
        local = f"{english}.{surname}"
    elif draw[7] % 2:
        local = f"{first}{second}.{surname}"
    else:
        local = f"{first[0]}{second[0]}{surname}"
    if draw[8] % 5 < 2:
        local += str(draw[8] % 90 + 10)
    return name, local.lower()


def organisation_name_draw(draw: np.ndarray, category: str, chinese: bool) -> tuple[str, str]:
    """An invented organisation name and a domain label for its e-mail addresses."""
    prefix, prefix_zh = ORGANISATION_PREFIXES[draw[9] % len(ORGANISATION_PREFIXES)]
    middle, middle_zh = ORGANISATION_MIDDLES[draw[10] % len(ORGANISATION_MIDDLES)]
    nouns = ORGANISATION_NOUNS[category]
    noun, noun_zh, company = nouns[draw[11] % len(nouns)]
    suffix, suffix_zh = COMPANY_SUFFIXES[draw[12] % len(COMPANY_SUFFIXES)]
    if chinese:
        name = f"{prefix_zh}{middle_zh}{noun_zh}" + (suffix_zh if company else "")
    else:
        name = " ".join(part for part in (prefix, middle, noun, suffix if company else "") if part)
    label = re.sub(r"[^a-z0-9]", "", f"{prefix}{middle}{noun.split()[0]}".lower())
    return name, label


def respondents_draw(
    count: int, campaign_index: np.ndarray, campaigns: Sequence[Campaign], rng: np.random.Generator
) -> tuple[Respondents, list[dict[str, object]]]:
    """Who answers: the arrays the answers need, and the Submission fields about the respondent."""
    categories = [profile.category for profile in CATEGORY_PROFILES]
    in_campaign = campaign_index >= 0
    individual = (rng.random(count) < INDIVIDUAL_SHARE) | in_campaign
    by_individual = pick(rng, count, [p.individual_weight for p in CATEGORY_PROFILES])
    by_organisation = pick(rng, count, [p.organisation_weight for p in CATEGORY_PROFILES])
    category_index = np.where(individual, by_individual, by_organisation)
    chinese = rng.random(count) < CHINESE_SHARE
    consent_index = pick(rng, count, list(CONSENT_WEIGHTS.values()))
    means = np.array([profile.support for profile in CATEGORY_PROFILES])
    support = means[category_index] + rng.normal(0.0, 0.7, count)
    skip_rate = rng.beta(1.5, 12.0, count)  # about 11 % of optional questions on average
    draws = rng.integers(0, 1 << 30, size=(count, 16))

    category = [categories[i] for i in category_index]
    language = ["zh-hant" if flag else "en" for flag in chinese]
    campaign_text: list[str | None] = [None] * count
    noise_scale = np.where(in_campaign, 0.25, 1.0)
    fields: list[dict[str, object]] = []
    consents = list(CONSENT_WEIGHTS)
    for i in range(count):
        draw = draws[i]
        campaign = campaigns[campaign_index[i]] if in_campaign[i] else None
        if campaign is not None:
            category[i] = campaign.category
            language[i] = campaign.language
            support[i] = campaign.support
            skip_rate[i] = skip_rate[i] / 2
        is_chinese = language[i] == "zh-hant"
        contact_name, local = person_name(draw, is_chinese)
        organisation_name = ""
        if individual[i]:
            email = f"{local}@{PERSONAL_DOMAINS[draw[13] % len(PERSONAL_DOMAINS)]}"
        else:
            organisation_name, label = organisation_name_draw(
                draw, category[i], is_chinese and draw[14] % 5 < 3
            )
            email = f"{local}@{label}.{ORGANISATION_TLDS[draw[13] % len(ORGANISATION_TLDS)]}"
        category_other = ""
        if category[i] == RespondentCategory.OTHER:
            english, chinese_text = CATEGORY_OTHER_TEXTS[draw[15] % len(CATEGORY_OTHER_TEXTS)]
            category_other = chinese_text if is_chinese else english
        if campaign is not None:
            campaign_text[i] = campaign_text_draw(campaign, draw, contact_name)
        fields.append(
            {
                "respondent_type": (
                    RespondentType.INDIVIDUAL if individual[i] else RespondentType.ORGANISATION
                ),
                "category": category[i],
                "category_other": category_other,
                "organisation_name": organisation_name,
                "contact_name": contact_name,
                "email": email,
                "consent": consents[consent_index[i]],
                "language": language[i],
            }
        )
    respondents = Respondents(
        individual=individual,
        in_campaign=in_campaign,
        category=category,
        language=language,
        support=support,
        noise_scale=noise_scale,
        skip_rate=skip_rate,
        campaign_text=campaign_text,
    )
    return respondents, fields


def campaign_text_draw(campaign: Campaign, draw: np.ndarray, signer: str) -> str:
    """The campaign's standard text with a changed word or two and sometimes the signer's name."""
    template, strongly, urge = CAMPAIGN_TEXTS[(campaign.stance, campaign.language)]
    text = template.format(
        strongly=strongly[draw[2] % len(strongly)], urge=urge[draw[3] % len(urge)]
    )
    if draw[4] % 5 < 3:
        text += f"\n\n{signer}"
    return text


def free_text(
    draw: np.ndarray, *, stance: int, language: str, organisation: bool, max_length: int
) -> str:
    """One free-text answer: a template in the respondent's language with its slots filled.

    ``draw`` is a row of random non-negative integers (at least 9); ``stance`` is 0 against,
    1 mixed, 2 in favour.
    """
    slots = TEXT_SLOTS[language]
    templates = TEXT_TEMPLATES[language]
    verbs = TEXT_VERBS[language][stance]
    reasons = TEXT_REASONS[language][stance]
    start, middle, possessive = slots["pronouns"][int(organisation)]
    reason = reasons[draw[2] % len(reasons)]
    text: str = templates[draw[0] % len(templates)].format(
        We=start,
        we=middle,
        our=possessive,
        verb=verbs[draw[1] % len(verbs)],
        reason=reason,
        Reason=reason[:1].upper() + reason[1:],
        topic=slots["topic"][draw[3] % len(slots["topic"])],
        suggestion=slots["suggestion"][draw[4] % len(slots["suggestion"])],
        amount=slots["amount"][draw[5] % len(slots["amount"])],
        period=slots["period"][draw[6] % len(slots["period"])],
        years=draw[7] % 24 + 2,
    )
    closing = slots["closing"][draw[8] % len(slots["closing"])]
    if closing:
        text += slots["separator"] + closing.format(We=start, we=middle, our=possessive)
    return text[:max_length]


def round_significant(values: np.ndarray, digits: int = 2) -> np.ndarray:
    """People answer in round numbers: 37 200 becomes 37 000."""
    safe = np.maximum(np.abs(values), 1.0)
    scale = 10.0 ** (np.floor(np.log10(safe)) - (digits - 1))
    rounded: np.ndarray = np.round(values / scale) * scale
    return rounded


def numbers_draw(
    plan: QuestionPlan, respondents: Respondents, rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Plausible numbers inside the question's range: log-spread when it covers many decades."""
    low = plan.min_value if plan.min_value is not None else 0
    high = plan.max_value if plan.max_value is not None else max(low, 1) * 10_000
    n = len(rows)
    # Organisations give larger figures (staff, costs) than individuals.
    shift = np.where(respondents.individual[rows], -0.08, 0.08)
    if high > 100 * max(low, 1):
        bottom, top = math.log10(max(low, 1)), math.log10(high)
        centre = bottom + (plan.number_centre + shift) * (top - bottom)
        values = round_significant(10.0 ** rng.normal(centre, (top - bottom) / 10, n))
    else:
        centre = low + (plan.number_centre + shift) * (high - low)
        values = np.round(rng.normal(centre, (high - low) / 8, n))
    numbers: np.ndarray = np.clip(values, low, high).astype(np.int64)
    return numbers


def answers_draw(
    plans: Sequence[QuestionPlan], respondents: Respondents, rng: np.random.Generator
) -> AnswerRows:
    """Every answer row of a batch, question by question for all respondents at once."""
    count = len(respondents.support)
    single: dict[int, np.ndarray] = {}  # question id -> chosen choice index, -1 when unanswered
    selected: dict[int, np.ndarray] = {}  # multiple-choice question id -> (count, choices) mask
    blocks: list[AnswerBlock] = []
    agree_values = [value for value, _, _ in STANDARD_CHOICES[QuestionKind.AGREE]]
    for slot, plan in enumerate(plans):
        if plan.kind in QuestionKind.closed() and not plan.choice_ids:
            continue  # nothing to pick (the loader refuses such questions anyway)
        visible = np.ones(count, dtype=bool)
        if plan.condition_question_id is not None:
            visible = condition_holds(plan, plans, single, selected, count)
        skip = respondents.skip_rate * plan.skip_factor
        if plan.kind == QuestionKind.TEXT:
            skip = np.where(respondents.in_campaign, 0.0, skip)
        answered = visible & (plan.required | (rng.random(count) >= skip))
        noise = rng.normal(0.0, plan.noise, count) * respondents.noise_scale
        stance = plan.loading * respondents.support + plan.offset + noise
        rows = np.flatnonzero(answered)
        choice_ids = np.array(plan.choice_ids, dtype=np.int64)
        if plan.kind == QuestionKind.AGREE:
            level = np.digitize(-stance, [-1.2, -0.35, 0.45, 1.3])  # 0 strongly agree .. 4
            index = np.array([plan.choice_values.index(v) for v in agree_values])[level]
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.YES_NO_UNSURE:
            band = np.where(respondents.individual, 0.5, 0.3)  # individuals are less sure
            code = np.where(stance >= band, 0, np.where(stance <= -band, 1, 2))
            index = np.array([plan.choice_values.index(v) for v in ("yes", "no", "unsure")])[code]
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.SINGLE:
            logits = choice_logits(plan, respondents, rng)
            index = np.argmax(logits, axis=1)
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.MULTIPLE:
            mask = multiple_selection(plan, respondents, rng) & answered[:, None]
            selected[plan.id] = mask
            who, which = np.nonzero(mask)  # row-major: by respondent, then choice order
            blocks.append(AnswerBlock(slot, who, choice_ids[which], multiple=True))
        elif plan.kind == QuestionKind.NUMBER:
            numbers = numbers_draw(plan, respondents, rows, rng).tolist()
            blocks.append(AnswerBlock(slot, rows, values=numbers))
        else:
            blocks.append(
                AnswerBlock(slot, rows, values=texts_draw(plan, respondents, rows, stance, rng))
            )
    return rows_merge(plans, blocks)


def condition_holds(
    plan: QuestionPlan,
    plans: Sequence[QuestionPlan],
    single: dict[int, np.ndarray],
    selected: dict[int, np.ndarray],
    count: int,
) -> np.ndarray:
    """Who sees a conditional question: those whose earlier answer was the condition's choice."""
    target = next((p for p in plans if p.id == plan.condition_question_id), None)
    if target is None or plan.condition_choice_id not in target.choice_ids:
        return np.zeros(count, dtype=bool)
    index = target.choice_ids.index(plan.condition_choice_id)
    if target.id in selected:
        return selected[target.id][:, index].copy()
    if target.id in single:
        shown: np.ndarray = single[target.id] == index
        return shown
    # The condition names a later question (invalid data): never shown.
    return np.zeros(count, dtype=bool)


def choice_logits(
    plan: QuestionPlan, respondents: Respondents, rng: np.random.Generator
) -> np.ndarray:
    count = len(respondents.support)
    gumbel = rng.gumbel(0.0, 1.0, (count, len(plan.choice_ids)))
    logits: np.ndarray = (
        plan.choice_base[None, :]
        + respondents.support[:, None] * plan.choice_slope[None, :]
        + gumbel * respondents.noise_scale[:, None]
    )
    return logits


def multiple_selection(
    plan: QuestionPlan, respondents: Respondents, rng: np.random.Generator
) -> np.ndarray:
    """One to three choices each, the most attractive first; "none" only ever alone."""
    count, width = len(respondents.support), len(plan.choice_ids)
    logits = choice_logits(plan, respondents, rng)
    picks = np.round(2.0 + rng.normal(0.0, 0.8, count) * respondents.noise_scale)
    picks = np.clip(picks, 1, min(3, width)).astype(np.int64)
    rank = np.argsort(np.argsort(-logits, axis=1), axis=1)
    mask: np.ndarray = rank < picks[:, None]
    for index, value in enumerate(plan.choice_values):
        if value in EXCLUSIVE_VALUES:
            alone = mask[:, index] & (rank[:, index] == 0)
            mask[:, index] = alone  # "none" only counts when it is the first pick
            mask[alone] = False
            mask[alone, index] = True
    return mask


def texts_draw(
    plan: QuestionPlan,
    respondents: Respondents,
    rows: np.ndarray,
    stance: np.ndarray,
    rng: np.random.Generator,
) -> list[str]:
    draws = rng.integers(0, 1 << 30, size=(len(rows), 9))
    levels = np.digitize(stance[rows], [-0.3, 0.3])  # 0 against, 1 mixed, 2 in favour
    texts = []
    for draw, row, level in zip(draws, rows.tolist(), levels.tolist(), strict=True):
        campaign_text = respondents.campaign_text[row]
        if campaign_text is not None:
            texts.append(campaign_text[: plan.max_length])
            continue
        texts.append(
            free_text(
                draw,
                stance=level,
                language=respondents.language[row],
                organisation=not respondents.individual[row],
                max_length=plan.max_length,
            )
        )
    return texts


def rows_merge(plans: Sequence[QuestionPlan], blocks: Sequence[AnswerBlock]) -> AnswerRows:
    """Interleave the per-question blocks into rows ordered by respondent, then question."""
    if not blocks:
        return AnswerRows([], [], [], [], [], [])
    position = np.concatenate([block.rows for block in blocks])
    slot = np.concatenate([np.full(len(block.rows), block.slot) for block in blocks])
    choice = np.concatenate(
        [
            block.choice_ids if block.choice_ids is not None else np.full(len(block.rows), -1)
            for block in blocks
        ]
    )
    multiple = np.concatenate([np.full(len(block.rows), block.multiple) for block in blocks])
    values: list[Any] = []
    for block in blocks:
        values.extend(block.values if block.values is not None else [None] * len(block.rows))
    order = np.lexsort((slot, position))  # stable: keeps choice order within a question
    slots = slot[order].tolist()
    ordered_values = [values[i] for i in order.tolist()]
    is_text = [plans[n].kind == QuestionKind.TEXT for n in slots]
    return AnswerRows(
        position=position[order].tolist(),
        question_id=[plans[n].id for n in slots],
        choice_id=[None if c < 0 else c for c in choice[order].tolist()],
        multiple=multiple[order].tolist(),
        text=[v if t else "" for v, t in zip(ordered_values, is_text, strict=True)],
        number=[None if t else v for v, t in zip(ordered_values, is_text, strict=True)],
    )
