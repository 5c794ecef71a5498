"""Bulk import: the template, the checks (the web form's rules), all or nothing, idempotence."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from surveys.imports import services
from surveys.models import (
    Answer,
    Channel,
    ImportState,
    Submission,
    SubmissionImport,
    SubmissionRevision,
    SubmissionState,
)
from tests.factories import SubmissionFactory
from tests.surveys.imports.conftest import HEADER, csv_bytes, row

pytestmark = pytest.mark.django_db


def run(consultation, data: bytes, *, name: str = "letters.csv", dry_run: bool = False):
    return services.responses_import(
        consultation=consultation, data=data, name=name, operator="tester", dry_run=dry_run
    )


def faults(job: SubmissionImport) -> set[tuple[int, str]]:
    return {(p["row"], p["column"]) for p in job.problems}


def test_the_template_filled_in_imports_through_the_command(consultation, tmp_path):
    out = tmp_path / "template.csv"
    call_command("import_responses", "otc", "--template", str(out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, notes = list(csv.reader(handle))
    assert header == HEADER
    assert notes[0].startswith("#")  # the notes row is not a response
    assert "separated by ;" in notes[HEADER.index("Q2")]
    filled = tmp_path / "filled.csv"
    with filled.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([header, notes, row(row_key="L-1", Q2="shop;atm", Q3="42", Q5="Yes")])
    stdout = io.StringIO()
    call_command("import_responses", "otc", str(filled), stdout=stdout, stderr=io.StringIO())
    assert "Imported 1 responses" in stdout.getvalue()
    submission = Submission.objects.get()
    assert submission.reference == "OTC-000001"
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.channel == Channel.IMPORT
    assert submission.import_key == "L-1"
    answers = {
        (a.question.code, a.choice.value if a.choice else a.number or a.text)
        for a in Answer.objects.select_related("question", "choice")
    }
    assert answers == {("Q1", "yes"), ("Q2", "shop"), ("Q2", "atm"), ("Q3", 42), ("Q5", "Yes")}
    assert SubmissionRevision.objects.get().answers["Q2"] == ["shop", "atm"]


def test_the_xlsx_template_has_a_notes_sheet_and_imports(consultation, tmp_path):
    out = tmp_path / "template.xlsx"
    call_command("import_responses", "otc", "--template", str(out))
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Responses", "Notes"]
    sheet = workbook["Responses"]
    assert [c.value for c in sheet[1]] == HEADER
    notes = [[c.value for c in r] for r in workbook["Notes"].iter_rows()]
    assert ["", "", "", "", "none", "None of these", "以上皆非"] in [
        [v or "" for v in n] for n in notes
    ]
    sheet.append(row(row_key="X-1", contact_name="陳大文", Q4="香港𨋢"))
    data = io.BytesIO()
    workbook.save(data)
    job = run(consultation, data.getvalue(), name="filled.xlsx")
    assert job.state == ImportState.DONE, job.problems
    submission = Submission.objects.get()
    assert submission.contact_name == "陳大文"
    assert Answer.objects.get(question__code="Q4").text == "香港𨋢"


def test_choices_are_accepted_by_english_or_chinese_label_in_any_case_and_spacing(consultation):
    rows = [
        row(
            row_key="1",
            respondent_type="on behalf of an organisation",
            organisation_name="ABC",
            category="銀行",
            consent="公開我的回應，但不公開我的姓名",
            Q1="是",
            Q2="店舖；ATM",
        ),
        row(row_key="2", Q1="  NO ", Q2="none", channel="Post", language="中文"),
    ]
    job = run(consultation, csv_bytes(rows))
    assert job.state == ImportState.DONE, job.problems
    first, second = Submission.objects.order_by("import_key")
    assert (first.respondent_type, first.category) == ("organisation", "bank")
    assert first.organisation_name == "ABC"
    assert set(
        Answer.objects.filter(submission=first, question__code="Q2").values_list(
            "choice__value", flat=True
        )
    ) == {"shop", "atm"}
    assert (second.channel, second.language) == (Channel.POST, "zh-hant")
    assert Answer.objects.get(submission=second, question__code="Q1").choice.value == "no"


def test_every_fault_is_reported_with_its_row_and_column_and_nothing_is_imported(consultation):
    rows = [
        row(row_key="ok-1"),  # row 2: fine
        row(row_key="r3", Q1="maybe"),  # unknown choice
        row(row_key="r4", Q1=""),  # required question unanswered
        row(row_key="r5", Q3="101"),  # number out of range
        row(row_key="r6", Q4="x" * 21),  # text too long
        row(row_key="r7", email="not-an-email"),  # bad email
        row(row_key="r8", consent="sometimes"),  # unknown consent
        row(row_key="ok-1"),  # duplicate row key in the file
        row(row_key="r10", Q1="no", Q5="but I answer"),  # conditional answered when hidden
        row(row_key="r11", Q2="shop;none"),  # exclusive choice mixed
        row(row_key="r12", received_at="next Tuesday"),  # date received unreadable
        row(row_key="r13", channel="web"),  # not a channel of an import
        row(row_key=""),  # no row key
    ]
    job = run(consultation, csv_bytes(rows))
    assert job.state == ImportState.INVALID
    assert faults(job) == {
        (3, "Q1"),
        (4, "Q1"),
        (5, "Q3"),
        (6, "Q4"),
        (7, "email"),
        (8, "consent"),
        (9, "row_key"),
        (10, "Q5"),
        (11, "Q2"),
        (12, "received_at"),
        (13, "channel"),
        (14, "row_key"),
    }
    reasons = {(p["row"], p["column"]): p for p in job.problems}
    assert "maybe" in reasons[(3, "Q1")]["reason"]
    assert reasons[(5, "Q3")]["value"] == "101"
    assert "row 2" in reasons[(9, "row_key")]["reason"]
    assert Submission.objects.count() == 0
    assert Answer.objects.count() == 0


def test_one_bad_row_imports_nothing(consultation):
    job = run(consultation, csv_bytes([row(row_key="a"), row(row_key="b", Q3="-1")]))
    assert job.state == ImportState.INVALID
    assert (job.imported, Submission.objects.count()) == (0, 0)
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 0


def test_a_dry_run_reports_but_writes_no_response(consultation):
    job = run(consultation, csv_bytes([row(row_key="a"), row(row_key="b")]), dry_run=True)
    assert job.state == ImportState.CHECKED
    assert job.rows_total == 2
    assert Submission.objects.count() == 0
    assert Answer.objects.count() == 0


def test_the_command_dry_run_prints_the_faults_and_fails(consultation, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(row_key="a", Q3="abc")]))
    stdout = io.StringIO()
    with pytest.raises(CommandError, match="1 faults in 1 rows"):
        call_command("import_responses", "otc", str(path), "--dry-run", stdout=stdout)
    assert "row 2, column Q3" in stdout.getvalue()
    assert Submission.objects.count() == 0


def test_importing_the_same_file_again_adds_nothing(consultation):
    data = csv_bytes([row(row_key="a"), row(row_key="b", Q2="atm")])
    assert run(consultation, data).imported == 2
    again = run(consultation, data)
    assert (again.state, again.imported, again.skipped) == (ImportState.DONE, 0, 2)
    assert Submission.objects.count() == 2
    # A file with one more row adds that row only.
    more = run(
        consultation, csv_bytes([row(row_key="a"), row(row_key="b", Q2="atm"), row(row_key="c")])
    )
    assert (more.imported, more.skipped) == (1, 2)
    assert Submission.objects.count() == 3


def test_a_row_key_added_by_another_import_after_the_check_fails_the_import_whole(
    consultation, monkeypatch
):
    checked = services._checked

    def meanwhile(job, progress, now):
        result = checked(job, progress, now)
        SubmissionFactory(consultation=consultation, import_key="b", import_digest="x")
        return result

    monkeypatch.setattr(services, "_checked", meanwhile)
    job = run(consultation, csv_bytes([row(row_key="a"), row(row_key="b")]))
    assert job.state == ImportState.FAILED
    assert "Another import" in job.error
    assert list(Submission.objects.values_list("import_key", flat=True)) == ["b"]
    assert (Answer.objects.count(), SubmissionRevision.objects.count()) == (0, 0)


def test_a_row_key_imported_before_with_other_content_is_a_fault(consultation):
    run(consultation, csv_bytes([row(row_key="a")]))
    job = run(consultation, csv_bytes([row(row_key="a", Q4="changed")]))
    assert job.state == ImportState.INVALID
    assert faults(job) == {(2, "row_key")}
    assert Answer.objects.filter(question__code="Q4").count() == 0


def test_references_follow_the_web_responses_and_late_is_decided_by_the_date_received(
    consultation,
):
    SubmissionFactory(consultation=consultation, submitted=True, reference="OTC-000001")
    consultation.last_reference_number = 1
    consultation.closes_at = timezone.now() - dt.timedelta(days=1)
    consultation.save()
    closing = timezone.localtime(consultation.closes_at)
    before = (closing - dt.timedelta(days=2)).strftime("%Y-%m-%d")
    job = run(
        consultation,
        csv_bytes(
            [
                row(row_key="early", received_at=before, channel="email"),
                row(row_key="late", channel="fax"),
            ]
        ),
    )
    assert job.state == ImportState.DONE, job.problems
    early = Submission.objects.get(import_key="early")
    late = Submission.objects.get(import_key="late")
    assert {early.reference, late.reference} == {"OTC-000002", "OTC-000003"}
    assert (early.is_late, early.channel) == (False, Channel.EMAIL)
    assert (late.is_late, late.channel) == (True, Channel.FAX)
    assert timezone.localtime(early.received_at).strftime("%Y-%m-%d") == before


def test_the_import_is_recorded_with_the_files_hash_and_who_ran_it(consultation, reviewer):
    data = csv_bytes([row(row_key="a")])
    job = services.responses_import(
        consultation=consultation,
        data=data,
        name="x.csv",
        operator="reviewer",
        dry_run=False,
        user=reviewer,
    )
    import hashlib

    job.refresh_from_db()
    assert job.sha256 == hashlib.sha256(data).hexdigest()
    assert (job.operator, job.uploaded_by, job.imported) == ("reviewer", reviewer, 1)
    assert job.file.read() == data
    assert Submission.objects.get().entered_by == reviewer


@pytest.mark.parametrize("bom", [True, False])
def test_chinese_text_survives_utf8_with_or_without_a_bom(consultation, bom):
    text = "支持發牌，𨋢 香港"
    job = run(
        consultation, csv_bytes([row(row_key="中1", Q4=text, contact_name="李小姐")], bom=bom)
    )
    assert job.state == ImportState.DONE, job.problems
    assert Answer.objects.get(question__code="Q4").text == text
    assert Submission.objects.get().import_key == "中1"


def test_a_file_that_is_not_utf8_is_refused_with_a_reason(consultation):
    job = run(
        consultation, csv_bytes([row(row_key="a", Q4="支持")]).decode("utf-8-sig").encode("big5")
    )
    assert job.state == ImportState.INVALID
    assert "UTF-8" in job.problems[0]["reason"]


def test_a_formula_in_a_text_cell_is_stored_as_the_text_it_is(consultation):
    formula = '=HYPERLINK("http://x.example","y")'
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row(row_key="f", Q4="=1+1"))
    data = io.BytesIO()
    workbook.save(data)
    job = run(consultation, data.getvalue(), name="f.xlsx")
    assert job.state == ImportState.DONE, job.problems
    assert Answer.objects.get(question__code="Q4").text == "=1+1"
    csv_job = run(consultation, csv_bytes([row(row_key="g", Q5=formula)]))
    assert csv_job.state == ImportState.DONE, csv_job.problems
    assert Answer.objects.get(question__code="Q5").text == formula


def test_an_unknown_column_and_a_missing_key_column_are_faults(consultation):
    job = run(consultation, csv_bytes([["1"]], header=["Q99"]))
    assert faults(job) == {(1, "Q99"), (1, "row_key")}


def test_a_file_of_another_kind_is_refused(consultation):
    with pytest.raises(services.ImportFileError):
        run(consultation, b"x", name="letters.pdf")


def test_a_licence_number_is_checked_and_matched_against_the_register(consultation, reviewer):
    from surveys.licensing.services import register_replace

    register_replace(
        register="sfc",
        file_name="sfc.csv",
        content=b"number,name\nABC123,Harbour Digital Limited\n",
        actor=reviewer,
    )
    refused = run(
        consultation,
        csv_bytes([row(row_key="bad", licence_register="sfc", licence_number="12")]),
    )
    assert faults(refused) == {(2, "licence_number")}
    job = run(
        consultation,
        csv_bytes(
            [
                row(row_key="firm", licence_register="sfc", licence_number="abc123"),
                row(row_key="person"),
            ],
        ),
    )
    assert job.state == ImportState.DONE, job.problems
    firm = Submission.objects.get(import_key="firm")
    assert (firm.licence_number, firm.licence_status) == ("ABC123", "licensed")
    assert Submission.objects.get(import_key="person").licence_status == "other"
