"""Staff see on a submission's page who drafted it with the respondent and every change, read
only; the colleagues' addresses only with the right to see personal data."""

import pytest
from django.urls import reverse

from surveys.drafting import services as drafting
from surveys.journey import services
from surveys.journey import structure as journey_structure

pytestmark = pytest.mark.django_db

ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": True,
}


@pytest.fixture
def drafted(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission, _ = services.draft_start(consultation=consultation, respondent=ABOUT, language="en")
    colleague, _ = drafting.collaborator_invite(
        submission=submission, email="legal@harbour.example", can_submit=True
    )
    drafting.collaborator_accept(collaborator=colleague)
    plan = {2: {"Q1": "agree", "Q7": "sfc"}, 4: {"Q13": "all_trades"}, 6: {"Q22": "six_months"}}
    for number, answers in plan.items():
        services.draft_save(
            submission=submission,
            journey=journey,
            section=journey.step(number).section,
            answers=answers,
            step=number,
            language="en",
            collaborator=colleague if number == 6 else None,
        )
    drafting.draft_submit(submission=submission, journey=journey, collaborator=colleague)
    return submission


def _page(client, user, submission):
    client.force_login(user)
    response = client.get(reverse("admin:surveys_submission_change", args=[submission.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_submission_page_shows_the_organisation_the_colleagues_and_each_change(
    client, drafted, personal_reviewer
):
    page = _page(client, personal_reviewer, drafted)
    assert 'id="drafting"' in page
    assert "Speaks for the organisation Harbour Digital Ltd." in page
    assert "legal@harbour.example (colleague)" in page
    assert "chan@example.com (respondent who started it)" in page
    assert "Q22" in page


def test_colleagues_addresses_are_hidden_without_the_right_to_see_personal_data(
    client, drafted, reviewer
):
    page = _page(client, reviewer, drafted)
    assert 'id="drafting-history"' in page
    assert "legal@harbour.example" not in page
    assert "(hidden: personal data)" in page
