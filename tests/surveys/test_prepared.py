"""A prepared read returns what its queryset returns, builds its SQL once per shape of arguments,
and refuses what it cannot prepare faithfully."""

import pytest
from django.db import transaction
from django.db.models import Count
from django.db.transaction import TransactionManagementError

from surveys.models import Answer, Consultation, QuestionKind, Submission
from surveys.prepared import PreparedRead
from tests.factories import (
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def counted(build):
    """``build`` wrapped to count how often the prepared read calls it."""
    calls = []

    def wrapper(**arguments):
        calls.append(arguments)
        return build(**arguments)

    return wrapper, calls


def with_consultation(ids, slug):
    return Submission.objects.select_related("consultation").filter(
        pk__in=ids, consultation__slug=slug, consultation__is_draft=False
    )


def fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_model_instances_and_their_related_object_equal_the_querysets(
    django_assert_num_queries,
):
    consultation = ConsultationFactory(slug="otc")
    other = ConsultationFactory(slug="custody")
    mine = SubmissionFactory(consultation=consultation)
    elsewhere = SubmissionFactory(consultation=other)
    read = PreparedRead(with_consultation)

    with django_assert_num_queries(1):
        found = read.read(ids=[mine.pk, elsewhere.pk], slug="otc")
        # The consultation came with the row: reading it costs no query.
        assert found[0].consultation.slug == "otc"

    expected = list(with_consultation([mine.pk, elsewhere.pk], "otc"))
    assert [fields(s) for s in found] == [fields(s) for s in expected]
    assert fields(found[0].consultation) == fields(expected[0].consultation)
    assert found[0]._state.adding is False
    assert found[0]._state.db == "default"


def test_the_sql_is_built_once_per_shape_and_reused_with_new_values():
    consultation = ConsultationFactory(slug="otc")
    first, second, third = (SubmissionFactory(consultation=consultation) for _ in range(3))
    build, calls = counted(with_consultation)
    read = PreparedRead(build)

    assert [s.pk for s in read.read(ids=[first.pk], slug="otc")] == [first.pk]
    assert [s.pk for s in read.read(ids=[second.pk], slug="otc")] == [second.pk]
    assert read.read(ids=[third.pk], slug="custody") == []
    assert len(calls) == 1
    # Two ids make another shape of SQL: built once more, then reused.
    assert {s.pk for s in read.read(ids=[first.pk, third.pk], slug="otc")} == {first.pk, third.pk}
    assert {s.pk for s in read.read(ids=[second.pk, third.pk], slug="otc")} == {
        second.pk,
        third.pk,
    }
    assert len(calls) == 2


def test_values_list_rows_equal_the_querysets():
    submission = SubmissionFactory()
    question = QuestionFactory(
        section=SectionFactory(consultation=submission.consultation), kind=QuestionKind.TEXT
    )
    Answer.objects.create(
        consultation=submission.consultation,
        submission=submission,
        question=question,
        text="Because",
    )

    def rows(submission_id):
        return (
            Answer.objects.filter(submission_id=submission_id)
            .order_by()
            .values_list("pk", "question_id", "choice_id", "number", "text")
        )

    read = PreparedRead(rows)
    assert read.read(submission_id=submission.pk) == list(rows(submission.pk))
    assert read.read(submission_id=submission.pk + 1000) == []


def test_a_lookup_that_changes_its_value_cannot_be_prepared():
    read = PreparedRead(lambda slug: Consultation.objects.filter(slug__icontains=slug))
    with pytest.raises(ValueError, match="not passed to the SQL unchanged"):
        read.read(slug="otc")


def test_annotated_instances_are_refused_rather_than_returned_without_their_annotation():
    read = PreparedRead(
        lambda slug: Consultation.objects.filter(slug=slug).annotate(responses=Count("submissions"))
    )
    with pytest.raises(TypeError, match="annotated"):
        read.read(slug="otc")


def test_arguments_other_than_ints_and_strings_are_refused():
    read = PreparedRead(lambda draft: Consultation.objects.filter(is_draft=draft))
    with pytest.raises(TypeError):
        read.read(draft=True)


def test_a_row_lock_needs_a_transaction_every_time():
    submission = SubmissionFactory()
    read = PreparedRead(lambda pk: Submission.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert [s.pk for s in read.read(pk=submission.pk)] == [submission.pk]


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused_after_preparing():
    submission = SubmissionFactory()
    read = PreparedRead(lambda pk: Submission.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        read.read(pk=submission.pk)
    with pytest.raises(TransactionManagementError):
        read.read(pk=submission.pk)
