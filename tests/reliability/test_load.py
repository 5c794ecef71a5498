"""Load without loss: many respondents at once against gunicorn and PostgreSQL.

Every respondent fills in the whole form and submits; some double-click (two submits at the same
moment), some replay the submit after it went through. Afterwards, every reference shown to a
respondent exists exactly once, with exactly the answers that respondent sent and one receipt,
and nothing else was stored. No request may end in a 5xx.

``make test`` runs 50 respondents; ``make bench-load`` runs it bigger (``LOAD_RESPONDENTS``,
``LOAD_CONCURRENCY``, ``LOAD_SEED``).
"""

from __future__ import annotations

import asyncio
import email
import os
import random
import re
import secrets
import time
from dataclasses import dataclass
from email.header import decode_header, make_header
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.test import override_settings

from outbox.models import Email, EmailStatus
from outbox.services import emails_send_due
from surveys.models import Answer, Consultation, Submission, SubmissionRevision, SubmissionState
from tests.processes import running_database_url
from tests.reliability.respondent import Respondent, about_you, form_spec, plan_answers, run_async
from tests.reliability.servers import gunicorn, production_env

pytestmark = pytest.mark.integration

RESPONDENTS = int(os.environ.get("LOAD_RESPONDENTS", "50"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "50"))
SEED = int(os.environ.get("LOAD_SEED", "7"))
# Shares of respondents who click "Submit" twice at once, and who replay it afterwards.
DOUBLE_CLICK = 0.2
REPLAY = 0.1
REFERENCE = re.compile(r"[A-Z]+-\d{6}")
NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)


@dataclass
class Outcome:
    index: int
    mode: str  # "once", "double" or "replay"
    respondent: Respondent
    acknowledged: list[str | None]


async def _one(base_url: str, spec, index: int, gate: asyncio.Semaphore) -> Outcome:
    rng = random.Random(SEED * 1_000_003 + index)
    roll = rng.random()
    mode = "double" if roll < DOUBLE_CLICK else "replay" if roll < DOUBLE_CLICK + REPLAY else "once"
    # One connection per request, as behind a proxy without upstream keep-alive (nginx's
    # default): a kept-alive connection that gunicorn closes just as a busy client reuses it
    # would fail the request before it reached Django.
    async with (
        gate,
        httpx.AsyncClient(base_url=base_url, timeout=120, limits=NO_KEEPALIVE) as client,
    ):
        if rng.random() < 0.3:
            client.cookies.set("django_language", "zh-hant")
        respondent = Respondent(
            client=client, spec=spec, about=about_you(index, rng), answers=plan_answers(spec, rng)
        )
        await respondent.fill_in()
        if mode == "double":
            await asyncio.gather(respondent.submit(), respondent.submit())
        else:
            await respondent.submit()
        acknowledged = [await respondent.acknowledged_reference()]
        if mode == "replay":
            await respondent.submit()
            acknowledged.append(await respondent.acknowledged_reference())
        return Outcome(index=index, mode=mode, respondent=respondent, acknowledged=acknowledged)


async def _load(base_url: str, spec) -> list[Outcome | BaseException]:
    gate = asyncio.Semaphore(CONCURRENCY)
    return await asyncio.gather(
        *(_one(base_url, spec, index, gate) for index in range(RESPONDENTS)),
        return_exceptions=True,
    )


def _receipts(mail_dir: Path) -> list[str]:
    """The reference in the subject of every receipt the server sent."""
    found = []
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            subject = str(make_header(decode_header(email.message_from_bytes(chunk)["Subject"])))
            found += REFERENCE.findall(subject)
    return found


def _stored_answers(submission: Submission) -> dict[str, object]:
    stored: dict[str, object] = {}
    for code, kind, choice, text, number in Answer.objects.filter(
        submission=submission
    ).values_list("question__code", "question__kind", "choice__value", "text", "number"):
        if kind == "multiple":
            stored.setdefault(code, []).append(choice)  # type: ignore[union-attr]
        elif choice is not None:
            stored[code] = choice
        elif number is not None:
            stored[code] = number
        else:
            stored[code] = text
    return _normalised(stored)


def _normalised(answers: dict[str, object]) -> dict[str, object]:
    """Multiple-choice answers as sorted lists: their order on the page carries no meaning."""
    return {code: sorted(v) if isinstance(v, list) else v for code, v in answers.items()}


def test_every_acknowledged_response_is_stored_exactly_once_under_load(
    transactional_db, demo_consultations, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the load test runs gunicorn on PostgreSQL (set DATABASE_URL)")
    consultation = demo_consultations["va-otc-dealing"]
    spec = form_spec(consultation)
    mail_dir = tmp_path / "mail"
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=running_database_url(),
        HTTPS_ONLY="0",
        ALLOWED_HOSTS="127.0.0.1",
        CACHE_URL="locmemcache://load-test",
        EMAIL_URL=f"filemail:///{mail_dir}",
        # Every simulated respondent shares 127.0.0.1: the per-address limit would refuse them.
        RATELIMIT_SUBMIT="1000000/h",
    )
    with gunicorn(log_dir=tmp_path, env=env, workers=2, threads=4) as server:
        started = time.monotonic()
        outcomes = run_async(_load(server.url, spec))
        elapsed = time.monotonic() - started
        log = server.log_text()

    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures, failures[:3]
    statuses = [s for o in outcomes for s in o.respondent.statuses]
    server_errors = [s for s in statuses if s[2] >= 500]
    assert server_errors == [], server_errors[:10]
    assert "Traceback" not in log, log[-5000:]
    print(f"\n{RESPONDENTS} respondents, {len(statuses)} requests in {elapsed:.1f} s")

    # Every respondent was shown one reference, the same one each time they looked.
    acknowledged = {}
    for outcome in outcomes:
        assert len(set(outcome.acknowledged)) == 1, (outcome.mode, outcome.acknowledged)
        assert outcome.acknowledged[0] is not None, outcome.respondent.statuses
        acknowledged[outcome.acknowledged[0]] = outcome
    assert len(acknowledged) == RESPONDENTS
    assert {o.mode for o in outcomes} == {"once", "double", "replay"}

    # Stored exactly once each, numbered without gaps, and nothing else.
    submissions = {s.reference: s for s in Submission.objects.filter(consultation=consultation)}
    assert set(submissions) == set(acknowledged)
    assert sorted(submissions) == [f"{spec.prefix}-{n:06d}" for n in range(1, RESPONDENTS + 1)]
    consultation = Consultation.objects.get(pk=consultation.pk)
    assert consultation.last_reference_number == RESPONDENTS
    assert Answer.objects.exclude(submission__in=submissions.values()).count() == 0
    for reference, outcome in acknowledged.items():
        submission = submissions[reference]
        respondent = outcome.respondent
        assert submission.state == SubmissionState.SUBMITTED
        assert submission.email == respondent.about["email"]
        assert submission.contact_name == respondent.about["contact_name"]
        planned = _normalised(respondent.answers)
        assert _stored_answers(submission) == planned, reference
        (revision,) = SubmissionRevision.objects.filter(submission=submission)
        assert _normalised(revision.answers) == planned, reference

    # One receipt queued per response, however many times it was submitted; the outbox's
    # worker sends them (here its sweep, in this process, to the same mail folder).
    queued = Email.objects.filter(kind="surveys.receipt")
    assert sorted(queued.values_list("context__submission", flat=True)) == sorted(
        s.pk for s in submissions.values()
    )
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=mail_dir
    ):
        while emails_send_due():
            pass
    assert not Email.objects.exclude(status=EmailStatus.SENT).exists()
    receipts = _receipts(mail_dir)
    assert sorted(receipts) == sorted(acknowledged)
