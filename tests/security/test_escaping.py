"""Stored text is shown escaped everywhere, and what was not to be published is never published.

A respondent's hostile text (HTML, script, spreadsheet formulas) travels through every place it
is shown: the respondent's own pages, the receipt email, the staff admin, the report PDF, the
report and export spreadsheets and CSV files. It must come out as the same text, never as markup
or as a formula. A confidential response's text and every name withheld stay out of the public
pages and out of every report file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports.jobs.compute import summary_compute
from reports.render import render
from surveys import exports
from surveys.journey import structure as journey_structure
from surveys.journey.views import SESSION_KEY
from surveys.models import Choice, Consultation, Submission, Theme
from tests.reports.conclusions.conclusions_data import conclusions_storage
from tests.security.publication import published_consultation
from tests.security.responses import respond
from tests.shared_rows import process_state_clear

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"
SCRIPT = "<script>alert('xss')</script>"
FORMULA = '=HYPERLINK("http://evil.example","Click for your refund")'
HOSTILE_NAME = f"<b>Chan</b> {SCRIPT}"
HOSTILE_ORGANISATION = f"{FORMULA} & <i>Partners</i>"
# Long enough (40+ characters) to be chosen as a quote in the report.
HOSTILE_TEXT = (
    f"Fees must be shown <b>before</b> a trade & after it. {SCRIPT} "
    f"Also {FORMULA} should stay plain text in every file."
)
HOSTILE_FILE = "<img src=x onerror=alert(1)>.pdf"
CONFIDENTIAL_TEXT = (
    "CONFIDENTIAL-MARKER: our board plans to exit the Hong Kong market in 2027 if this passes."
)
CONFIDENTIAL_NAME = "Secret Holdings Ltd"
WITHHELD_NAME = "Anonymous Wong Siu Ling"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def otc(demo_consultations, private_storage_tmp):
    return demo_consultations[SLUG]


def hostile_response(consultation) -> Submission:
    return respond(
        consultation,
        name=HOSTILE_NAME,
        email="chan@example.com",
        respondent_type="organisation",
        organisation_name=HOSTILE_ORGANISATION,
        category="other",
        category_other=f"{SCRIPT} dealer",
        consent="name_and_response",
        answers={
            "Q1": "agree",
            "Q7": "sfc",
            "Q13": "all_trades",
            "Q22": "six_months",
            "Q25": HOSTILE_TEXT,
        },
    )


def browser_of(submission: Submission) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {str(submission.consultation_id): submission.pk}
    session.save()
    return client


def assert_escaped(html: str, *raw: str) -> None:
    for text in raw:
        assert text not in html, f"{text!r} appears unescaped"
    assert "&lt;" in html, "the stored text is not on the page at all"


def test_respondent_pages_and_the_receipt_escape_stored_text(otc, sent):
    draft = respond(
        otc,
        name=HOSTILE_NAME,
        email="chan@example.com",
        respondent_type="organisation",
        organisation_name=HOSTILE_ORGANISATION,
        category="other",
        category_other=f"{SCRIPT} dealer",
        submit=False,
        answers={
            "Q1": "agree",
            "Q7": "sfc",
            "Q13": "all_trades",
            "Q22": "none",
            "Q25": HOSTILE_TEXT,
        },
    )
    client = browser_of(draft)
    journey = journey_structure.journey_load(consultation=otc)
    Submission.objects.filter(pk=draft.pk).update(current_step=journey.review_step)
    upload = io.BytesIO(PDF)
    upload.name = HOSTILE_FILE
    attach = client.post(
        reverse("surveys:step", args=[SLUG, journey.review_step - 1]),
        {"upload": "1", "file": upload},
    )
    assert attach.status_code == 302
    assert attach.url.endswith(f"/step/{journey.review_step - 1}/")

    pages = {
        "about": client.get(reverse("surveys:step", args=[SLUG, 1])),
        "section": client.get(reverse("surveys:step", args=[SLUG, 6])),
        "attachments": client.get(reverse("surveys:step", args=[SLUG, journey.review_step - 1])),
        "review": client.get(reverse("surveys:step", args=[SLUG, journey.review_step])),
    }
    submitted = client.post(reverse("surveys:submit", args=[SLUG]))
    assert submitted.status_code == 302
    pages["done"] = client.get(reverse("surveys:done", args=[SLUG]))
    pages["your_response"] = client.get(reverse("surveys:your_response", args=[SLUG]))
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = page.content.decode()
        for raw in (SCRIPT, "<b>Chan</b>", "<b>before</b>", "<img src=x", "<i>Partners"):
            assert raw not in html, (name, raw)
        # The done page shows only the reference; every other page shows the stored text.
        assert name == "done" or "&lt;" in html, name
    review = pages["review"].content.decode()
    assert "&lt;b&gt;before&lt;/b&gt;" in review
    assert "&lt;b&gt;Chan&lt;/b&gt;" in review
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in review

    receipt = sent()[-1]
    html = receipt.alternatives[0][0]
    assert_escaped(html, SCRIPT, "<b>before</b>", "<img src=x")
    assert SCRIPT in receipt.body  # the plain-text part shows the text as typed


def test_the_staff_admin_escapes_stored_text(otc, admin_client):
    submission = hostile_response(otc)
    pages = [
        admin_client.get(reverse("admin:surveys_submission_changelist")),
        admin_client.get(reverse("admin:surveys_submission_change", args=[submission.pk])),
        admin_client.get(reverse("admin:surveys_submission_changelist"), {"q": "Chan"}),
    ]
    for page in pages:
        assert page.status_code == 200
        assert_escaped(page.content.decode(), SCRIPT, "<b>Chan</b>", "<b>before</b>", "<i>Partners")


def quote_ready(consultation) -> dict[str, Submission]:
    """A named hostile response, a confidential one and one published without its name."""
    hostile = hostile_response(consultation)
    confidential = respond(
        consultation,
        name="Lee Secret",
        email="secret@example.com",
        respondent_type="organisation",
        organisation_name=CONFIDENTIAL_NAME,
        category="bank",
        consent="confidential",
        answers={
            "Q1": "disagree",
            "Q7": "hkma",
            "Q13": "all_trades",
            "Q22": "none",
            "Q25": CONFIDENTIAL_TEXT,
        },
    )
    withheld = respond(
        consultation,
        name=WITHHELD_NAME,
        email="wong@example.com",
        consent="response_only",
        answers={"Q1": "agree", "Q7": "sfc", "Q13": "all_trades", "Q22": "none"},
    )
    # Staff-authored labels can hold formulas too.
    Choice.objects.filter(question__consultation=consultation, value="sfc").update(
        label_en="=1+1 SFC", label_zh="=1+1 證監會"
    )
    Theme.objects.create(consultation=consultation, name_en="@SUM(A1:A9) fees", name_zh="收費")
    return {"hostile": hostile, "confidential": confidential, "withheld": withheld}


@pytest.fixture(scope="module")
def _report_files_shared(_demo_shared, django_db_blocker, tmp_path_factory) -> dict[str, Path]:
    """The report's four files with the hostile, confidential and withheld responses, rendered
    once for the module's tests, which only read them (the demo's 26-question PDF: 9-15 s a test
    at load 5 when each rendered its own). The responses are rolled back once rendered."""
    directory = tmp_path_factory.mktemp("report-files")
    with (
        conclusions_storage(directory / "private"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        process_state_clear()
        otc = Consultation.objects.get(pk=_demo_shared[SLUG])
        quote_ready(otc)
        summary = summary_compute(consultation=otc, as_of=timezone.now())
        files = {
            fmt: render(summary=summary, language="en", fmt=fmt, directory=directory)
            for fmt in ("json", "csv", "xlsx", "pdf")
        }
        transaction.set_rollback(True)
    process_state_clear()
    return files


@pytest.fixture
def report_files(_report_files_shared, db) -> dict[str, Path]:
    return _report_files_shared


def pdf_text(path) -> str:
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\s+", " ", text)


def test_the_report_pdf_quotes_hostile_text_as_text(report_files):
    text = pdf_text(report_files["pdf"])
    # Had the markup been interpreted, the tags would be gone from the text.
    assert "<b>before</b> a trade" in text
    assert "<script>alert('xss')</script>" in text
    assert "& <i>Partners</i>" in text  # the organisation's name, as typed, in the attribution


def test_the_report_workbook_holds_no_formulas(report_files):
    workbook = load_workbook(report_files["xlsx"])
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert any("1+1 SFC" in value for value in texts)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert not any(value.startswith(("=", "+", "@")) for value in texts)


def test_the_report_csv_holds_no_formulas(report_files):
    with report_files["csv"].open(encoding="utf-8-sig") as handle:
        fields = [field for row in csv.reader(handle) for field in row]
    assert any("1+1 SFC" in field for field in fields)
    assert not any(field.startswith(("=", "+", "@", "\t", "\r")) for field in fields)


def test_confidential_text_and_withheld_names_stay_out_of_every_report_file(report_files):
    contents = {
        "json": report_files["json"].read_text(encoding="utf-8"),
        "csv": report_files["csv"].read_text(encoding="utf-8-sig"),
        "pdf": pdf_text(report_files["pdf"]),
        "xlsx": json.dumps(
            [
                cell.value
                for sheet in load_workbook(report_files["xlsx"])
                for row in sheet.iter_rows()
                for cell in row
            ],
            default=str,
            ensure_ascii=False,
        ),
    }
    quotes = [
        quote
        for question in json.loads(contents["json"])["questions"]
        for quote in (question.get("free_text") or {}).get("quotes", [])
    ]
    assert any("<b>before</b>" in quote["text"] for quote in quotes)
    for fmt, content in contents.items():
        assert "CONFIDENTIAL-MARKER" not in content, fmt
        assert "exit the Hong Kong market" not in content, fmt
        assert CONFIDENTIAL_NAME not in content, fmt
        assert "Lee Secret" not in content, fmt
        assert WITHHELD_NAME not in content, fmt
        assert "secret@example.com" not in content, fmt


def test_confidential_responses_never_reach_a_public_page(otc, client):
    quote_ready(otc)
    pages = [
        client.get(reverse("surveys:index")),
        client.get(reverse("surveys:detail", args=[SLUG])),
        client.get(reverse("surveys:detail", args=["va-custody"])),
    ]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        for secret in ("CONFIDENTIAL-MARKER", CONFIDENTIAL_NAME, WITHHELD_NAME, "Chan</b>"):
            assert secret not in body


def test_the_staff_export_neutralises_formulas(otc):
    quote_ready(otc)
    lines = "".join(exports.export_csv_lines(consultation=otc, personal=True))
    fields = [field for row in csv.reader(io.StringIO(lines.lstrip("\ufeff"))) for field in row]
    assert f"'{HOSTILE_ORGANISATION}" in fields
    assert not any(field.startswith(("=", "+", "@", "\t", "\r")) for field in fields)

    out = io.BytesIO()
    exports.export_xlsx(consultation=otc, personal=True, out=out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert f"'{HOSTILE_ORGANISATION}" in [cell.value for cell in cells]


@pytest.fixture
def published(django_user_model, tmp_path):
    with conclusions_storage(tmp_path / "published"):
        yield published_consultation(django_user_model)


def _public_pages(client, slug: str) -> dict[str, str]:
    """Every public page of the conclusions, each page of the responses, and the files."""
    pages = {
        "detail": client.get(reverse("surveys:detail", args=[slug])),
        "landing": client.get(reverse("conclusions:landing", args=[slug])),
        "figures": client.get(reverse("conclusions:figures", args=[slug])),
    }
    responses = reverse("conclusions:responses", args=[slug])
    for query in ("CONFIDENTIAL-MARKER", "Secretive", "Kowloon", "leave Hong Kong"):
        pages[f"search {query}"] = client.get(responses, {"q": query})
    number = 1
    while True:
        page = client.get(responses, {"page": number})
        pages[f"responses page {number}"] = page
        if f"page={number + 1}" not in page.content.decode():
            break
        number += 1
    texts = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        texts[name] = response.content.decode()
    for kind in ("csv", "json"):
        download = client.get(reverse("conclusions:download", args=[slug, kind]))
        assert download.status_code == 200
        texts[kind] = b"".join(download.streaming_content).decode("utf-8-sig")
    for kind in ("pdf-en", "pdf-zh-hant"):
        download = client.get(reverse("conclusions:download", args=[slug, kind]))
        path = Path(tempfile.mkdtemp()) / f"{kind}.pdf"
        path.write_bytes(b"".join(download.streaming_content))
        texts[kind] = pdf_text(path)
    return texts


def test_confidential_responses_and_withheld_names_never_reach_the_published_conclusions(
    published, client
):
    slug = published.consultation.slug
    texts = _public_pages(client, slug)

    named = published.known["named"].organisation_name
    assert named in texts["responses page 1"] + texts.get("responses page 2", "")
    for name, text in texts.items():
        for secret in published.secrets():
            assert secret not in text, f"{secret!r} is public on {name}"
    for paper in (published.confidential_paper, published.withheld_paper):
        url = reverse("conclusions:attachment", args=[slug, paper.pk])
        assert client.get(url).status_code == 404
