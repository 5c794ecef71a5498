"""The people and things the access matrix is walked with.

Seven roles: a visitor with no session; a respondent who opened their private resume link;
another respondent (who opened their own link); and four signed-in staff: a Reviewer, a Report
reader, a Consultation editor (each in their role group and nothing else) and a superuser.
Every object a URL can point at exists once, so that each URL names a real object.

Respondents A and B have answered the open custody consultation; the OTC consultation is closed
and its conclusions are published (tests/security/publication.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.tokens import api_token_create
from outbox.services import email_queue
from reports.models import CheckWaiver, Report, ReportStatus, WordingRule
from surveys.demo.loader import DEMO_DIR, demo_load
from surveys.intake import services as intake
from surveys.journey import attachments, confirmation, resume_links
from surveys.journey.structure import journey_load
from surveys.licensing.services import register_replace
from surveys.models import (
    ApiScope,
    CampaignDetectionJob,
    CampaignGroup,
    Channel,
    Consultation,
    DetectionState,
    ImportState,
    ReviewEvent,
    Submission,
    SubmissionImport,
    Subscription,
    Theme,
)
from surveys.review.petitions import petition_add
from surveys.roles import EDITORS, REPORT_READERS, REVIEWERS
from tests.security.publication import Published, published_consultation
from tests.security.responses import respond

ROLES = (
    "anonymous",
    "respondent",
    "other_respondent",
    "reviewer",
    "report_reader",
    "editor",
    "superuser",
)
# What identifies respondent A: shown to A and to those allowed to see personal data only.
A_NAME = "Chan Siu Ming"
A_EMAIL = "chan.siu.ming@example.com"


@dataclass
class World:
    open: Consultation
    published: Published
    mine: Submission  # respondent A's submitted response, with an attachment
    theirs: Submission  # another respondent's
    token: str  # A's resume link
    confirm_token: str  # the email confirmation link of B's response
    objects: dict[str, Any]
    sessions: dict[str, str]  # role -> session key

    def client(self, role: str) -> Client:
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def pk(self, name: str) -> int:
        return self.objects[name].pk


def build_world(django_user_model) -> World:
    published = published_consultation(django_user_model)
    custody, _ = demo_load(path=DEMO_DIR / "va-custody.json")
    now = timezone.now()
    custody.opens_at, custody.closes_at = now - dt.timedelta(days=5), now + dt.timedelta(days=5)
    custody.save()
    answers = _required_answers(custody)
    mine = respond(custody, name=A_NAME, email=A_EMAIL, answers=answers, paper=True)
    theirs = respond(
        custody, name="Lee Tai Wai", email="lee.tai.wai@example.com", answers=answers, paper=True
    )
    token = resume_links.resume_link_issue(submission=mine)
    their_token = resume_links.resume_link_issue(submission=theirs)
    # B's receipt carried a confirmation link while the consultation required one.
    theirs.consultation.requires_email_confirmation = True
    confirm_token = confirmation.email_confirmation_issue(submission=theirs)
    assert confirm_token is not None
    theirs.consultation.requires_email_confirmation = False

    users = {
        "reviewer": _staff(django_user_model, "reviewer", REVIEWERS),
        "report_reader": _staff(django_user_model, "reader", REPORT_READERS),
        "editor": _staff(django_user_model, "editor", EDITORS),
        "superuser": django_user_model.objects.create_superuser(
            "root", "root@example.com", "a-long-test-password"
        ),
    }
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for role, link in (("respondent", token), ("other_respondent", their_token)):
        client = Client()
        assert client.get(reverse("surveys:resume", args=[link])).status_code == 302
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value

    failed = Report.objects.create(
        consultation=custody, language="en", status=ReportStatus.FAILED, error="Disk full"
    )
    objects = {
        "section": custody.sections.order_by("order").first(),
        "question": custody.questions.order_by("order").first(),
        "attachment": mine.attachments.get(),
        "theme": Theme.objects.create(consultation=custody, name_en="Wallet checks"),
        "campaign": CampaignGroup.objects.create(consultation=custody, label="C9", size=2),
        "detection": CampaignDetectionJob.objects.create(
            consultation=custody, threshold=0.8, state=DetectionState.DONE
        ),
        "petition": petition_add(
            consultation=custody,
            actor=users["superuser"],
            standard_text="Keep custody rules simple for small firms.",
            channel=Channel.POST,
            received_at=now - dt.timedelta(days=1),
            signatories=40,
        ),
        "register_upload": register_replace(
            register="sfc",
            file_name="sfc.csv",
            content=b"number,name\nABC123,Harbour Digital Limited\n",
            actor=users["superuser"],
        ),
        "event": ReviewEvent.objects.create(
            submission=theirs, field="review_status", old_value="new", new_value="accepted"
        ),
        "report": published.publication.report_en,
        "email": email_queue(
            kind="surveys.withdrawal", to=A_EMAIL, language="en", context={"submission": mine.pk}
        ),
        "failed_report": failed,
        "wording_rule": WordingRule.objects.create(quantifier="majority", lowest=50),
        "waiver": CheckWaiver.objects.create(
            consultation=published.consultation,
            key="0" * 64,
            flagged="Q1 · our response: Numbers differ.",
            reason="Checked against the paper.",
            waived_by=users["superuser"],
        ),
        "named_paper": published.known["person"].attachments.get(),
        "withheld_paper": published.withheld_paper,
        "confidential_paper": published.confidential_paper,
        "group": Group.objects.get(name=REVIEWERS),
        "user": users["report_reader"],
        "attempt": AccessAttempt.objects.create(
            username="guess", ip_address="198.51.100.1", failures_since_start=1, attempt_time=now
        ),
        "access_log": AccessLog.objects.create(
            username="root", ip_address="198.51.100.2", attempt_time=now
        ),
        "failure_log": AccessFailureLog.objects.create(
            username="guess", ip_address="198.51.100.1", attempt_time=now
        ),
        "ctype": ContentType.objects.get_for_model(Consultation),
        **_staff_entries(custody, users["reviewer"], answers),
        # Respondent A also follows the consultation: the address is A's personal data.
        "subscription": Subscription.objects.create(
            email=A_EMAIL,
            consultation=custody,
            language="en",
            token_hash="0" * 64,
            created_at=now,
            confirmation_sent_at=now,
            confirmed_at=now,
        ),
        "api_token": api_token_create(
            user=users["superuser"],
            name="matrix",
            scopes=[ApiScope.REPORTS_READ],
            created_by=None,
        ).token,
        "import": SubmissionImport.objects.create(
            consultation=custody,
            original_name="letters.csv",
            sha256="0" * 64,
            operator="reviewer",
            state=ImportState.INVALID,
            problems=[{"row": 2, "column": "email", "value": A_EMAIL, "reason": "Bad email"}],
        ),
    }
    objects["register_entry"] = objects["register_upload"].entries.get()
    return World(
        open=custody,
        published=published,
        mine=mine,
        theirs=theirs,
        token=token,
        confirm_token=confirm_token,
        objects=objects,
        sessions=sessions,
    )


def _staff_entries(consultation: Consultation, staff: Any, answers: dict[str, str]) -> dict:
    """A posted letter being entered (every required question answered), and one entered."""
    journey = journey_load(consultation=consultation)
    entries = []
    for name in ("Harbour Exchange Ltd", "Kowloon Custody Ltd"):
        upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.7 letter", "application/pdf")
        entry = intake.entry_start(
            consultation=consultation,
            actor=staff,
            channel="post",
            received_at=timezone.now() - dt.timedelta(days=1),
            respondent={
                "respondent_type": "organisation",
                "organisation_name": name,
                "category": "custodian",
                "contact_name": "Ho Ka Yan",
                "consent": "response_only",
                "privacy_acknowledged": True,
            },
            language="en",
            upload=upload,
            checked=attachments.check(
                upload, name=upload.name, size=upload.size, accept=attachments.ORIGINAL_TYPES
            ),
        )
        for number, section in enumerate(journey.sections, start=2):
            intake.entry_section_save(
                submission=entry, journey=journey, section=section, answers=answers, step=number
            )
        entries.append(entry)
    intake.submission_enter(submission=entries[1], journey=journey, actor=staff)
    return {
        "entry": entries[0],
        "entered": entries[1],
        "original": entries[1].original_documents.get(),
    }


def _required_answers(consultation: Consultation) -> dict[str, str]:
    """The first choice of every required question that is always asked."""
    return {
        question.code: question.choices.order_by("order").first().value
        for question in consultation.questions.filter(required=True, condition_question=None)
    }


def _staff(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(
        username, f"{username}@consult.example.hk", "a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One request's writes are undone afterwards: every cell sees the same world."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
