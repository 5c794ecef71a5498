"""Responses entered by staff from letters are read by reports as web responses are: counted in
the figures, and listed in the register with the channel they came by."""

import datetime as dt

import pytest
from django.utils import timezone

from reports.loading import report_inputs, report_register
from surveys.intake import services as intake
from surveys.journey.structure import journey_load
from tests.factories import SubmissionFactory
from tests.surveys.intake.entry_data import RESPONDENT, checked, letter_consultation, pdf_upload

pytestmark = pytest.mark.django_db


def test_an_entered_letter_is_counted_with_its_answers_and_its_channel(
    reviewer, private_storage_tmp
):
    consultation = letter_consultation()
    web = SubmissionFactory(consultation=consultation, submitted=True, reference="TST-000900")
    upload = pdf_upload()
    draft = intake.entry_start(
        consultation=consultation,
        actor=reviewer,
        channel="fax",
        received_at=timezone.now() - dt.timedelta(days=1),
        respondent=RESPONDENT,
        language="en",
        upload=upload,
        checked=checked(upload),
    )
    journey = journey_load(consultation=consultation)
    intake.entry_section_save(
        submission=draft, journey=journey, section=journey.sections[0], answers={"Q1": "no"}, step=2
    )
    entered = intake.submission_enter(submission=draft, journey=journey, actor=reviewer)

    as_of = timezone.now()
    # The answer rows themselves (PostgreSQL's default counts them with GROUP BY).
    inputs = report_inputs(consultation=consultation, as_of=as_of, grouped=False)
    assert inputs.snapshot.count == 2
    answered = inputs.answers[inputs.answers["submission_id"] == draft.pk]
    assert len(answered) == 1
    register = {
        row.reference: row.channel
        for row in report_register(consultation=consultation, as_of=as_of)
    }
    assert register == {web.reference: "web", entered.submission.reference: "fax"}
