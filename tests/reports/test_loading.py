"""``surveys.selectors.report_inputs`` against the database, and the summary of what it reads.

Synthetic responses to a demo consultation, with some left out for every reason, are summarised;
each figure is compared with a count made independently with the ORM.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.jobs.compute import summary_compute
from reports.loading import report_inputs
from reports.render.json import summary_to_dict
from reports.summary.compute import summarise
from surveys.demo.synthetic import responses_generate
from surveys.models import (
    Answer,
    CampaignGroup,
    Choice,
    Consultation,
    ExclusionReason,
    Question,
    ReviewStatus,
    Submission,
    SubmissionState,
    Theme,
)
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


def _consultation(demo_consultations, count=120, seed=5) -> Consultation:
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=count, seed=seed)
    return consultation


def submission_ids(consultation) -> list[int]:
    """The ids of ``consultation``'s submissions, in order."""
    return list(
        Submission.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _leave_some_out(consultation, as_of):
    """Withdraw, exclude (for each reason) and move past the cut-off a few submissions."""
    ids = submission_ids(consultation)
    Submission.objects.filter(pk__in=ids[0:2]).update(
        state=SubmissionState.WITHDRAWN, withdrawn_at=as_of
    )
    reasons = [
        ExclusionReason.DUPLICATE,
        ExclusionReason.DUPLICATE,
        ExclusionReason.SPAM,
        ExclusionReason.OUT_OF_SCOPE,
        ExclusionReason.WITHDRAWN,
        ExclusionReason.OTHER,
    ]
    for pk, reason in zip(ids[2:8], reasons, strict=True):
        Submission.objects.filter(pk=pk).update(
            review_status=ReviewStatus.EXCLUDED, exclusion_reason=reason
        )
    Submission.objects.filter(pk__in=ids[8:11]).update(submitted_at=as_of + dt.timedelta(hours=1))
    Submission.objects.filter(pk__in=ids[11:15]).update(review_status=ReviewStatus.ACCEPTED)
    # A draft is not a submission yet: neither counted nor left out.
    SubmissionFactory(consultation=consultation, reference="OTC-D00001")
    return ids


def _counted(consultation, as_of):
    """Counted submissions, by the definition written out again here."""
    return Submission.objects.filter(
        consultation=consultation, state="submitted", submitted_at__lte=as_of
    ).exclude(review_status="excluded")


def test_report_inputs_reads_exactly_the_counted_submissions(demo_consultations):
    consultation = _consultation(demo_consultations)
    as_of = timezone.now()
    _leave_some_out(consultation, as_of)
    # The rows (the path SQLite and chunks take; PostgreSQL counts them with GROUP BY).
    inputs = report_inputs(consultation=consultation, as_of=as_of, grouped=False)
    counted = _counted(consultation, as_of)

    assert inputs.snapshot.count == counted.count() == len(inputs.respondents)
    assert set(inputs.respondents["submission_id"]) == set(counted.values_list("pk", flat=True))
    assert inputs.snapshot.excluded == {
        "withdrawn": 3,  # two withdrawn by the respondent, one excluded as withdrawn
        "duplicate": 2,
        "spam": 1,
        "out_of_scope": 1,
        "other": 1,
        "after_cutoff": 3,
    }
    assert inputs.snapshot.as_of == as_of
    expected_answers = (
        Answer.objects.filter(submission__in=counted)
        .exclude(question__kind="text")
        .filter(Q(choice__isnull=False) | Q(number__isnull=False))
        .count()
    )
    assert len(inputs.answers) == expected_answers
    assert str(inputs.answers["choice_id"].dtype) == "Int64"
    assert str(inputs.answers["number"].dtype) == "Int64"
    assert len(inputs.texts) == (
        Answer.objects.filter(submission__in=counted, question__kind="text")
        .exclude(text="")
        .count()
    )
    assert [q.code for q in inputs.meta.questions] == list(
        Question.objects.filter(consultation=consultation)
        .order_by("order")
        .values_list("code", flat=True)
    )


def test_summary_figures_equal_independent_database_counts(demo_consultations):
    consultation = _consultation(demo_consultations, count=150, seed=9)
    as_of = timezone.now()
    _leave_some_out(consultation, as_of)
    data = summary_to_dict(summary_compute(consultation=consultation, as_of=as_of))
    counted = _counted(consultation, as_of)
    total = counted.count()

    assert data["respondents"]["total"] == total
    by_category = dict(counted.values_list("category").annotate(n=Count("pk")))
    assert {k: v for k, v in data["respondents"]["by_category"].items() if v} == by_category
    by_type = dict(counted.values_list("respondent_type").annotate(n=Count("pk")))
    assert data["respondents"]["by_type"] == {
        "individual": by_type.get("individual", 0),
        "organisation": by_type.get("organisation", 0),
    }
    for question in data["questions"]:
        q = Question.objects.get(consultation=consultation, code=question["code"])
        rows = Answer.objects.filter(question=q, submission__in=counted)
        if q.kind == "text":
            rows = rows.exclude(text="")
        elif q.kind == "number":
            rows = rows.filter(number__isnull=False)
        else:
            rows = rows.filter(choice__isnull=False)
        answered = rows.values("submission").distinct().count()
        assert question["answered"] == answered, q.code
        assert question["not_answered"] == total - answered, q.code
        if q.is_closed:
            expected = dict(rows.values_list("choice__value").annotate(n=Count("pk")))
            assert question["counts"] == {
                c.value: expected.get(c.value, 0) for c in q.choices.order_by("order")
            }
            cross = rows.values_list("submission__category", "choice__value").annotate(
                n=Count("pk")
            )
            for category, value, n in cross:
                assert question["by_category"][category][value] == n, (q.code, category, value)
            assert sum(sum(row.values()) for row in question["by_category"].values()) == len(rows)
        if q.kind == "number":
            numbers = sorted(rows.values_list("number", flat=True))
            assert question["numbers"]["count"] == len(numbers)
            assert question["numbers"]["min"] == numbers[0]
            assert question["numbers"]["max"] == numbers[-1]
            assert question["numbers"]["mean"] == pytest.approx(sum(numbers) / len(numbers))


def test_campaigns_themes_and_names_come_from_review_data(demo_consultations):
    consultation = _consultation(demo_consultations, count=40, seed=3)
    as_of = timezone.now()
    ids = submission_ids(consultation)
    group = CampaignGroup.objects.create(consultation=consultation, label="C1", confirmed=True)
    Submission.objects.filter(pk__in=ids[:5]).update(campaign_group=group)
    Submission.objects.filter(pk=ids[5]).update(
        consent="name_and_response",
        respondent_type="organisation",
        organisation_name="Harbour Digital Limited",
        contact_name="Hidden Contact",
    )
    Submission.objects.filter(pk=ids[6]).update(
        consent="response_only", organisation_name="Not Published Ltd", contact_name="Anon"
    )
    Submission.objects.filter(pk=ids[7]).update(
        consent="name_and_response",
        respondent_type="individual",
        contact_name="Erased Person",
        personal_data_erased_at=as_of,
    )
    theme = Theme.objects.create(consultation=consultation, name_en="Costs", name_zh="成本")
    text_answers = Answer.objects.filter(
        submission__consultation=consultation, question__kind="text"
    ).exclude(text="")[:3]
    for answer in text_answers:
        answer.themes.add(theme)

    inputs = report_inputs(consultation=consultation, as_of=as_of)
    names = dict(
        zip(inputs.respondents["submission_id"], inputs.respondents["display_name"], strict=True)
    )
    assert names[ids[5]] == "Harbour Digital Limited"
    assert names[ids[6]] is None  # response only: no name leaves the database
    assert names[ids[7]] is None  # personal data erased
    assert "Hidden Contact" not in set(inputs.respondents["display_name"].dropna())
    groups = dict(
        zip(inputs.respondents["submission_id"], inputs.respondents["campaign_group"], strict=True)
    )
    assert [groups[pk] for pk in ids[:6]] == ["C1"] * 5 + [None]
    assert inputs.meta.campaigns_confirmed == {"C1": True}
    themed = inputs.texts[inputs.texts["theme_ids"].map(len) > 0]
    assert len(themed) == 3 and all(ids_ == (theme.pk,) for ids_ in themed["theme_ids"])

    data = summary_to_dict(summarise(inputs))
    assert data["respondents"]["campaigns"] == [
        {"label": "C1", "size": 5, "records": 5, "confirmed": True, "text": ""}
    ]
    assert data["respondents"]["in_campaigns"] == 5
    theme_counts = [
        t["count"] for q in data["questions"] if "free_text" in q for t in q["free_text"]["themes"]
    ]
    assert sum(theme_counts) == 3


def test_stray_rows_are_not_answers(demo_consultations):
    consultation = _consultation(demo_consultations, count=10, seed=1)
    as_of = timezone.now()
    single = Question.objects.get(consultation=consultation, code="Q7")
    submission = Submission.objects.filter(consultation=consultation).first()
    # A "multiple" row on a single-choice question and a row of another consultation.
    Answer.objects.create(
        consultation=consultation,
        submission=submission,
        question=single,
        choice=single.choices.last(),
        multiple=True,
    )
    other = demo_consultations["va-custody"]
    responses_generate(consultation=other, count=5, seed=2)
    before = summary_to_dict(summary_compute(consultation=consultation, as_of=as_of))
    q7 = next(q for q in before["questions"] if q["code"] == "Q7")
    assert sum(q7["counts"].values()) == q7["answered"]
    assert before["respondents"]["total"] == 10


def test_answers_are_read_in_one_query_whatever_the_size(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    counts = []
    for size in (20, 80):
        responses_generate(consultation=consultation, count=size, seed=size)
        with CaptureQueriesContext(connection) as captured:
            inputs = report_inputs(consultation=consultation, as_of=timezone.now(), grouped=False)
        counts.append(len(captured))
        answer_reads = [
            q["sql"]
            for q in captured.captured_queries
            if '"surveys_answer"."choice_id"' in q["sql"]
        ]
        assert len(answer_reads) == 1
        if connection.vendor == "postgresql":
            assert answer_reads[0].startswith("COPY (")
        assert len(inputs.answers) > size
        # Grouped (PostgreSQL's default): as many queries whatever the size too.
        with CaptureQueriesContext(connection) as captured:
            report_inputs(consultation=consultation, as_of=timezone.now())
        counts.append(len(captured))
    assert counts[0] == counts[2] and counts[1] == counts[3]


def test_report_inputs_query_budget(demo_consultations, django_assert_max_num_queries):
    consultation = _consultation(demo_consultations, count=60, seed=4)
    # On PostgreSQL the answers take four: two GROUP BYs and the fields of the respondent
    # profiles they count by (reports.grouped_read), and the fingerprint's written answers (one
    # per 50,000 respondents).
    with django_assert_max_num_queries(12):
        report_inputs(consultation=consultation, as_of=timezone.now())


def test_the_fingerprint_changes_only_when_what_is_counted_changes(demo_consultations):
    consultation = _consultation(demo_consultations, count=12, seed=8)
    as_of = timezone.now()
    ids = _leave_some_out(consultation, as_of)

    def sha() -> str:
        return report_inputs(consultation=consultation, as_of=as_of).snapshot.sha256

    original = sha()
    assert sha() == original
    later = as_of - dt.timedelta(seconds=1)
    # Changes to submissions that are not counted leave it alone.
    for pk in (ids[0], ids[3], ids[9]):  # withdrawn, excluded, after the cut-off
        Submission.objects.filter(pk=pk).update(category="bank", updated_at=later)
        assert sha() == original
    Submission.objects.filter(state=SubmissionState.DRAFT, consultation=consultation).update(
        category="bank", updated_at=later
    )
    assert sha() == original
    # A moved updated_at alone is not a change of what was counted (issue 15).
    counted_pk = ids[11]
    Submission.objects.filter(pk=counted_pk).update(updated_at=later)
    assert sha() == original
    # A counted submission's content changes it; so does excluding or re-including one.
    Submission.objects.filter(pk=counted_pk).update(category="bank")
    amended = sha()
    assert amended != original
    status = Submission.objects.get(pk=counted_pk).review_status
    Submission.objects.filter(pk=counted_pk).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.SPAM
    )
    excluded = sha()
    assert excluded not in {original, amended}
    Submission.objects.filter(pk=counted_pk).update(review_status=status, exclusion_reason="")
    assert sha() == amended


def test_naive_cut_off_is_refused(demo_consultations):
    with pytest.raises(ValueError, match="aware"):
        report_inputs(
            consultation=demo_consultations["va-custody"],
            as_of=dt.datetime(2026, 1, 1),  # noqa: DTZ001
        )


def test_choice_labels_and_conditions_are_in_the_metadata(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    inputs = report_inputs(consultation=consultation, as_of=timezone.now())
    q5 = next(q for q in inputs.meta.questions if q.code == "Q5")
    assert (q5.condition.question_code, q5.condition.choice_value) == ("Q4", "yes")
    q1 = next(q for q in inputs.meta.questions if q.code == "Q1")
    first = (
        Choice.objects.filter(question__consultation=consultation, question__code="Q1")
        .order_by("order")
        .first()
    )
    assert (q1.choices[0].value, q1.choices[0].label.en, q1.choices[0].label.zh) == (
        first.value,
        first.label_en,
        first.label_zh,
    )
    assert inputs.meta.title.zh == consultation.title_zh
    assert [option.value for option in inputs.meta.categories][:2] == ["public", "otc_shop"]
    assert inputs.respondents.empty and inputs.answers.empty
    data = summary_to_dict(summarise(inputs))
    assert data["respondents"]["total"] == 0


def test_reasons_for_another_reason_are_read_from_the_review(demo_consultations):
    from surveys.review.services import review_set

    consultation = _consultation(demo_consultations, count=12, seed=6)
    first, second, third, fourth = Submission.objects.filter(consultation=consultation).order_by(
        "pk"
    )[:4]
    review_set(
        submission=first, status=ReviewStatus.EXCLUDED, actor=None, reason="other", note="Old"
    )
    # The reason stated last is the one reported.
    review_set(submission=first, status=ReviewStatus.ACCEPTED, actor=None)
    review_set(
        submission=first,
        status=ReviewStatus.EXCLUDED,
        actor=None,
        reason="other",
        note="  Sent by a   test account ",
    )
    review_set(
        submission=second,
        status=ReviewStatus.EXCLUDED,
        actor=None,
        reason="other",
        note="Sent by a test account",
    )
    review_set(submission=third, status=ReviewStatus.EXCLUDED, actor=None, reason="spam")
    # Excluded without the service (an old row): no reason was recorded.
    Submission.objects.filter(pk=fourth.pk).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.OTHER
    )
    inputs = report_inputs(consultation=consultation, as_of=timezone.now())
    assert inputs.snapshot.excluded["other"] == 3
    assert inputs.snapshot.excluded_other_reasons == {"Sent by a test account": 2, "": 1}


def test_required_flags_are_in_the_metadata(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    meta = report_inputs(consultation=consultation, as_of=timezone.now()).meta
    required = {q.code for q in meta.questions if q.required}
    assert required == set(
        Question.objects.filter(consultation=consultation, required=True).values_list(
            "code", flat=True
        )
    )
    assert required  # the demo consultation has required questions
