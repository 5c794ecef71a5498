"""The email confirmation link over a real mail server: a respondent submits to a consultation
that requires confirmation, the outbox sends the receipt to a local SMTP server process
(aiosmtpd, ``tests/smtp_server.py``), and the link read from the delivered message confirms the
response in a browser that was never signed in; the outbox forgets the link once sent."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from outbox import services
from outbox.models import Email, EmailStatus
from surveys.models import Consultation, Submission
from tests.integration.test_email_outbox import ABOUT, SLUG, SmtpServer
from tests.integration.test_email_outbox import smtp_server as smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

REQUIRED = {2: {"q_Q1": "agree", "q_Q7": "sfc"}, 4: {"q_Q13": "all_trades"}, 6: {"q_Q22": "none"}}


def _send_through(server: SmtpServer) -> int:
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        return services.emails_send_due()


def test_the_receipt_delivered_by_smtp_carries_a_link_that_confirms(
    smtp_server,  # noqa: F811 - the fixture imported above
    demo_consultations,
    client,
):
    Consultation.objects.filter(slug=SLUG).update(requires_email_confirmation=True)
    smtp_server.accept()

    assert client.post(reverse("surveys:step", args=[SLUG, 1]), ABOUT).status_code == 302
    for number in range(2, 8):
        client.post(reverse("surveys:step", args=[SLUG, number]), REQUIRED.get(number, {}))
    assert client.post(reverse("surveys:submit", args=[SLUG])).status_code == 302
    submission = Submission.objects.get(email="chan@example.com")
    assert submission.reference and submission.email_confirmed_at is None

    assert _send_through(smtp_server) == 2  # the resume link, then the receipt
    messages = smtp_server.messages()
    receipts = [m for _to, m in messages if submission.reference in m["Subject"]]
    assert len(receipts) == 1
    assert messages[-1][0] == "chan@example.com"
    text = receipts[0].get_body(preferencelist=("plain",)).get_content()
    html = receipts[0].get_body(preferencelist=("html",)).get_content()
    link = re.search(r"https?://[^/\s]+(/confirm-email/[^/\s]+/)", text).group(1)
    assert link in html
    receipt = Email.objects.get(kind="surveys.receipt")
    assert receipt.status == EmailStatus.SENT
    assert not any(key.startswith("private_") for key in receipt.context)

    page = Client().get(link)
    assert page.status_code == 200
    assert "Email address confirmed" in page.content.decode()
    submission.refresh_from_db()
    assert submission.email_confirmed_at is not None
    assert Submission.objects.filter(pk=submission.pk).counted().exists()
