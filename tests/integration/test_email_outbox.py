"""Emails on real parts: a respondent's page queues the email, the sweep in a `celery worker`
process sends it to a local SMTP server process (aiosmtpd) that first refuses, then accepts. The
page never waits for the mail server, the refused email is kept with its error, and once the
server accepts it is delivered exactly once, with its private link, which the outbox forgets."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from consultation.celery import app
from outbox import services
from outbox.models import Email, EmailStatus
from surveys.models import Submission
from tests.processes import ROOT

pytestmark = pytest.mark.integration

SLUG = "va-otc-dealing"
ABOUT = {
    "respondent_type": "individual",
    "category": "public",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": "on",
}
TIMEOUT = 60


@dataclass
class SmtpServer:
    port: int
    folder: Path
    process: subprocess.Popen

    def accept(self) -> None:
        (self.folder / "refuse").unlink()

    def messages(self) -> list[tuple[str, email.message.EmailMessage]]:
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            recipients = path.with_suffix(".rcpt").read_text()
            found.append(
                (recipients, email.message_from_bytes(path.read_bytes(), policy=policy.default))
            )
        return found


@pytest.fixture
def smtp_server(tmp_path) -> Iterator[SmtpServer]:
    folder = tmp_path / "smtp"
    folder.mkdir()
    (folder / "refuse").touch()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our interpreter and our server module
        [sys.executable, "-m", "tests.smtp_server", str(port), str(folder)], cwd=ROOT
    )
    deadline = time.monotonic() + TIMEOUT
    while not (folder / "ready").exists():
        assert process.poll() is None, "the SMTP server exited at start"
        assert time.monotonic() < deadline, "the SMTP server did not start"
        time.sleep(0.1)
    try:
        yield SmtpServer(port=port, folder=folder, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait(condition, what: str, worker) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if worker.process.poll() is not None:
            pytest.fail(f"The worker exited while waiting for {what}:\n{worker.log_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}:\n{worker.log_text()[-4000:]}")
        time.sleep(0.1)


def test_a_refusing_mail_server_loses_nothing_and_slows_no_page(
    celery_worker_process, smtp_server, demo_consultations, client
):
    worker = celery_worker_process(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")

    # The respondent starts a response while the mail server refuses everything.
    response = client.post(reverse("surveys:step", args=[SLUG, 1]), ABOUT)
    assert response.status_code == 302
    assert response.url == reverse("surveys:step", args=[SLUG, 2])
    submission = Submission.objects.get(email="chan@example.com")
    queued = Email.objects.get()
    assert (queued.kind, queued.to) == ("surveys.resume_link", "chan@example.com")

    # Beat's sweep (every OUTBOX_SWEEP_SECONDS), asked for here at once.
    app.send_task("outbox.tasks.send_due")

    def refused() -> bool:
        queued.refresh_from_db()
        return queued.attempts >= 1

    _wait(refused, "the first attempt", worker)
    assert queued.status == EmailStatus.PENDING
    assert "451" in queued.last_error
    assert smtp_server.messages() == []

    # The server accepts again; staff send it now (the sweep would, at its next attempt time).
    smtp_server.accept()
    assert services.email_retry(email=queued)

    def delivered() -> bool:
        queued.refresh_from_db()
        return queued.status == EmailStatus.SENT

    _wait(delivered, "delivery", worker)
    ((recipients, message),) = smtp_server.messages()
    assert recipients == "chan@example.com"
    assert message["Subject"] == "Your link to continue your response"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Chan Tai Man" in text
    link = next(word for word in text.split() if "/resume/" in word)
    assert "private_link" not in queued.context

    # The link works: it continues this response in another browser.
    other = Client()
    response = other.get(link.split("testserver", 1)[1])
    assert response.status_code == 302
    assert response.url == reverse("surveys:respond", args=[SLUG])
    assert submission.pk in other.session["surveys.responses"].values()
