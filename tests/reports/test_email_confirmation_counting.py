"""What a report counts when a consultation requires email confirmation: a web response whose
address is not confirmed is left out under "unconfirmed" (never dropped): in the left-out counts,
the register, the fingerprint, the JSON, the method note and the workbook, in both languages.
Responses staff entered (email, post, fax, import) are not subject to it; without the setting,
nothing changes."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from reports.jobs.compute import summary_compute
from reports.loading import report_inputs, report_register
from reports.render import method
from reports.render.json import summary_to_dict
from reports.render.xlsx import write_xlsx
from reports.summary.register import register_mismatch
from surveys.demo.synthetic import responses_generate
from surveys.models import (
    Channel,
    Consultation,
    ExclusionReason,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from tests.reports.test_fingerprint import readme_fingerprint

pytestmark = pytest.mark.django_db

RESPONSES = 20


@pytest.fixture
def otc(demo_consultations):
    """20 web responses: 3 confirmed, 1 entered by staff from a letter, 1 excluded as spam, 1
    withdrawn; the other 14 unconfirmed."""
    consultation = demo_consultations["va-otc-dealing"]
    responses_generate(consultation=consultation, count=RESPONSES, seed=21)
    ids = list(
        Submission.objects.filter(consultation=consultation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    as_of = timezone.now() + dt.timedelta(minutes=1)
    Submission.objects.filter(pk__in=ids[0:3]).update(email_confirmed_at=timezone.now())
    Submission.objects.filter(pk=ids[3]).update(channel=Channel.POST)
    Submission.objects.filter(pk=ids[4]).update(
        review_status=ReviewStatus.EXCLUDED, exclusion_reason=ExclusionReason.SPAM
    )
    Submission.objects.filter(pk=ids[5]).update(
        state=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now()
    )
    return consultation, as_of, ids


def _require(consultation: Consultation, required: bool = True) -> None:
    Consultation.objects.filter(pk=consultation.pk).update(requires_email_confirmation=required)
    consultation.refresh_from_db()


def test_unconfirmed_web_responses_are_left_out_apart_in_counts_register_and_fingerprint(otc):
    consultation, as_of, ids = otc
    _require(consultation)

    inputs = report_inputs(consultation=consultation, as_of=as_of)

    # Counted: the three confirmed and the one staff entered from a letter.
    assert set(inputs.respondents["submission_id"]) == {*ids[0:4]}
    assert inputs.snapshot.count == 4
    assert inputs.snapshot.excluded["unconfirmed"] == RESPONSES - 6
    # Each response under one reason only: spam and withdrawn stay what they were.
    assert inputs.snapshot.excluded["spam"] == 1
    assert inputs.snapshot.excluded["withdrawn"] == 1
    assert sum(inputs.snapshot.excluded.values()) + inputs.snapshot.count == RESPONSES

    register = report_register(consultation=consultation, as_of=as_of)
    assert register_mismatch(register, inputs.snapshot) is None
    unconfirmed = {row.submission_id for row in register if row.left_out == "unconfirmed"}
    assert unconfirmed == set(ids[6:])

    assert inputs.snapshot.sha256 == readme_fingerprint(consultation.pk, as_of)


def test_without_the_setting_unconfirmed_responses_count_and_no_line_is_added(otc):
    consultation, as_of, ids = otc

    inputs = report_inputs(consultation=consultation, as_of=as_of)

    assert inputs.snapshot.count == RESPONSES - 2
    assert "unconfirmed" not in inputs.snapshot.excluded
    assert summary_to_dict(summary_compute(consultation=consultation, as_of=as_of))["snapshot"][
        "excluded"
    ] == {
        "withdrawn": 1,
        "duplicate": 0,
        "spam": 1,
        "out_of_scope": 0,
        "other": 0,
        "after_cutoff": 0,
    }
    assert inputs.snapshot.sha256 == readme_fingerprint(consultation.pk, as_of)


def test_requiring_confirmation_or_confirming_an_address_changes_the_fingerprint(otc):
    consultation, as_of, ids = otc
    without = report_inputs(consultation=consultation, as_of=as_of).snapshot.sha256
    _require(consultation)
    required = report_inputs(consultation=consultation, as_of=as_of)
    assert required.snapshot.sha256 != without

    Submission.objects.filter(pk=ids[10]).update(email_confirmed_at=timezone.now())
    confirmed = report_inputs(consultation=consultation, as_of=as_of)

    assert confirmed.snapshot.count == required.snapshot.count + 1
    assert (
        confirmed.snapshot.excluded["unconfirmed"] == required.snapshot.excluded["unconfirmed"] - 1
    )
    assert confirmed.snapshot.sha256 not in (without, required.snapshot.sha256)
    assert confirmed.snapshot.sha256 == readme_fingerprint(consultation.pk, as_of)


def test_a_counted_queryset_and_the_left_out_reason_agree(otc):
    """``Submission.objects.counted()`` (used by the conclusions, themes and exports) and the
    report's reasons are one rule."""
    consultation, as_of, ids = otc
    _require(consultation)
    counted = set(consultation.submissions.counted().values_list("pk", flat=True))
    register = report_register(consultation=consultation, as_of=as_of)
    assert counted == {row.submission_id for row in register if row.counted}


@pytest.mark.parametrize(
    ("language", "note", "label"),
    [
        ("en", "14 responses awaiting email confirmation are not counted", "Awaiting email"),
        ("zh-hant", "14 份等待電郵確認的回應不計算在內", "等待電郵確認"),
    ],
)
def test_json_method_note_and_workbook_name_the_unconfirmed_count(
    otc, tmp_path, language, note, label
):
    consultation, as_of, ids = otc
    _require(consultation)
    summary = summary_compute(consultation=consultation, as_of=as_of)

    assert summary_to_dict(summary)["snapshot"]["excluded"]["unconfirmed"] == 14
    with translation.override(language):
        assert note in method.method_texts(summary, language, public=False)["unconfirmed_text"]

    path = tmp_path / "report.xlsx"
    write_xlsx(summary=summary, language=language, path=path)
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert any(
        isinstance(row[0], str) and row[0].startswith(label) and 14 in row for row in rows
    ), rows
