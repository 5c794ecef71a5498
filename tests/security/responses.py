"""Responses made through the services, exactly as the respondent's pages make them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.journey import attachments as journey_attachments
from surveys.journey import services
from surveys.journey import structure as journey_structure
from surveys.journey.attachments import check
from surveys.models import Consultation, Submission

ANSWERS = {
    "Q1": "agree",
    "Q2": ["shop", "atm"],
    "Q7": "sfc",
    "Q12": 250,
    "Q13": "all_trades",
    "Q22": "six_months",
    "Q25": "Our members would need a year to meet the wallet rules.",
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def respond(
    consultation: Consultation,
    *,
    name: str,
    email: str,
    answers: dict | None = None,
    submit: bool = True,
    paper: bool = False,
    **about: object,
) -> Submission:
    """A response made through the services, as the respondent's pages make it."""
    answers = ANSWERS if answers is None else answers
    journey = journey_structure.journey_load(consultation=consultation)
    respondent = {
        "respondent_type": "individual",
        "category": "public",
        "contact_name": name,
        "email": email,
        "consent": "name_and_response",
        "privacy_acknowledged": True,
        **about,
    }
    submission, _ = services.draft_start(
        consultation=consultation,
        respondent=respondent,
        language="en",
        client_address="203.0.113.7",
    )
    for section in journey.sections:
        codes = {q.code for q in journey.section_questions(section)}
        services.draft_save(
            submission=submission,
            journey=journey,
            section=section,
            answers={k: v for k, v in answers.items() if k in codes},
            step=2,
            language="en",
        )
    if paper:
        upload = SimpleUploadedFile("Chan position paper.pdf", PDF, "application/pdf")
        journey_attachments.attachment_add(
            submission=submission,
            upload=upload,
            checked=check(upload, name=upload.name, size=len(PDF)),
        )
    if submit:
        submission = services.submission_submit(
            submission=submission, journey=journey, client_address="203.0.113.8"
        ).submission
    submission.refresh_from_db()
    return submission
