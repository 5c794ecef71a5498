"""A small consultation with every kind of question and rule an import must check."""

from __future__ import annotations

import csv
import io

import pytest

from surveys.models import QuestionKind, SubmissionImport
from tests.factories import ChoiceFactory, ConsultationFactory, QuestionFactory, SectionFactory

HEADER = [
    "row_key",
    "respondent_type",
    "category",
    "category_other",
    "organisation_name",
    "contact_name",
    "email",
    "consent",
    "language",
    "channel",
    "received_at",
    "licence_register",
    "licence_number",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "Q5",
]


@pytest.fixture(autouse=True)
def import_storage(tmp_path, monkeypatch):
    """Uploaded files go to a temporary private folder for the test."""
    from django.core.files.storage import FileSystemStorage

    root = tmp_path / "private"
    monkeypatch.setattr(
        SubmissionImport._meta.get_field("file"), "storage", FileSystemStorage(location=root)
    )
    return root


@pytest.fixture
def consultation(db):
    """Q1 required single choice (yes/no); Q2 multiple with an exclusive "none"; Q3 a number
    from 0 to 100; Q4 text of at most 20 characters; Q5 text, asked only when Q1 is "yes"."""
    consultation = ConsultationFactory(slug="otc", reference_prefix="OTC")
    section = SectionFactory(consultation=consultation, order=1)
    q1 = QuestionFactory(section=section, code="Q1", order=1, required=True)
    yes = ChoiceFactory(question=q1, value="yes", order=1, label_en="Yes", label_zh="是")
    ChoiceFactory(question=q1, value="no", order=2, label_en="No", label_zh="否")
    q2 = QuestionFactory(section=section, code="Q2", order=2, kind=QuestionKind.MULTIPLE)
    ChoiceFactory(question=q2, value="shop", order=1, label_en="Shop", label_zh="店舖")
    ChoiceFactory(question=q2, value="atm", order=2, label_en="ATM", label_zh="自動櫃員機")
    ChoiceFactory(
        question=q2,
        value="none",
        order=3,
        label_en="None of these",
        label_zh="以上皆非",
        exclusive=True,
    )
    QuestionFactory(
        section=section, code="Q3", order=3, kind=QuestionKind.NUMBER, min_value=0, max_value=100
    )
    QuestionFactory(section=section, code="Q4", order=4, kind=QuestionKind.TEXT, max_length=20)
    QuestionFactory(
        section=section,
        code="Q5",
        order=5,
        kind=QuestionKind.TEXT,
        condition_question=q1,
        condition_choice=yes,
    )
    return consultation


def row(**values: str) -> list[str]:
    base = {
        "respondent_type": "individual",
        "category": "public",
        "contact_name": "Chan Tai Man",
        "email": "chan@example.com",
        "consent": "response_only",
        "Q1": "yes",
    }
    base.update(values)
    return [base.get(name, "") for name in HEADER]


def csv_bytes(rows: list[list[str]], *, bom: bool = True, header: list[str] = HEADER) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig" if bom else "utf-8")
