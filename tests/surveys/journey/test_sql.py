"""The respondent pages' hand-written reads give what their ORM twins give, field by field and
type by type, so that nothing a page, a rule or a service reads differs with the way it was read.
On a database other than PostgreSQL both names reach the ORM, and the comparisons still hold."""

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from surveys.journey import sql
from surveys.models import (
    Answer,
    Attachment,
    Choice,
    Consultation,
    Question,
    QuestionKind,
    Submission,
    SubmissionState,
)
from tests.factories import (
    AnswerFactory,
    ChoiceFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def _same_fields(left, right, names):
    for name in names:
        a, b = getattr(left, name), getattr(right, name)
        assert (a, type(a)) == (b, type(b)), name


def _loaded(model, instance):
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in instance.get_deferred_fields()
    ]


def test_a_response_and_its_consultation_read_as_the_orm_reads_them():
    closing = timezone.now() + dt.timedelta(days=3)
    consultation = ConsultationFactory(
        closes_at=closing,
        accepts_late=True,
        conclusions_published_at=timezone.now(),
        body_en="The paper, long.",
    )
    amended = SubmissionFactory(
        consultation=consultation,
        submitted=True,
        client_address="2001:db8::7",
        withdrawn_at=timezone.now(),
        is_late=True,
        current_step=9,
        organisation_name="Harbour Custody Ltd 港灣託管",
    )
    draft = SubmissionFactory(consultation=consultation, client_address=None)
    other = SubmissionFactory()  # another browser's response to another consultation

    ids = [amended.pk, draft.pk, 10**9]  # the last was never stored
    read = {s.pk: s for s in sql.submissions_with_consultation(ids)}
    orm = {s.pk: s for s in sql.submissions_with_consultation_orm(ids)}

    assert set(read) == set(orm) == {amended.pk, draft.pk}
    assert other.pk not in read
    for pk, submission in read.items():
        twin = orm[pk]
        assert submission.get_deferred_fields() == twin.get_deferred_fields() == set()
        _same_fields(submission, twin, _loaded(Submission, twin))
        assert submission.consultation.get_deferred_fields() == set(sql.PAPER_FIELDS)
        assert twin.consultation.get_deferred_fields() == set(sql.PAPER_FIELDS)
        _same_fields(
            submission.consultation, twin.consultation, _loaded(Consultation, twin.consultation)
        )
    shown = read[amended.pk]
    assert shown.state == SubmissionState.SUBMITTED
    assert shown.client_address == "2001:db8::7"
    assert shown.consultation.closes_at == closing
    assert isinstance(shown.consultation.form_version, uuid.UUID)
    assert shown.consultation.accepts_late is True
    # The paper's text is there when asked for (one more query), as with any deferred field.
    assert shown.consultation.body_en == "The paper, long."


def test_a_published_consultation_by_its_slug_and_none_for_a_draft_or_an_unknown_slug():
    published = ConsultationFactory(slug="otc-paper")
    ConsultationFactory(slug="custody-draft", is_draft=True)

    read = sql.consultation_published("otc-paper")
    orm = sql.consultation_published_orm("otc-paper")
    assert read is not None and orm is not None
    assert read.pk == orm.pk == published.pk
    assert read.get_deferred_fields() == orm.get_deferred_fields() == set(sql.PAPER_FIELDS)
    _same_fields(read, orm, _loaded(Consultation, orm))
    assert read.title_zh == published.title_zh

    for slug in ("custody-draft", "no-such-paper", "otc-paper' OR '1'='1"):
        assert sql.consultation_published(slug) is None
        assert sql.consultation_published_orm(slug) is None


def test_a_responses_answer_rows_read_as_the_orm_reads_them():
    submission = SubmissionFactory()
    consultation = submission.consultation
    single = QuestionFactory(section__consultation=consultation, kind=QuestionKind.SINGLE)
    yes = ChoiceFactory(question=single, value="yes")
    several = QuestionFactory(section__consultation=consultation, kind=QuestionKind.MULTIPLE)
    first, second = ChoiceFactory(question=several), ChoiceFactory(question=several)
    number = QuestionFactory(section__consultation=consultation, kind=QuestionKind.NUMBER)
    text = QuestionFactory(section__consultation=consultation, kind=QuestionKind.TEXT)
    AnswerFactory(submission=submission, question=single, choice=yes)
    AnswerFactory(submission=submission, question=several, choice=first, multiple=True)
    AnswerFactory(submission=submission, question=several, choice=second, multiple=True)
    AnswerFactory(submission=submission, question=number, number=250)
    AnswerFactory(submission=submission, question=text, text="保障客戶資產。Segregate assets.")
    AnswerFactory(question=text, text="someone else's answer")

    read = sql.answer_rows(submission.pk)
    orm = sql.answer_rows_orm(submission.pk)
    assert sorted(read) == sorted(orm)
    assert len(read) == 5
    for mine, theirs in zip(sorted(read), sorted(orm), strict=True):
        assert [type(v) for v in mine] == [type(v) for v in theirs]
    assert (text.pk, None, None, "保障客戶資產。Segregate assets.") in [r[1:] for r in read]
    assert sql.answer_rows(10**9) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL is PostgreSQL's")
def test_on_postgresql_each_read_is_one_statement_of_its_own(django_assert_num_queries):
    submission = SubmissionFactory()
    with django_assert_num_queries(1) as captured:
        sql.submissions_with_consultation([submission.pk])
    # Written here, not compiled by the ORM: the model's columns, the paper's text left out.
    statement = captured.captured_queries[0]["sql"]
    assert " JOIN " in statement and "body_en" not in statement
    assert "resume_token_hash" in statement
    with django_assert_num_queries(1):
        sql.consultation_published(submission.consultation.slug)
    with django_assert_num_queries(1):
        sql.answer_rows(submission.pk)


@pytest.mark.parametrize("way", ["sql", "orm"])
def test_a_page_save_stores_progress_only_while_the_response_is_as_it_was_read(way):
    update = {"sql": sql.progress_update, "orm": sql.progress_update_orm}[way]
    submission = SubmissionFactory(current_step=3, language="en")
    read_at = Submission.objects.get(pk=submission.pk).updated_at
    first = timezone.now() + dt.timedelta(seconds=5)

    assert update(
        submission_id=submission.pk,
        step=4,
        language="zh-hant",
        now=first,
        unchanged_since=(read_at, SubmissionState.DRAFT.value, 3),
    )
    stored = Submission.objects.get(pk=submission.pk)
    assert (stored.current_step, stored.language, stored.updated_at) == (4, "zh-hant", first)

    # Another tab wrote since this one read: nothing changes, and the caller is told.
    second = first + dt.timedelta(seconds=5)
    for stale in [
        (read_at, SubmissionState.DRAFT.value, 4),
        (first, SubmissionState.DRAFT.value, 3),
        (first, SubmissionState.SUBMITTED.value, 4),
    ]:
        assert not update(
            submission_id=submission.pk, step=5, language="en", now=second, unchanged_since=stale
        )
    assert Submission.objects.get(pk=submission.pk).updated_at == first

    # The time written reads back equal, so the next save's guard matches it.
    assert update(
        submission_id=submission.pk,
        step=5,
        language="en",
        now=second,
        unchanged_since=(first, SubmissionState.DRAFT.value, 4),
    )
    # Unguarded (the caller holds the row's lock): written whatever was read.
    assert update(submission_id=submission.pk, step=6, language="en", now=second)
    assert not update(submission_id=10**9, step=6, language="en", now=second)
    assert Submission.objects.get(pk=submission.pk).current_step == 6


def _answer_values(submission):
    return sorted(
        Answer.objects.filter(submission=submission).values_list(
            "consultation_id", "question_id", "choice_id", "multiple", "number", "text"
        ),
        key=repr,
    )


def test_inserted_answers_are_the_rows_the_orm_would_insert_in_batches_of_any_size():
    stored = {}
    for way, insert in (("sql", sql.answers_insert), ("orm", sql.answers_insert_orm)):
        submission = SubmissionFactory()
        consultation = submission.consultation
        several = QuestionFactory(
            section=SectionFactory(consultation=consultation, order=1),
            code="Q1",
            kind=QuestionKind.MULTIPLE,
        )
        number = QuestionFactory(section=several.section, code="Q2", kind=QuestionKind.NUMBER)
        text = QuestionFactory(section=several.section, code="Q3", kind=QuestionKind.TEXT)
        choices = [ChoiceFactory(question=several, order=n, value=f"c{n}") for n in range(230)]
        rows = [
            Answer(
                consultation=consultation,
                submission=submission,
                question=several,
                choice=choice,
                multiple=True,
            )
            for choice in choices
        ]
        rows += [
            Answer(
                consultation=consultation, submission=submission, question=number, number=-(2**40)
            ),
            Answer(
                consultation=consultation,
                submission=submission,
                question=text,
                text="O'Brien; 受託人 -- DROP TABLE\n%s %(x)s",
            ),
        ]
        insert(rows)
        stored[way] = [
            (
                q.code if (q := Question.objects.get(pk=question_id)) else None,
                choice_id is not None and Choice.objects.get(pk=choice_id).value,
                multiple,
                n,
                t,
            )
            for _, question_id, choice_id, multiple, n, t in _answer_values(submission)
        ]
    assert len(stored["sql"]) == 232
    assert sorted(stored["sql"]) == sorted(stored["orm"])
    assert ("Q3", False, False, None, "O'Brien; 受託人 -- DROP TABLE\n%s %(x)s") in stored["sql"]
    assert ("Q2", False, False, -(2**40), "") in stored["sql"]


def test_a_response_read_under_its_lock_is_the_row_the_orm_reads():
    submission = SubmissionFactory(submitted=True, client_address="192.0.2.8", current_step=4)
    with transaction.atomic():
        read = sql.submission_locked(submission.pk)
        orm = sql.submission_locked_orm(submission.pk)
        assert read is not None and orm is not None
        assert read.get_deferred_fields() == orm.get_deferred_fields() == set()
        _same_fields(read, orm, _loaded(Submission, orm))
        assert read.reference == submission.reference and read.current_step == 4
        assert sql.submission_locked(10**9) is None


def test_a_responses_files_read_as_the_orm_reads_them_oldest_first():
    submission = SubmissionFactory()
    first = timezone.now() - dt.timedelta(minutes=5)
    for name, at in (("later.pdf", first + dt.timedelta(minutes=1)), ("立場書.pdf", first)):
        Attachment.objects.create(
            submission=submission,
            file=f"attachments/2026/12/{name}",
            original_name=name,
            content_type="application/pdf",
            size=1234,
            sha256="0" * 64,
            uploaded_at=at,
        )
    Attachment.objects.create(
        submission=SubmissionFactory(),
        file="attachments/x.pdf",
        original_name="x.pdf",
        content_type="application/pdf",
        size=1,
        sha256="1" * 64,
    )
    read = sql.attachments_of(submission.pk)
    orm = sql.attachments_of_orm(submission.pk)
    assert [a.original_name for a in read] == ["立場書.pdf", "later.pdf"]
    assert [a.pk for a in read] == [a.pk for a in orm]
    for mine, theirs in zip(read, orm, strict=True):
        _same_fields(mine, theirs, _loaded(Attachment, theirs))
        assert mine.file.name == theirs.file.name
    assert sql.attachments_of(10**9) == []
