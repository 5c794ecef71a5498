"""What is kept of an entered response reaches every record of it: the exports, the respondent's
own data export, and the erasure after the retention period."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.conf import settings
from django.utils import timezone

from surveys import exports
from surveys.intake import services as intake
from surveys.journey.structure import journey_load
from surveys.models import OriginalDocument, Submission
from surveys.privacy import personal_data_erase, respondent_data_export
from tests.factories import SubmissionFactory
from tests.surveys.intake.entry_data import (
    PDF_BYTES,
    RESPONDENT,
    checked,
    letter_consultation,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
EMAIL = "chan@example.hk"


@pytest.fixture
def entered(reviewer, private_storage_tmp):
    consultation = letter_consultation()
    upload = pdf_upload()
    received_at = dt.datetime(2026, 11, 30, 9, 15, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    draft = intake.entry_start(
        consultation=consultation,
        actor=reviewer,
        channel="email",
        received_at=received_at,
        respondent={**RESPONDENT, "email": EMAIL},
        language="en",
        upload=upload,
        checked=checked(upload),
    )
    journey = journey_load(consultation=consultation)
    intake.entry_section_save(
        submission=draft, journey=journey, section=journey.sections[0], answers={"Q1": "no"}, step=2
    )
    intake.entry_comments_save(
        submission=draft, actor=reviewer, text="=HYPERLINK(1)\nSecond paragraph.", step=4
    )
    return intake.submission_enter(submission=draft, journey=journey, actor=reviewer).submission


def test_the_export_has_the_channel_the_date_received_and_the_general_comments(entered):
    SubmissionFactory(consultation=entered.consultation, submitted=True, reference="TST-000777")
    text = "".join(exports.export_csv_lines(consultation=entered.consultation, personal=False))
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).set_index("reference")
    row = frame.loc[entered.reference]
    assert (row["channel"], row["received_at_hkt"]) == ("email", "2026-11-30 09:15:00")
    # Neutralised like every free-text cell a spreadsheet would run as a formula.
    assert row["general_comments"] == "'=HYPERLINK(1)\nSecond paragraph."
    web = frame.loc["TST-000777"]
    assert (web["channel"], web["received_at_hkt"], web["general_comments"]) == ("web", "", "")


def test_the_xlsx_export_has_the_general_comments(entered, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "export.xlsx"
    exports.export_xlsx(consultation=entered.consultation, personal=False, out=str(out))
    sheet = load_workbook(out)["Submissions"]
    header, row = [[c.value for c in r] for r in sheet.iter_rows(max_row=2)]
    values = dict(zip(header, row, strict=True))
    assert values["general_comments"] == "'=HYPERLINK(1)\nSecond paragraph."
    assert values["channel"] == "email"


def test_the_respondent_s_data_export_has_the_letter_and_how_it_came(entered, tmp_path):
    output = tmp_path / "access.zip"
    respondent_data_export(reference=entered.reference, email=EMAIL, output=output, operator="dpo")
    with zipfile.ZipFile(output) as archive:
        data = json.loads(archive.read("respondent-data.json"))
        (record,) = data["responses"]
        assert (record["channel"], record["general_comments"]) == (
            "email",
            "=HYPERLINK(1)\nSecond paragraph.",
        )
        assert record["received_at"].startswith("2026-11-30T09:15:00")
        (original,) = record["original_documents"]
        assert original["name"] == "letter.pdf"
        assert archive.read(original["file_in_this_archive"]) == PDF_BYTES
        assert record["revisions"][0]["respondent"]["general_comments"].startswith("=HYPERLINK")
        assert "originals/" in archive.read("README.txt").decode()


def test_erasure_deletes_the_originals_and_keeps_the_answers(
    entered, private_storage_tmp, django_capture_on_commit_callbacks
):
    consultation = entered.consultation
    consultation.conclusions_published_at = timezone.now() - dt.timedelta(
        days=settings.PERSONAL_DATA_RETENTION_DAYS + 1
    )
    consultation.save(update_fields=["conclusions_published_at"])
    stored = private_storage_tmp / OriginalDocument.objects.get().file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        (result,) = personal_data_erase(operator="dpo")
    assert not stored.exists()
    assert result.action.details["originals_deleted"] == 1
    assert not OriginalDocument.objects.exists()
    submission = Submission.objects.get(pk=entered.pk)
    assert submission.email == ""
    assert submission.answers.count() == 1
