"""Licence statuses through ``reports.loading``: a register upload marks responses, the report
reads the status with each respondent, and every question's figures split by it, one pass and
chunked alike; an ORM count checks each figure."""

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from reports.loading import report_counted, report_inputs
from reports.summary.compute import summarise
from surveys.demo.synthetic import responses_generate
from surveys.licensing.services import register_replace
from surveys.models import Answer, Question, Submission
from tests.factories import UserFactory
from tests.reports.summary.test_partials import _assert_same

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=60, seed=11)
    ids = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    numbers = {"sfc": ["ABC123", "BCD234", "XYZ999"], "customs": ["16-03-01869"]}
    for index, pk in enumerate(ids[:20]):
        register = "sfc" if index % 4 else "customs"
        options = numbers[register]
        Submission.objects.filter(pk=pk).update(
            licence_register=register, licence_number=options[index % len(options)]
        )
    actor = UserFactory(username="keeper")
    register_replace(
        register="sfc",
        file_name="sfc.csv",
        content=b"number,name,status\nABC123,Harbour Digital,licensed\nBCD234,Lantau,applicant\n",
        actor=actor,
    )
    register_replace(
        register="customs",
        file_name="customs.csv",
        content=b"number,name\n16-03-01869,Wing On Exchange\n",
        actor=actor,
    )
    return consultation


def test_the_report_reads_each_respondents_licence_status(marked):
    inputs = report_inputs(consultation=marked, as_of=timezone.now())
    read = dict(
        zip(
            inputs.respondents["submission_id"].tolist(),
            inputs.respondents["licence_status"].tolist(),
            strict=True,
        )
    )
    stored = dict(Submission.objects.filter(pk__in=read).values_list("pk", "licence_status"))
    assert read == stored
    assert set(read.values()) == {"licensed", "applicant", "other"}


def test_a_closed_questions_licence_split_matches_an_orm_count(marked):
    now = timezone.now()
    summary = summarise(report_inputs(consultation=marked, as_of=now))
    question = Question.objects.get(consultation=marked, code="Q1")
    figures = next(q for q in summary.questions if q.code == "Q1").by_licence
    counted = report_counted(consultation=marked, as_of=now)
    for status, subset in figures.items():
        members = counted.filter(licence_status=status)
        assert subset.total == members.count()
        by_choice = dict(
            Answer.objects.filter(submission__in=members, question=question)
            .values_list("choice__value")
            .annotate(n=Count("pk", filter=Q(choice__isnull=False)))
        )
        assert {k: v for k, v in subset.counts.items() if v} == by_choice
    assert sum(subset.total for subset in figures.values()) == counted.count()


def test_chunked_summaries_of_the_loaded_inputs_equal_one_pass(marked):
    # Chunks are cut from the answer rows (what a chunk reads): the row path.
    _assert_same(report_inputs(consultation=marked, as_of=timezone.now(), grouped=False), 3)
