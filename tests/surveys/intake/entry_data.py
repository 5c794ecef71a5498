"""A small consultation and the details of a posted letter, for the staff entry tests."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from surveys.journey import attachments
from surveys.models import Consultation, QuestionKind
from tests.factories import ChoiceFactory, ConsultationFactory, QuestionFactory, SectionFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EML_BYTES = (
    b"Return-Path: <chan@example.hk>\r\nFrom: Chan Tai Man <chan@example.hk>\r\n"
    b"To: consult@sfc.example.hk\r\nDate: Mon, 30 Nov 2026 10:00:00 +0800\r\n"
    b"Subject: Consultation response\r\nMessage-ID: <1@example.hk>\r\n\r\nWe support Q1.\r\n"
)

RESPONDENT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Exchange Ltd",
    "category": "online_platform",
    "category_other": "",
    "contact_name": "Chan Tai Man",
    "email": "",
    "consent": "response_only",
    "privacy_acknowledged": True,
}


def letter_consultation(**kwargs) -> Consultation:
    """Two sections: Q1 (required yes/no), Q2 (text, asked only when Q1 is yes); Q3 (number)."""
    consultation = ConsultationFactory(**kwargs)
    first = SectionFactory(consultation=consultation, order=1, title_en="Scope", title_zh="範圍")
    second = SectionFactory(consultation=consultation, order=2, title_en="Costs", title_zh="成本")
    q1 = QuestionFactory(
        section=first,
        code="Q1",
        order=1,
        kind=QuestionKind.YES_NO_UNSURE,
        required=True,
        text_en="Should OTC dealers be licensed?",
        text_zh="場外交易商應否領牌？",
    )
    yes = ChoiceFactory(question=q1, value="yes", order=1, label_en="Yes", label_zh="是")
    ChoiceFactory(question=q1, value="no", order=2, label_en="No", label_zh="否")
    QuestionFactory(
        section=first,
        code="Q2",
        order=2,
        kind=QuestionKind.TEXT,
        text_en="Why?",
        text_zh="原因？",
        condition_question=q1,
        condition_choice=yes,
    )
    QuestionFactory(
        section=second,
        code="Q3",
        order=3,
        kind=QuestionKind.NUMBER,
        text_en="Expected yearly cost (HK$)?",
        text_zh="預計每年成本（港元）？",
    )
    return consultation


def pdf_upload(name: str = "letter.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def checked(upload) -> attachments.CheckedFile:
    return attachments.check(
        upload, name=upload.name, size=upload.size, accept=attachments.ORIGINAL_TYPES
    )


def stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)


def received(days_ago: float = 1) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)
