"""Test data for the question workbench: a closed consultation with its reports, a free-text
question whose answers carry two themes, and the known respondents' answers among them."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.models import (
    Answer,
    Consent,
    Consultation,
    LicenceStatus,
    Question,
    QuestionKind,
    RespondentCategory,
    Submission,
    Theme,
)
from tests.reports.conclusions.conclusions_data import closed_consultation, reports_build

NAMED_TEXT = "Licensing OTC shops protects consumers, but the capital requirement is too high."
CONFIDENTIAL_TEXT = "Our internal figures show the capital rule would close our shop."
CAMPAIGN_TEXT = "Keep capital low for small shops, as our campaign asks."


@dataclass
class Bench:
    consultation: Consultation
    question: Question
    capital: Theme
    fees: Theme
    capital_count: int  # counted respondents whose answer carries Capital
    known: dict[str, Submission]


def _answer(submission: Submission, question: Question, text: str) -> Answer:
    answer, _ = Answer.objects.update_or_create(
        submission=submission,
        question=question,
        multiple=False,
        defaults={"text": text, "consultation": submission.consultation},
    )
    return answer


def bench_build(*, count: int = 40, reports: bool = True) -> Bench:
    consultation, known = closed_consultation(count=count)
    question = Question.objects.filter(consultation=consultation, kind=QuestionKind.TEXT).first()
    assert question is not None
    capital = Theme.objects.create(consultation=consultation, name_en="Capital", name_zh="資本")
    fees = Theme.objects.create(consultation=consultation, name_en="Fees", name_zh="費用")
    named = known["named"]
    named.licence_status = LicenceStatus.LICENSED
    named.category = RespondentCategory.BANK
    named.save(update_fields=["licence_status", "category"])
    _answer(named, question, NAMED_TEXT).themes.add(capital, fees)
    _answer(known["confidential"], question, CONFIDENTIAL_TEXT).themes.add(capital)
    _answer(known["campaign"], question, CAMPAIGN_TEXT).themes.add(capital)
    others = (
        Answer.objects.filter(question=question, submission__in=Submission.objects.counted())
        .exclude(text="")
        .exclude(submission__in=[s.pk for s in known.values()])
        .order_by("pk")[:12]
    )
    assert len(others) > 7, "the synthetic data has too few free-text answers"
    # The others are plain: counted, publishable, members of the public, in no campaign.
    Submission.objects.filter(pk__in=[answer.submission_id for answer in others]).update(
        consent=Consent.RESPONSE_ONLY,
        category=RespondentCategory.PUBLIC,
        campaign_group=None,
        licence_status=LicenceStatus.OTHER,
    )
    for answer in others:
        answer.themes.add(capital)
    # Excluded (spam) responses never reach the workbench, even coded.
    spam = Answer.objects.filter(question=question).exclude(
        submission__in=Submission.objects.counted()
    )
    for answer in spam:
        answer.themes.add(fees)
    if reports:
        reports_build(consultation)
    return Bench(consultation, question, capital, fees, len(others) + 3, known)
