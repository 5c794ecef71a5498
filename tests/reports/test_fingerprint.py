"""The report fingerprint against the database (issue 15, point 1).

Staff changes made straight through the ORM (no service, no ``updated_at``) must each change the
fingerprint; a rebuild with nothing changed must give the same one; the value must be the one the
README's "Report fingerprint" text gives, recomputed here from plain ORM reads without the
loader's code; one-pass and chunked builds must agree; and on random staff actions the fingerprint
changes whenever the summary does.
"""

import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.jobs import chunked, dispatch, services
from reports.jobs.compute import summary_compute
from reports.loading import report_inputs
from reports.models import Report
from reports.render.json import summary_to_dict
from surveys.demo.synthetic import responses_generate
from surveys.models import (
    Answer,
    CampaignGroup,
    Choice,
    Consultation,
    ExclusionReason,
    Question,
    ReviewStatus,
    Section,
    Submission,
    SubmissionState,
    Theme,
)
from surveys.names import public_name
from tests.reports.report_data import report_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(demo_consultations):
    """The OTC demo with 16 responses, two themes, two campaign groups and some left out."""
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=16, seed=15)
    ids = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    as_of = timezone.now()
    Submission.objects.filter(pk=ids[0]).update(state=SubmissionState.WITHDRAWN, withdrawn_at=as_of)
    Submission.objects.filter(pk=ids[1]).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.SPAM
    )
    Submission.objects.filter(pk=ids[2]).update(submitted_at=as_of + dt.timedelta(hours=1))
    parent = Theme.objects.create(consultation=consultation, name_en="Costs", name_zh="成本")
    Theme.objects.create(consultation=consultation, name_en="Fees", parent=parent)
    first = CampaignGroup.objects.create(consultation=consultation, label="C1")
    CampaignGroup.objects.create(consultation=consultation, label="C2", confirmed=True)
    Submission.objects.filter(pk__in=ids[3:5]).update(campaign_group=first)
    return consultation, as_of


def _fingerprint(consultation, as_of):
    return report_inputs(consultation=consultation, as_of=as_of).snapshot.sha256


def _counted(consultation, as_of):
    return (
        Submission.objects.filter(consultation=consultation, submitted_at__lte=as_of)
        .counted()
        .order_by("pk")
    )


def _answer(consultation, as_of, **lookups):
    return (
        Answer.objects.filter(submission__in=_counted(consultation, as_of), **lookups)
        .order_by("submission_id", "question__order", "pk")
        .first()
    )


def _text_answer(consultation, as_of):
    return _answer(consultation, as_of, question__kind="text", text__regex=r"\S")


# --- the README's definition, recomputed from plain ORM reads --------------------------------


def _digest(record):
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _section(records):
    return hashlib.sha256("".join(_digest(r) + "\n" for r in records).encode()).hexdigest()


def _utc(moment):
    return moment.astimezone(dt.UTC).isoformat()


def readme_fingerprint(consultation_id, as_of):
    """The fingerprint as README.md's "Report fingerprint" defines it, one row at a time."""
    consultation = Consultation.objects.get(pk=consultation_id)
    questions = []
    for question in Question.objects.filter(consultation=consultation).order_by("order", "pk"):
        section = Section.objects.get(pk=question.section_id)
        questions.append(
            {
                "id": question.pk,
                "code": question.code,
                "order": question.order,
                "kind": question.kind,
                "required": question.required,
                "text_en": question.text_en,
                "text_zh": question.text_zh,
                "section": {
                    "order": section.order,
                    "title_en": section.title_en,
                    "title_zh": section.title_zh,
                },
                "condition": None
                if question.condition_question_id is None
                else {
                    "question": question.condition_question_id,
                    "choice": question.condition_choice_id,
                },
                "choices": [
                    {
                        "id": c.pk,
                        "value": c.value,
                        "label_en": c.label_en,
                        "label_zh": c.label_zh,
                        "exclusive": c.exclusive,
                    }
                    for c in Choice.objects.filter(question=question).order_by("order", "pk")
                ],
            }
        )
    header = {
        "format": "consult-hk-fingerprint/2",
        "consultation": {
            "slug": consultation.slug,
            "reference_prefix": consultation.reference_prefix,
            "title_en": consultation.title_en,
            "title_zh": consultation.title_zh,
            "opens_at": _utc(consultation.opens_at),
            "closes_at": _utc(consultation.closes_at),
        },
        "questions": questions,
        "themes": [
            {"id": t.pk, "name_en": t.name_en, "name_zh": t.name_zh, "parent": t.parent_id}
            for t in Theme.objects.filter(consultation=consultation).order_by("pk")
        ],
    }
    counted, left_out = [], []
    for s in Submission.objects.filter(consultation=consultation).order_by("pk"):
        submitted = s.state == SubmissionState.SUBMITTED
        excluded = submitted and s.review_status == ReviewStatus.EXCLUDED
        if s.state == SubmissionState.WITHDRAWN or (excluded and s.exclusion_reason == "withdrawn"):
            left_out.append({"id": s.pk, "left_out": "withdrawn"})
        elif excluded:
            named = s.exclusion_reason in {"duplicate", "spam", "out_of_scope"}
            left_out.append({"id": s.pk, "left_out": s.exclusion_reason if named else "other"})
        elif (
            submitted
            and consultation.requires_email_confirmation
            and s.channel == "web"
            and s.email_confirmed_at is None
        ):
            left_out.append({"id": s.pk, "left_out": "unconfirmed"})
        elif submitted and s.submitted_at > as_of:
            left_out.append({"id": s.pk, "left_out": "after_cutoff"})
        elif submitted:
            counted.append(_submission_record(s))
    lines = [
        "consult-hk-fingerprint/2",
        _digest(header),
        _section(counted),
        _section(left_out),
    ]
    return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()


def _submission_record(s):
    answers, texts = [], []
    for answer in Answer.objects.filter(submission=s):
        kind = Question.objects.get(pk=answer.question_id).kind
        if kind == "text":
            if not answer.multiple and answer.text.strip():
                themes = sorted(answer.themes.values_list("pk", flat=True))
                texts.append([answer.question_id, answer.text, themes])
        elif (kind == "multiple") == answer.multiple and (
            answer.choice_id is not None or answer.number is not None
        ):
            answers.append([answer.question_id, answer.choice_id, answer.number])

    def null_first(value):
        return (0, 0) if value is None else (1, value)

    answers.sort(key=lambda a: (a[0], null_first(a[1]), null_first(a[2])))
    texts.sort(key=lambda t: t[0])
    group = CampaignGroup.objects.filter(pk=s.campaign_group_id).first()
    return {
        "id": s.pk,
        "type": s.respondent_type,
        "category": s.category,
        "consent": s.consent,
        "language": s.language,
        "late": s.is_late,
        "channel": s.channel,
        "weight": s.signatories,
        "licence": s.licence_status,
        "name": public_name(
            consent=s.consent,
            respondent_type=s.respondent_type,
            organisation_name=s.organisation_name,
            contact_name=s.contact_name,
            personal_data_erased_at=s.personal_data_erased_at,
        ),
        "campaign": None if group is None else {"label": group.label, "confirmed": group.confirmed},
        "review": s.review_status,
        "reason": s.exclusion_reason,
        "answers": answers,
        "texts": texts,
    }


def test_the_fingerprint_is_the_readme_definition(data):
    consultation, as_of = data
    # Theme codes, a confirmed group with members, an erased name: all in the records.
    answer = _text_answer(consultation, as_of)
    answer.themes.add(*Theme.objects.filter(consultation=consultation))
    Submission.objects.filter(pk=answer.submission_id).update(
        campaign_group=CampaignGroup.objects.get(consultation=consultation, label="C2")
    )
    assert _fingerprint(consultation, as_of) == readme_fingerprint(consultation.pk, as_of)


def test_a_rebuild_with_nothing_changed_gives_the_same_fingerprint(data):
    consultation, as_of = data
    first = summary_compute(consultation=consultation, as_of=as_of).snapshot.sha256
    # Touching updated_at (a save with nothing changed) is not a change of the inputs.
    Submission.objects.filter(consultation=consultation).update(updated_at=timezone.now())
    # Nor is a later cut-off that counts the same submissions.
    later = as_of + dt.timedelta(minutes=5)
    assert summary_compute(consultation=consultation, as_of=later).snapshot.sha256 == first


def _tag(c, as_of):
    _text_answer(c, as_of).themes.add(Theme.objects.get(consultation=c, name_en="Fees"))


def _untag(c, as_of):
    answer = _text_answer(c, as_of)
    answer.themes.add(Theme.objects.get(consultation=c, name_en="Fees"))
    return lambda: answer.themes.clear()


def _group(c, as_of, *, label):
    pk = _counted(c, as_of).filter(campaign_group__isnull=True).values_list("pk", flat=True)[0]
    Submission.objects.filter(pk=pk).update(
        campaign_group=CampaignGroup.objects.get(consultation=c, label=label)
    )


def _field(name, value):
    def change(c, as_of):
        pk = _counted(c, as_of).exclude(**{name: value}).values_list("pk", flat=True)[0]
        Submission.objects.filter(pk=pk).update(**{name: value})

    return change


def _other_choice(c, as_of):
    answer = _answer(c, as_of, question__kind="single", multiple=False)
    other = Choice.objects.filter(question_id=answer.question_id).exclude(pk=answer.choice_id)
    Answer.objects.filter(pk=answer.pk).update(choice=other.first())


def _multiple_choice_removed(c, as_of):
    Answer.objects.filter(pk=_answer(c, as_of, question__kind="multiple").pk).delete()


def _number(c, as_of):
    answer = _answer(c, as_of, question__kind="number", number__isnull=False)
    Answer.objects.filter(pk=answer.pk).update(number=F("number") + 1)


def _text(c, as_of):
    Answer.objects.filter(pk=_text_answer(c, as_of).pk).update(text="A different view.")


def _public_name(c, as_of):
    pk = _counted(c, as_of).filter(consent="name_and_response").values_list("pk", flat=True)[0]
    Submission.objects.filter(pk=pk).update(
        organisation_name="Renamed Ltd", contact_name="Renamed Person"
    )


def _confirm(c, as_of):
    CampaignGroup.objects.filter(consultation=c, label="C1").update(confirmed=True)


def _exclude(reason):
    def change(c, as_of):
        pk = _counted(c, as_of).values_list("pk", flat=True)[0]
        Submission.objects.filter(pk=pk).update(
            review_status=ReviewStatus.EXCLUDED, exclusion_reason=reason
        )

    return change


def _left_out_reason(c, as_of):
    Submission.objects.filter(consultation=c, review_status=ReviewStatus.EXCLUDED).update(
        exclusion_reason=ExclusionReason.DUPLICATE
    )


def _reinstate(c, as_of):
    Submission.objects.filter(consultation=c, review_status=ReviewStatus.EXCLUDED).update(
        review_status=ReviewStatus.ACCEPTED, exclusion_reason=""
    )


def _question(**values):
    def change(c, as_of):
        Question.objects.filter(pk=Question.objects.filter(consultation=c).first().pk).update(
            **values
        )

    return change


def _choice(**values):
    def change(c, as_of):
        choice = Choice.objects.filter(question__consultation=c).order_by("pk").first()
        Choice.objects.filter(pk=choice.pk).update(**values)

    return change


def _theme_name(c, as_of):
    Theme.objects.filter(consultation=c, name_en="Fees").update(name_zh="費用")


STAFF_CHANGES = {
    "theme tagged on an answer": _tag,
    "theme untagged": _untag,
    "moved into an unconfirmed campaign group": lambda c, a: _group(c, a, label="C1"),
    "moved into a confirmed campaign group": lambda c, a: _group(c, a, label="C2"),
    "moved out of its campaign group": lambda c, a: Submission.objects.filter(
        campaign_group__label="C1"
    ).update(campaign_group=None),
    "campaign group confirmed": _confirm,
    "category": _field("category", "bank"),
    "respondent type": _field("respondent_type", "organisation"),
    "consent": _field("consent", "confidential"),
    "language": _field("language", "zh-hant"),
    "late flag": _field("is_late", True),
    "licence status (a register uploaded)": _field("licence_status", "licensed"),
    "review status accepted": _field("review_status", ReviewStatus.ACCEPTED),
    "excluded as a duplicate": _exclude(ExclusionReason.DUPLICATE),
    "excluded for another reason": _exclude(ExclusionReason.OTHER),
    "exclusion reason changed": _left_out_reason,
    "excluded one reinstated": _reinstate,
    "choice answer changed": _other_choice,
    "multiple-choice selection removed": _multiple_choice_removed,
    "number answer changed": _number,
    "text answer changed": _text,
    "public name changed": _public_name,
    "question wording edited": _question(text_en="Reworded?"),
    "question required flag toggled": _question(required=~F("required")),
    "choice label edited": _choice(label_zh="新標籤"),
    "choice exclusive flag toggled": _choice(exclusive=~F("exclusive")),
    "theme renamed": _theme_name,
}


@pytest.mark.parametrize("change", STAFF_CHANGES.values(), ids=STAFF_CHANGES.keys())
def test_each_staff_change_through_the_orm_changes_the_fingerprint(data, change):
    consultation, as_of = data
    undo = None
    if change is _untag:
        undo = change(consultation, as_of)
    before = _fingerprint(consultation, as_of)
    assert _fingerprint(consultation, as_of) == before
    if undo is not None:
        undo()
    else:
        change(consultation, as_of)
    after = _fingerprint(consultation, as_of)
    assert after != before
    assert after == readme_fingerprint(consultation.pk, as_of)


def test_changes_to_what_no_report_reads_leave_it_alone(data):
    consultation, as_of = data
    before = _fingerprint(consultation, as_of)
    left_out = Submission.objects.filter(consultation=consultation, state="withdrawn")
    left_out.update(category="bank", campaign_group=None)
    Answer.objects.filter(submission__in=left_out).delete()
    # A group with no counted member: confirming it changes no record.
    CampaignGroup.objects.create(consultation=consultation, label="C9")
    CampaignGroup.objects.filter(label="C9").update(confirmed=True)
    Submission.objects.filter(consultation=consultation).update(reviewer_notes="seen")
    assert _fingerprint(consultation, as_of) == before


def _chunked_inline(consultation, as_of, chunk_size):
    report = Report.objects.create(consultation=consultation, status="running", attempts=1)
    with override_settings(REPORT_CHUNK_SIZE=chunk_size):
        plan = chunked.report_chunks_plan(report=report, as_of=as_of)
    assert len(plan.chunks) > 1
    summary = chunked.summary_chunked_inline(report=report, plan=plan, on_progress=lambda *a: None)
    return summary.snapshot.sha256


def _chunked_fanned_out(consultation, as_of, chunk_size, monkeypatch):
    """The chord's steps in this process: each chunk's partial stored, the plan sent as JSON."""
    report = Report.objects.create(consultation=consultation, status="running", attempts=1)
    with override_settings(REPORT_CHUNK_SIZE=chunk_size):
        plan = chunked.report_chunks_plan(report=report, as_of=as_of)
    monkeypatch.setattr(dispatch, "chunks_send", lambda **kwargs: None)
    chunked.report_chunks_start(plan=plan)
    names = [
        chunked.report_chunk_build(report_id=report.pk, attempt=1, as_of=plan.as_of, chunk=chunk)
        for chunk in plan.chunks
    ]
    sent = chunked.ChunkPlan.from_message(json.loads(json.dumps(plan.message())))
    return chunked.report_chunks_merge(plan=sent, names=names).snapshot.sha256


def test_one_pass_and_chunked_builds_give_one_fingerprint(data, tmp_path, monkeypatch):
    consultation, as_of = data
    _tag(consultation, as_of)
    one_pass = summary_compute(consultation=consultation, as_of=as_of).snapshot.sha256
    with report_storage(tmp_path / "private"):
        fingerprints = {
            _chunked_inline(consultation, as_of, 3),
            _chunked_inline(consultation, as_of, 5),
            _chunked_fanned_out(consultation, as_of, 4, monkeypatch),
        }
    assert fingerprints == {one_pass}
    assert one_pass == readme_fingerprint(consultation.pk, as_of)


def test_a_full_report_job_stores_the_fingerprint(data, tmp_path):
    consultation, _as_of = data
    with report_storage(tmp_path / "private"):
        report = services.report_request(
            consultation=consultation, language="en", requested_by=None, queue=False
        )
        services.report_build(report_id=report.pk)
    report = Report.objects.get(pk=report.pk)
    assert report.status == "succeeded", report.error
    assert report.snapshot_sha256 == readme_fingerprint(consultation.pk, report.snapshot_as_of)


# --- random staff actions: the fingerprint changes whenever the summary does -----------------

# Actions that change an input no figure reads: the fingerprint changes, the summary may not.
# Accepting a response that was new is one (the review status is in the records because the
# issue asks for it: a reviewer's decision is part of what was counted). A changed text is
# another: a term used once is not listed, and the quotes may not include it.
FINGERPRINT_ONLY = {"review", "text"}


def _action(c, as_of, kind, pick, value):
    """Apply one random staff action straight through the ORM."""
    counted = list(_counted(c, as_of).values_list("pk", flat=True))
    submissions = list(
        Submission.objects.filter(consultation=c).order_by("pk").values_list("pk", flat=True)
    )
    pk = submissions[pick % len(submissions)]
    if kind == "category":
        Submission.objects.filter(pk=pk).update(category=["public", "bank", "other"][value % 3])
    elif kind == "consent":
        consents = ["name_and_response", "response_only", "confidential"]
        Submission.objects.filter(pk=pk).update(consent=consents[value % 3])
    elif kind == "campaign":
        groups = [None, *CampaignGroup.objects.filter(consultation=c).order_by("label")]
        Submission.objects.filter(pk=pk).update(campaign_group=groups[value % len(groups)])
    elif kind == "confirm":
        CampaignGroup.objects.filter(consultation=c, label="C1").update(confirmed=bool(value % 2))
    elif kind == "exclude":
        status = [ReviewStatus.EXCLUDED, ReviewStatus.NEW][value % 2]
        reason = ExclusionReason.SPAM if status == ReviewStatus.EXCLUDED else ""
        Submission.objects.filter(pk=pk).update(review_status=status, exclusion_reason=reason)
    elif kind == "review":
        # Between the two statuses that count: a change no figure shows.
        if pk in counted:
            status = [ReviewStatus.NEW, ReviewStatus.ACCEPTED][value % 2]
            Submission.objects.filter(pk=pk).update(review_status=status)
    elif kind == "theme":
        answers = Answer.objects.filter(submission_id=pk, question__kind="text").order_by("pk")
        answer = answers[value % max(answers.count(), 1)] if answers.exists() else None
        theme = Theme.objects.filter(consultation=c).order_by("pk")[value % 2]
        if answer is not None:
            if value % 3:
                answer.themes.add(theme)
            else:
                answer.themes.remove(theme)
    elif kind == "choice":
        answer = Answer.objects.filter(submission_id=pk, question__kind="single").first()
        if answer is not None:
            choices = list(Choice.objects.filter(question_id=answer.question_id).order_by("pk"))
            Answer.objects.filter(pk=answer.pk).update(choice=choices[value % len(choices)])
    elif kind == "number":
        Answer.objects.filter(submission_id=pk, question__kind="number").update(number=value)
    elif kind == "text":
        Answer.objects.filter(submission_id=pk, question__kind="text").update(
            text=["", "Fees are too high.", "費用太高"][value % 3]
        )


def _figures(summary):
    data = summary_to_dict(summary)
    data.pop("generated_at")
    data["snapshot"].pop("sha256")
    return data


KINDS = (
    "category",
    "consent",
    "campaign",
    "confirm",
    "exclude",
    "review",
    "theme",
    "choice",
    "number",
    "text",
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 30), st.integers(0, 5)),
        min_size=1,
        max_size=3,
    )
)
def test_random_staff_actions_change_the_fingerprint_whenever_the_summary_changes(data, actions):
    consultation, as_of = data
    with transaction.atomic():
        summary = summary_compute(consultation=consultation, as_of=as_of)
        for kind, pick, value in actions:
            _action(consultation, as_of, kind, pick, value)
            after = summary_compute(consultation=consultation, as_of=as_of)
            fingerprint_changed = after.snapshot.sha256 != summary.snapshot.sha256
            summary_changed = _figures(after) != _figures(summary)
            if summary_changed:
                assert fingerprint_changed, kind
            if fingerprint_changed and kind not in FINGERPRINT_ONLY:
                assert summary_changed, kind
            assert after.snapshot.sha256 == readme_fingerprint(consultation.pk, as_of)
            summary = after
        transaction.set_rollback(True)
