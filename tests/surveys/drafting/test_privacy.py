"""The colleagues who drafted a response are personal data too: erased with the respondent's."""

import pytest
from django.conf import settings

from surveys.drafting import services as drafting
from surveys.journey import structure as journey_structure
from surveys.models import DraftChange, DraftCollaborator, SubmissionRevision
from surveys.privacy import personal_data_erase
from tests.security.responses import respond
from tests.security.test_personal_data import publish_conclusions

pytestmark = pytest.mark.django_db


def test_erasure_blanks_the_colleagues_addresses_and_who_changed_what(
    demo_consultations, private_storage_tmp
):
    otc = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=otc)
    draft = respond(otc, name="Lee Siu Ming", email="lee@harbour.example", submit=False)
    colleague, _ = drafting.collaborator_invite(submission=draft, email="legal@harbour.example")
    drafting.collaborator_accept(collaborator=colleague)
    DraftChange.objects.create(
        submission=draft, collaborator=colleague, author=colleague.email, questions=["Q1"]
    )
    drafting.draft_submit(submission=draft, journey=journey, collaborator=None)
    assert SubmissionRevision.objects.get(submission=draft).respondent["drafted_by"]
    publish_conclusions(otc, days_ago=settings.PERSONAL_DATA_RETENTION_DAYS)

    personal_data_erase(operator="dpo@secretariat")

    colleague = DraftCollaborator.objects.get()
    assert (colleague.email, colleague.invited_by) == ("", "")
    assert colleague.revoked_at is not None
    assert set(DraftChange.objects.values_list("author", flat=True)) == {""}
    assert SubmissionRevision.objects.get(submission=draft).respondent["drafted_by"] == ""
