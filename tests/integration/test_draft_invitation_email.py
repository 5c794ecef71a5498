"""The invitation to draft together on real parts: the owner's page queues it, a `celery worker`
process sends it to a local SMTP server process (aiosmtpd) in the draft's language, with the
colleague's private link (which the outbox then forgets) and never the owner's resume link; the
link from the delivered email opens that draft as the colleague."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from consultation.celery import app
from outbox.models import Email, EmailStatus
from surveys.models import DraftCollaborator, Submission
from tests.integration.test_email_outbox import (  # noqa: F401 - the SMTP server fixture
    ABOUT,
    SLUG,
    _wait,
    smtp_server,
)

pytestmark = pytest.mark.integration


def test_the_invitation_reaches_the_colleague_in_the_drafts_language_and_its_link_works(
    celery_worker_process,
    smtp_server,  # noqa: F811 - the fixture imported above
    demo_consultations,
    client,
):
    smtp_server.accept()
    worker = celery_worker_process(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    about = {**ABOUT, "respondent_type": "organisation", "organisation_name": "海港數碼有限公司"}
    assert client.post(reverse("surveys:step", args=[SLUG, 1]), about).status_code == 302
    submission = Submission.objects.get(email="chan@example.com")
    assert submission.language == "zh-hant"

    response = client.post(
        reverse("surveys:colleagues", args=[SLUG]), {"email": "legal@harbour.example"}
    )
    assert response.status_code == 302
    queued = Email.objects.get(kind="surveys.draft_invitation")
    assert (queued.to, queued.language) == ("legal@harbour.example", "zh-hant")
    app.send_task("outbox.tasks.send_due")

    def delivered() -> bool:
        queued.refresh_from_db()
        return queued.status == EmailStatus.SENT

    _wait(delivered, "the invitation's delivery", worker)
    ((recipients, message),) = [
        (to, m) for to, m in smtp_server.messages() if to == "legal@harbour.example"
    ]
    assert message["Subject"] == "誠邀你協助草擬一份諮詢回應"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "海港數碼有限公司 的 Chan Tai Man 邀請你協助草擬" in text
    assert "/resume/" not in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="zh-Hant-HK"' in html
    link = next(word for word in text.split() if "/drafts/" in word)
    assert "private_link" not in queued.context

    # The link from the email opens the draft in the colleague's browser, as the colleague.
    colleague = Client()
    response = colleague.get(link.split("testserver", 1)[1])
    assert response.status_code == 302
    assert response.url == reverse("surveys:respond", args=[SLUG])
    invitation = DraftCollaborator.objects.get()
    assert invitation.accepted_at is not None
    assert colleague.session["surveys.collaborator"] == {str(submission.pk): invitation.pk}
