"""``generate_responses``: plausible, valid and reproducible synthetic responses."""

import datetime as dt
import difflib
import json
import re
import threading
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from surveys.demo.draw import free_text
from surveys.demo.loader import demo_load
from surveys.demo.synthetic import responses_generate
from surveys.demo.vocabulary import CAMPAIGN_TEXTS, CATEGORY_PROFILES, TEXT_TEMPLATES
from surveys.journey.selectors import submission_answers
from surveys.journey.structure import answers_missing, answers_prune, journey_load
from surveys.models import (
    Answer,
    Consent,
    Consultation,
    Question,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    Submission,
)
from tests.factories import ConsultationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

AGREE_SCORE = {
    "strongly_agree": 2,
    "agree": 1,
    "neutral": 0,
    "disagree": -1,
    "strongly_disagree": -2,
}
RESPONDENT_FIELDS = (
    "reference",
    "state",
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "consent",
    "privacy_acknowledged",
    "language",
    "current_step",
    "created_at",
    "updated_at",
    "submitted_at",
    "review_status",
    "is_late",
)


def _label(text: str) -> dict[str, str]:
    return {"en": text, "zh-hant": f"{text}（中文）"}


def _question(code: str, kind: str, **extra: object) -> dict[str, object]:
    return {"code": code, "kind": kind, "text": _label(f"Question {code}?"), **extra}


def _choices(*values: str) -> list[dict[str, object]]:
    return [{"value": value, "label": _label(value)} for value in values]


def _paper(slug: str, opens_in_days: int, closes_in_days: int) -> dict[str, object]:
    """A small paper with every kind, a required free text and a chain of two conditions."""
    return {
        "slug": slug,
        "reference_prefix": "TST",
        "opens_in_days": opens_in_days,
        "closes_in_days": closes_in_days,
        "title": _label("Test consultation"),
        "summary": _label("Summary"),
        "body": _label("Body"),
        "sections": [
            {
                "title": _label("Scope"),
                "questions": [
                    _question("A1", "agree", required=True),
                    _question("A2", "multiple", choices=_choices("shop", "atm", "online", "none")),
                    _question("A3", "text", condition={"question": "A2", "choice": "online"}),
                    _question("A4", "yes_no_unsure"),
                    _question(
                        "A5",
                        "single",
                        required=True,
                        choices=_choices("sfc", "customs", "other"),
                        condition={"question": "A4", "choice": "yes"},
                    ),
                    _question("A6", "text", condition={"question": "A5", "choice": "other"}),
                ],
            },
            {
                "title": _label("Licensing"),
                "questions": [
                    _question(
                        "B1",
                        "single",
                        required=True,
                        choices=_choices("too_low", "about_right", "too_high", "no_view"),
                    ),
                    _question("B2", "number", min_value=0, max_value=500),
                    _question("B3", "number", min_value=1000, max_value=100_000_000),
                    _question("B4", "text", max_length=60),
                    _question("B5", "agree"),
                    _question("B6", "text", required=True),
                ],
            },
        ],
    }


def _load(tmp_path: Path, slug: str, opens_in_days: int, closes_in_days: int) -> Consultation:
    path = tmp_path / f"{slug}.json"
    path.write_text(json.dumps(_paper(slug, opens_in_days, closes_in_days)), encoding="utf-8")
    consultation, _ = demo_load(path=path)
    return consultation


@pytest.fixture
def consultation(tmp_path) -> Consultation:
    """A consultation that closed ten days ago."""
    return _load(tmp_path, "closed-paper", -100, -10)


@pytest.fixture
def open_consultation(tmp_path) -> Consultation:
    return _load(tmp_path, "open-paper", -30, 30)


def _snapshot(consultation: Consultation) -> tuple[list[tuple], list[tuple]]:
    """Everything generated, as plain tuples keyed by stable values (no ids)."""
    submissions = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("reference")
        .values_list(*RESPONDENT_FIELDS)
    )
    answers = list(
        Answer.objects.filter(consultation=consultation)
        .order_by("submission__reference", "question__order", "choice__order")
        .values_list(
            "submission__reference",
            "question__code",
            "choice__value",
            "multiple",
            "text",
            "number",
        )
    )
    return submissions, answers


def _reset(consultation: Consultation) -> None:
    Answer.objects.filter(consultation=consultation).delete()
    Submission.objects.filter(consultation=consultation).delete()
    Consultation.objects.filter(pk=consultation.pk).update(last_reference_number=0)
    consultation.refresh_from_db()


def _answers_by_submission(consultation: Consultation) -> dict[str, dict[str, list[Answer]]]:
    grouped: dict[str, dict[str, list[Answer]]] = defaultdict(lambda: defaultdict(list))
    rows = Answer.objects.filter(submission__consultation=consultation).select_related(
        "submission", "question", "choice"
    )
    for answer in rows:
        grouped[answer.submission.reference][answer.question.code].append(answer)
    return grouped


def _assert_valid_answers(consultation: Consultation) -> None:
    """The answer rows obey the questionnaire, the database rules and the form's own rules."""
    questions = list(Question.objects.filter(consultation=consultation).order_by("order"))
    assert (
        Answer.objects.filter(submission__consultation=consultation)
        .exclude(consultation=consultation)
        .count()
        == 0
    )
    grouped = _answers_by_submission(consultation)
    references = Submission.objects.filter(consultation=consultation).values_list(
        "reference", flat=True
    )
    hidden = shown = skipped = optional = 0
    for reference in references:
        answers = grouped.get(reference, {})
        values: dict[str, object] = {}
        for question in questions:
            rows = answers.get(question.code, [])
            if question.condition_question_id:
                parent = question.condition_question
                wanted = question.condition_choice.value
                given = values.get(parent.code)
                holds = wanted in given if isinstance(given, list) else given == wanted
                if not holds:
                    hidden += 1
                    assert not rows, f"{reference} answered hidden {question.code}"
                    continue
                shown += 1
            if question.required:
                assert rows, f"{reference} left required {question.code} unanswered"
            else:
                optional += 1
                skipped += not rows
            if not rows:
                continue
            for row in rows:
                assert row.multiple == (question.kind == QuestionKind.MULTIPLE)
                if question.is_closed:
                    assert row.choice is not None and row.choice.question_id == question.pk
                    assert row.text == "" and row.number is None
                else:
                    assert row.choice is None
            if question.kind == QuestionKind.MULTIPLE:
                picked = [row.choice.value for row in rows]
                assert 1 <= len(picked) <= 3 and len(set(picked)) == len(picked)
                assert "none" not in picked or picked == ["none"]
                values[question.code] = picked
                continue
            assert len(rows) == 1, f"{reference} has {len(rows)} rows for {question.code}"
            row = rows[0]
            if question.is_closed:
                values[question.code] = row.choice.value
            elif question.kind == QuestionKind.NUMBER:
                assert row.number is not None and row.text == ""
                assert question.min_value <= row.number <= question.max_value
            else:
                assert row.number is None
                assert 0 < len(row.text) <= question.max_length
    assert hidden > 0 and shown > 0, "no conditional question was both shown and hidden"
    assert 0.03 < skipped / optional < 0.25

    # The form's own rules agree: nothing to prune, nothing required missing.
    journey = journey_load(consultation=consultation)
    for submission in Submission.objects.filter(consultation=consultation)[:50]:
        answers = submission_answers(submission=submission)
        assert answers_prune(answers=answers, journey=journey) == answers
        assert answers_missing(answers=answers, journey=journey) == []


def test_same_seed_on_the_same_data_gives_identical_responses(consultation):
    responses_generate(consultation=consultation, count=120, seed=11, batch_size=50)
    first = _snapshot(consultation)
    _reset(consultation)
    responses_generate(consultation=consultation, count=120, seed=11, batch_size=50)
    second = _snapshot(consultation)
    assert len(first[0]) == 120 and len(first[1]) > 120 * 5
    assert second == first


def test_different_seeds_give_different_responses(consultation):
    responses_generate(consultation=consultation, count=60, seed=1)
    first = _snapshot(consultation)
    _reset(consultation)
    responses_generate(consultation=consultation, count=60, seed=2)
    second = _snapshot(consultation)
    assert [row[0] for row in first[0]] == [row[0] for row in second[0]]  # same references
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_answers_follow_the_questionnaire(consultation):
    assert responses_generate(consultation=consultation, count=300, seed=3, batch_size=128) == 300
    _assert_valid_answers(consultation)
    # Free text longer than a question allows is cut to fit.
    b4 = Answer.objects.filter(consultation=consultation, question__code="B4")
    assert b4.exists() and max(len(text) for text in b4.values_list("text", flat=True)) == 60


@pytest.mark.parametrize("slug", ["va-otc-dealing", "va-custody"])
def test_demo_consultations_get_valid_answers(demo_consultations, slug):
    consultation = demo_consultations[slug]
    responses_generate(consultation=consultation, count=150, seed=5)
    _assert_valid_answers(consultation)
    kinds_answered = set(
        Answer.objects.filter(consultation=consultation).values_list("question__kind", flat=True)
    )
    kinds_asked = set(consultation.questions.values_list("kind", flat=True))
    assert kinds_answered == kinds_asked


def test_respondents_are_a_plausible_mix(consultation):
    responses_generate(consultation=consultation, count=300, seed=4)
    submissions = list(Submission.objects.filter(consultation=consultation))
    types = Counter(s.respondent_type for s in submissions)
    assert 0.45 < types[RespondentType.INDIVIDUAL] / 300 < 0.75
    assert types[RespondentType.ORGANISATION] > 0
    categories = Counter(s.category for s in submissions)
    assert categories.most_common(1)[0][0] == RespondentCategory.PUBLIC
    assert len(categories) >= 8
    consents = Counter(s.consent for s in submissions)
    assert 0.08 < consents[Consent.CONFIDENTIAL] / 300 < 0.28
    assert consents[Consent.NAME_AND_RESPONSE] > 0 and consents[Consent.RESPONSE_ONLY] > 0
    assert 0.2 < sum(s.language == "zh-hant" for s in submissions) / 300 < 0.5
    assert len({s.contact_name for s in submissions}) > 250
    assert any(re.search(r"[\u4e00-\u9fff]", s.contact_name) for s in submissions)
    assert any(re.fullmatch(r"[A-Za-z' -]+", s.contact_name) for s in submissions)
    for s in submissions:
        assert s.state == "submitted" and s.review_status == "new" and s.privacy_acknowledged
        assert s.campaign_group_id is None and not s.is_late
        assert re.fullmatch(r"[a-z0-9.]+@[a-z0-9.]+", s.email), s.email
        domain = s.email.rsplit("@", 1)[1]
        assert re.fullmatch(r"([a-z0-9]+\.)?example\.(com|hk|net|org)|mail\.example\.com", domain)
        if s.respondent_type == RespondentType.ORGANISATION:
            assert s.organisation_name and s.category != RespondentCategory.PUBLIC
        else:
            assert s.organisation_name == ""
        assert bool(s.category_other) == (s.category == RespondentCategory.OTHER)
    organisations = [s.organisation_name for s in submissions if s.organisation_name]
    assert len(set(organisations)) > 0.9 * len(organisations)


def test_every_category_has_a_profile():
    assert {p.category for p in CATEGORY_PROFILES} == set(RespondentCategory.values)


def test_industry_disagrees_more_than_consumers_and_banks(consultation):
    responses_generate(consultation=consultation, count=600, seed=6)
    scores: dict[str, list[int]] = defaultdict(list)
    rows = Answer.objects.filter(
        consultation=consultation, question__kind=QuestionKind.AGREE
    ).values_list("submission__category", "choice__value")
    for category, value in rows:
        scores[category].append(AGREE_SCORE[value])
    industry = scores["otc_shop"] + scores["online_platform"]
    supporters = scores["consumer_group"] + scores["bank"] + scores["licensed_platform"]
    assert len(industry) > 30 and len(supporters) > 30
    assert np.mean(supporters) - np.mean(industry) > 1.0
    assert np.mean(scores["public"]) > np.mean(industry) + 0.5


def test_submission_times_lie_in_a_closed_consultation_and_rise_with_references(consultation):
    responses_generate(consultation=consultation, count=200, seed=7)
    rows = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("reference")
        .values_list("created_at", "updated_at", "submitted_at")
    )
    for created_at, updated_at, submitted_at in rows:
        assert consultation.opens_at <= created_at <= updated_at <= submitted_at
        assert submitted_at < consultation.closes_at
        assert submitted_at.microsecond == 0
    submitted = [row[2] for row in rows]
    assert submitted == sorted(submitted)
    assert submitted[-1] - submitted[0] > (consultation.closes_at - consultation.opens_at) / 2


def test_open_consultation_gets_times_in_the_first_80_percent(open_consultation):
    responses_generate(consultation=open_consultation, count=100, seed=8)
    span = open_consultation.closes_at - open_consultation.opens_at
    latest = Submission.objects.filter(consultation=open_consultation).latest("submitted_at")
    assert latest.submitted_at <= open_consultation.opens_at + span * 0.8


def _campaign_patterns() -> dict[tuple[str, str], re.Pattern[str]]:
    """One regex per standard text: any of its word variants, optionally signed."""
    patterns = {}
    for key, (template, strongly, urge) in CAMPAIGN_TEXTS.items():
        escaped = re.escape(template).replace(r"\{strongly\}", "{strongly}")
        escaped = escaped.replace(r"\{urge\}", "{urge}")
        regex = escaped.format(
            strongly="(?:" + "|".join(map(re.escape, strongly)) + ")",
            urge="(?:" + "|".join(map(re.escape, urge)) + ")",
        )
        patterns[key] = re.compile(regex + r"(?:\n\n.+)?", re.DOTALL)
    return patterns


def _campaign_members(consultation: Consultation) -> dict[str, set[str]]:
    """Reference -> the standard texts its free-text answers match (empty when none)."""
    patterns = _campaign_patterns()
    members: dict[str, set[str]] = defaultdict(set)
    rows = Answer.objects.filter(consultation=consultation, question__kind="text").values_list(
        "submission__reference", "text"
    )
    for reference, text in rows:
        for key, pattern in patterns.items():
            if pattern.fullmatch(text):
                members[reference].add(key)
    return members


def test_campaign_signers_share_a_near_identical_text_and_stance(consultation):
    responses_generate(consultation=consultation, count=200, seed=9)
    members = _campaign_members(consultation)
    assert 6 <= len(members) <= 14  # about 5 % of 200
    answers = _answers_by_submission(consultation)
    by_campaign: dict[str, list[str]] = defaultdict(list)
    for reference, keys in members.items():
        assert len(keys) == 1
        # Every free text they wrote is the standard text, with a word or a signature changed.
        texts = [a.text for code in ("B4", "B6") for a in answers[reference].get(code, [])]
        assert texts and all(len(text) > 50 for text in texts)
        by_campaign[next(iter(keys))].append(reference)
    for references in by_campaign.values():
        texts = [answers[r]["B6"][0].text for r in references]
        for text in texts[1:]:
            assert difflib.SequenceMatcher(None, texts[0], text).ratio() > 0.85
        agree = Counter(answers[r]["A1"][0].choice.value for r in references)
        assert agree.most_common(1)[0][1] >= 0.7 * len(references)
    assert Submission.objects.filter(campaign_group__isnull=False).count() == 0


def test_no_campaign_below_twenty_responses(consultation):
    responses_generate(consultation=consultation, count=19, seed=9)
    assert not _campaign_members(consultation)


def test_references_continue_after_existing_ones(consultation):
    Consultation.objects.filter(pk=consultation.pk).update(last_reference_number=41)
    SubmissionFactory(consultation=consultation, reference="TST-000041", submitted=True)
    responses_generate(consultation=consultation, count=30, seed=1)
    assert consultation.last_reference_number == 71
    responses_generate(consultation=consultation, count=10, seed=1)
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 81
    references = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    assert references == [f"TST-{n:06d}" for n in range(41, 82)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_generators_never_share_a_reference(tmp_path):
    if connection.vendor != "postgresql":
        # SQLite's shared-cache in-memory test database fails concurrent writers at once
        # ("database table is locked") instead of making them wait.
        pytest.skip("concurrent writers need PostgreSQL")
    consultation = _load(tmp_path, "concurrent-paper", -100, -10)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def generate(seed: int) -> None:
        try:
            start.wait()
            own = Consultation.objects.get(pk=consultation.pk)
            responses_generate(consultation=own, count=120, seed=seed, batch_size=40)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate, args=(seed,)) for seed in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = sorted(
        Submission.objects.filter(consultation=consultation).values_list("reference", flat=True)
    )
    assert references == [f"TST-{n:06d}" for n in range(1, 361)]
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 360


def test_free_text_templates_fill_every_slot_in_both_languages():
    rng = np.random.default_rng(0)
    for language in ("en", "zh-hant"):
        assert len(TEXT_TEMPLATES[language]) >= 8
        texts = set()
        for template in range(len(TEXT_TEMPLATES[language])):
            for stance in range(3):
                draw = rng.integers(0, 1 << 30, 9)
                draw[0] = template
                for organisation in (False, True):
                    text = free_text(
                        draw,
                        stance=stance,
                        language=language,
                        organisation=organisation,
                        max_length=2000,
                    )
                    assert "{" not in text and "}" not in text
                    has_chinese = bool(re.search(r"[\u4e00-\u9fff]", text))
                    assert has_chinese == (language == "zh-hant")
                    texts.add(text)
        assert len(texts) == len(TEXT_TEMPLATES[language]) * 3 * 2


def test_command_reports_what_it_made_and_can_skip_a_consultation_with_responses(consultation):
    out = StringIO()
    call_command(
        "generate_responses", consultation.slug, "--count", "25", "--seed", "3", stdout=out
    )
    assert "created 25 submitted responses (TST-000001 to TST-000025) with seed 3" in out.getvalue()
    out = StringIO()
    call_command("generate_responses", consultation.slug, "--count", "25", "--if-empty", stdout=out)
    assert "already has responses" in out.getvalue()
    assert Submission.objects.filter(consultation=consultation).count() == 25
    with pytest.raises(CommandError):
        call_command("generate_responses", "no-such-paper", "--count", "5")
    with pytest.raises(CommandError):
        call_command("generate_responses", consultation.slug, "--count", "0")


def test_command_refuses_a_database_with_real_responses_unless_forced(consultation):
    call_command("generate_responses", consultation.slug, "--count", "5", "--seed", "1")
    # Generated responses (and factory-made ones at example domains) are not real ...
    call_command("generate_responses", consultation.slug, "--count", "5", "--seed", "2")
    assert Submission.objects.filter(consultation=consultation).count() == 10
    # ... one from a real address is, and so is one whose address was erased.
    other = ConsultationFactory(reference_prefix="REAL")
    SubmissionFactory(consultation=other, reference="REAL-000001", email="chan@harbour.hk")
    with pytest.raises(CommandError, match="holds 1 real responses"):
        call_command("generate_responses", consultation.slug, "--count", "5", "--seed", "3")
    SubmissionFactory(consultation=other, reference="REAL-000002", email="")
    with pytest.raises(CommandError, match="holds 2 real responses"):
        call_command("generate_responses", consultation.slug, "--count", "5", "--seed", "3")
    assert Submission.objects.filter(consultation=consultation).count() == 10
    call_command("generate_responses", consultation.slug, "--count", "5", "--seed", "3", "--force")
    assert Submission.objects.filter(consultation=consultation).count() == 15


def test_command_without_seed_prints_the_seed_it_chose(consultation):
    out = StringIO()
    call_command("generate_responses", consultation.slug, "--count", "5", stdout=out)
    seed = int(re.search(r"with seed (\d+)", out.getvalue()).group(1))
    first = _snapshot(consultation)
    _reset(consultation)
    responses_generate(consultation=consultation, count=5, seed=seed)
    assert _snapshot(consultation) == first


def test_timestamps_of_an_open_consultation_are_never_in_the_future(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=40, seed=3)
    latest = consultation.submissions.order_by("-submitted_at").first().submitted_at
    assert consultation.opens_at <= latest <= timezone.now()


def test_an_upcoming_consultation_cannot_get_responses():
    upcoming = ConsultationFactory(
        opens_at=timezone.now() + dt.timedelta(days=2),
        closes_at=timezone.now() + dt.timedelta(days=9),
    )
    with pytest.raises(CommandError, match="has not opened"):
        call_command("generate_responses", upcoming.slug, "--count", "5", stdout=StringIO())
