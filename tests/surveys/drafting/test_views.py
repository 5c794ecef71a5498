"""Drafting together through the pages: the owner invites from the draft, a colleague opens the
link from the email and edits the same form pages, the owner sees who changed what; only the
owner or the colleague named to submit can submit; revoked or submitted, the link stops working
with a clear page; two people saving one section keep both texts."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from bench.load.forms import form_fields
from surveys.models import DraftChange, DraftCollaborator, Submission, SubmissionState

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"
ABOUT = {
    "respondent_type": "organisation",
    "organisation_name": "Harbour Digital Ltd",
    "category": "online_platform",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": "on",
}
LINK = re.compile(r"https?://[^\s\"<]+/drafts/[A-Za-z0-9_-]+/")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def step(number):
    return reverse("surveys:step", args=[SLUG, number])


def _walk_to_review(client):
    """Answer every page with what the form offers first; end on the review page."""
    for number in range(2, 8):
        page = client.get(step(number)).content.decode()
        assert client.post(step(number), form_fields(page).data()).status_code == 302


@pytest.fixture
def owner(demo_consultations):
    client = Client()
    client.get(step(1))
    page = client.get(step(1)).content.decode()
    data = {**form_fields(page).data(), **ABOUT}
    assert client.post(step(1), data).status_code == 302
    return client


def _invite(owner, sent, email="legal@harbour.example", can_submit=False):
    data = {"email": email, **({"can_submit": "on"} if can_submit else {})}
    response = owner.post(reverse("surveys:colleagues", args=[SLUG]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    message = next(m for m in reversed(sent()) if m.to == [email])
    return LINK.search(message.body).group(0)


def _colleague(link):
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == reverse("surveys:respond", args=[SLUG])
    return client


def test_the_invite_page_is_reached_from_the_draft_and_lists_invitations(owner, sent):
    _walk_to_review(owner)
    review = owner.get(step(8)).content.decode()
    assert reverse("surveys:colleagues", args=[SLUG]) in review
    _invite(owner, sent)
    page = owner.get(reverse("surveys:colleagues", args=[SLUG])).content.decode()
    assert "legal@harbour.example" in page and "Invited" in page


def test_a_bad_or_duplicate_invitation_is_refused_with_its_reason(owner, sent):
    url = reverse("surveys:colleagues", args=[SLUG])
    response = owner.post(url, {"email": "not an address"})
    assert response.status_code == 400
    assert "correct format" in response.content.decode()
    _invite(owner, sent)
    response = owner.post(url, {"email": "LEGAL@harbour.example"})
    assert response.status_code == 400
    assert "already been invited" in response.content.decode()
    assert DraftCollaborator.objects.count() == 1


def test_a_colleague_edits_and_the_owner_sees_who_changed_what(owner, sent):
    link = _invite(owner, sent)
    colleague = _colleague(link)
    page = colleague.get(step(2)).content.decode()
    data = form_fields(page).data()
    data["q_Q1"] = "disagree"
    assert colleague.post(step(2), data).status_code == 302
    change = DraftChange.objects.latest("pk")
    assert change.author == "legal@harbour.example" and "Q1" in change.questions
    owner_review = owner.get(step(2)).content.decode()
    assert 'value="disagree"' in owner_review and "checked" in owner_review
    history = owner.get(reverse("surveys:colleagues", args=[SLUG]))
    assert history.status_code == 200
    # The history is on the check-your-answers page, naming the colleague.
    _walk_to_review(owner)
    review = owner.get(step(8)).content.decode()
    assert "legal@harbour.example" in review
    assert "Chan Tai Man (started this response)" in review


def test_a_colleague_never_sees_the_owners_link_nor_invites_nor_changes_about_you(owner, sent):
    colleague = _colleague(_invite(owner, sent))
    for url in (step(1), step(2), reverse("surveys:saved", args=[SLUG])):
        page = colleague.get(url).content.decode()
        assert "/resume/" not in page
    response = colleague.get(reverse("surveys:colleagues", args=[SLUG]))
    assert response.status_code == 302
    response = colleague.post(step(1), {**ABOUT, "email": "hijack@example.com"})
    assert response.status_code == 302
    assert Submission.objects.get().email == "chan@example.com"


def test_an_editor_cannot_submit_and_is_told_why(owner, sent):
    colleague = _colleague(_invite(owner, sent))
    _walk_to_review(colleague)
    review = colleague.get(step(8)).content.decode()
    assert 'id="submit-not-allowed"' in review
    assert "?change=1#id_email" not in review  # no link to change who the response is from
    assert reverse("surveys:submit", args=[SLUG]) not in review
    response = colleague.post(reverse("surveys:submit", args=[SLUG]))
    assert response.status_code == 302 and response.url == step(8)
    assert Submission.objects.get().state == SubmissionState.DRAFT
    # The owner submits; the colleague's link then shows a clear page.
    assert owner.post(reverse("surveys:submit", args=[SLUG])).status_code == 302
    assert Submission.objects.get().state == SubmissionState.SUBMITTED
    ended = colleague.get(step(2))
    assert ended.status_code == 302 and ended.url == step(1)


def test_the_named_colleague_submits_and_the_receipt_names_the_drafters(owner, sent):
    link = _invite(owner, sent, can_submit=True)
    colleague = _colleague(link)
    _walk_to_review(colleague)
    response = colleague.post(reverse("surveys:submit", args=[SLUG]))
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.reference in response.content.decode()
    receipt = next(m for m in reversed(sent()) if m.to == ["chan@example.com"])
    assert "Drafted for Harbour Digital Ltd with: legal@harbour.example" in receipt.body
    # The link no longer works, with a page that says why.
    again = Client().get(link)
    assert again.status_code == 410
    assert "has been submitted" in again.content.decode()


def test_a_revoked_colleague_loses_the_draft_at_once(owner, sent):
    link = _invite(owner, sent)
    colleague = _colleague(link)
    assert colleague.get(step(2)).status_code == 200
    invitation = DraftCollaborator.objects.get()
    response = owner.post(reverse("surveys:colleague_revoke", args=[SLUG, invitation.pk]))
    assert response.status_code == 302
    # In the browser that opened the link: back to the start, with the reason.
    response = colleague.get(step(2), follow=True)
    assert "Your access to a colleague" in response.content.decode()
    assert response.redirect_chain[-1][0] == step(1)
    page = Client().get(link)
    assert page.status_code == 410 and "withdrawn the invitation" in page.content.decode()


def test_only_the_owner_revokes_and_only_their_own_drafts_invitations(owner, sent):
    colleague = _colleague(_invite(owner, sent))
    invitation = DraftCollaborator.objects.get()
    response = colleague.post(reverse("surveys:colleague_revoke", args=[SLUG, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    stranger = Client()
    response = stranger.post(reverse("surveys:colleague_revoke", args=[SLUG, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_a_wrong_link_says_it_does_not_work(demo_consultations):
    response = Client().get(reverse("surveys:draft_join", args=["not-a-real-token"]))
    assert response.status_code == 404


def test_two_people_saving_one_section_keep_both_texts(owner, sent):
    _walk_to_review(owner)
    colleague = _colleague(_invite(owner, sent))
    owner_page = owner.get(step(6)).content.decode()
    colleague_page = colleague.get(step(6)).content.decode()
    owner_data = form_fields(owner_page).data()
    colleague_data = form_fields(colleague_page).data()
    text_field = "q_Q26"  # "Any other comments", free text
    assert owner_data["version"] == colleague_data["version"]
    colleague_data[text_field] = "Legal team: the transition is too short for custody firms."
    assert colleague.post(step(6), colleague_data).status_code == 302
    owner_data[text_field] = "Compliance team: agree with a six-month transition."
    response = owner.post(step(6), owner_data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this section" in page
    assert "legal@harbour.example saved changes" in page
    # Both texts are on the page: the owner's in the form, the colleague's as saved.
    assert "Compliance team: agree with a six-month transition." in page
    assert "Legal team: the transition is too short for custody firms." in page
    # Saved again from this page (its new stamp), the reconciled text is kept.
    again = form_fields(page).data()
    again[text_field] = "Both teams: six months, longer for custody firms."
    assert owner.post(step(6), again).status_code == 302
    assert DraftChange.objects.latest("pk").author == "chan@example.com"
