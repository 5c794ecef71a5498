"""Drafting a response together: invitations, colleagues' links, who changed what, who submits,
and two people saving one section at once."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from surveys.drafting import selectors as drafting_selectors
from surveys.drafting import services as drafting
from surveys.journey import errors, services
from surveys.journey import structure as journey_structure
from surveys.journey.selectors import submission_answers
from surveys.models import DraftChange, DraftCollaborator, SubmissionRevision, SubmissionState

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
SITE = "https://consult.example/"


@pytest.fixture
def otc(demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    journey = journey_structure.journey_load(consultation=consultation)
    submission, _ = services.draft_start(consultation=consultation, respondent=ABOUT, language="en")
    return submission, journey


def _save(submission, journey, number, answers, **kwargs):
    return services.draft_save(
        submission=submission,
        journey=journey,
        section=journey.step(number).section,
        answers=answers,
        step=number,
        language="en",
        **kwargs,
    )


def _answer_required(submission, journey, **kwargs):
    plan = {2: {"Q1": "agree", "Q7": "sfc"}, 4: {"Q13": "all_trades"}, 6: {"Q22": "six_months"}}
    for number, answers in plan.items():
        _save(submission, journey, number, answers, **kwargs)


def test_an_invitation_keeps_only_a_hash_of_its_link_and_queues_an_email(otc, sent):
    submission, _ = otc
    colleague, token = drafting.collaborator_invite(
        submission=submission, email="legal@harbour.example", site_url=SITE
    )
    assert colleague.token_hash == drafting_selectors.token_hash(token)
    assert token not in colleague.token_hash
    assert colleague.invited_by == "chan@example.com"
    assert not colleague.can_submit
    assert drafting_selectors.collaborator_by_token(token=token) == colleague
    assert drafting_selectors.collaborator_by_token(token=token + "x") is None
    (message,) = sent()
    assert message.to == ["legal@harbour.example"]
    assert f"{SITE}drafts/{token}/" in message.body
    assert "Harbour Digital Ltd" in message.body
    # Never the owner's own resume link.
    assert "/resume/" not in message.body


def test_the_invitation_is_in_the_drafts_language(otc, sent):
    submission, _ = otc
    submission.language = "zh-hant"
    submission.save()
    drafting.collaborator_invite(
        submission=submission, email="legal@harbour.example", site_url=SITE
    )
    (message,) = sent()
    assert message.subject == "誠邀你協助草擬一份諮詢回應"
    assert "邀請你協助草擬" in message.body


def test_the_same_colleague_is_not_invited_twice_nor_the_owner(otc):
    submission, _ = otc
    drafting.collaborator_invite(submission=submission, email="legal@harbour.example")
    with pytest.raises(errors.InvitationRefused, match="already been invited"):
        drafting.collaborator_invite(submission=submission, email=" LEGAL@harbour.example")
    with pytest.raises(errors.InvitationRefused, match="your own email"):
        drafting.collaborator_invite(submission=submission, email="Chan@Example.com")
    assert DraftCollaborator.objects.count() == 1


def test_the_database_refuses_a_second_live_invitation_to_one_address(otc):
    submission, _ = otc
    drafting.collaborator_invite(submission=submission, email="legal@harbour.example")
    with pytest.raises(IntegrityError):
        DraftCollaborator.objects.create(
            submission=submission, email="Legal@Harbour.example", invited_by="x@y.z", token_hash="1"
        )


def test_a_draft_has_at_most_the_limit_of_colleagues(otc):
    submission, _ = otc
    for number in range(drafting_selectors.MAX_COLLABORATORS):
        drafting.collaborator_invite(submission=submission, email=f"c{number}@harbour.example")
    with pytest.raises(errors.InvitationRefused, match="at most"):
        drafting.collaborator_invite(submission=submission, email="one.more@harbour.example")


def test_a_revoked_invitation_frees_its_place_and_its_link_stops_working(otc):
    submission, _ = otc
    colleague, _token = drafting.collaborator_invite(
        submission=submission, email="legal@harbour.example"
    )
    revoked = drafting.collaborator_revoke(submission=submission, collaborator_id=colleague.pk)
    assert revoked is not None and revoked.revoked_at is not None
    assert (
        drafting_selectors.collaborator_active(collaborator_id=colleague.pk, submission=submission)
        is None
    )
    # Invited again: a new invitation with a new link.
    again, _ = drafting.collaborator_invite(submission=submission, email="legal@harbour.example")
    assert again.pk != colleague.pk


def test_revoking_another_drafts_invitation_finds_nothing(otc, demo_consultations):
    submission, _ = otc
    other, _ = services.draft_start(
        consultation=submission.consultation,
        respondent={**ABOUT, "email": "other@example.com"},
        language="en",
    )
    colleague, _ = drafting.collaborator_invite(submission=other, email="legal@harbour.example")
    assert drafting.collaborator_revoke(submission=submission, collaborator_id=colleague.pk) is None
    colleague.refresh_from_db()
    assert colleague.revoked_at is None


def test_accepting_records_the_first_visit_only(otc):
    submission, _ = otc
    colleague, _ = drafting.collaborator_invite(submission=submission, email="l@harbour.example")
    first = timezone.now()
    drafting.collaborator_accept(collaborator=colleague, now=first)
    drafting.collaborator_accept(collaborator=colleague, now=first + timezone.timedelta(hours=1))
    colleague.refresh_from_db()
    assert colleague.accepted_at == first


def test_every_save_that_changes_answers_names_who_made_it(otc):
    submission, journey = otc
    colleague, _ = drafting.collaborator_invite(submission=submission, email="l@harbour.example")
    _save(submission, journey, 2, {"Q1": "agree", "Q7": "sfc"})
    _save(submission, journey, 2, {"Q1": "disagree", "Q7": "sfc"}, collaborator=colleague)
    _save(submission, journey, 2, {"Q1": "disagree", "Q7": "sfc"}, collaborator=colleague)
    owner_change, colleague_change = DraftChange.objects.order_by("pk")
    assert owner_change.collaborator is None
    assert owner_change.author == "chan@example.com"
    assert set(owner_change.questions) >= {"Q1", "Q7"}
    assert colleague_change.collaborator == colleague
    assert colleague_change.author == "l@harbour.example"
    assert colleague_change.questions == ["Q1"]
    # The third save changed nothing: nothing recorded.
    assert DraftChange.objects.count() == 2


def test_a_save_of_a_section_changed_since_its_page_was_loaded_is_refused(otc):
    submission, journey = otc
    colleague, _ = drafting.collaborator_invite(submission=submission, email="l@harbour.example")
    _save(submission, journey, 2, {"Q1": "agree", "Q7": "sfc"})
    codes = [q.code for q in journey.section_questions(journey.step(2).section)]
    loaded = drafting_selectors.section_version(
        answers=submission_answers(submission=submission, journey=journey), codes=codes
    )
    # Both load the page; the colleague saves first.
    _save(
        submission,
        journey,
        2,
        {"Q1": "disagree", "Q7": "sfc"},
        version=loaded,
        collaborator=colleague,
    )
    submission.refresh_from_db()
    with pytest.raises(errors.DraftConflict):
        _save(submission, journey, 2, {"Q1": "strongly_agree", "Q7": "sfc"}, version=loaded)
    # Nothing of the second save was stored; the first one's answer stands.
    assert submission_answers(submission=submission, journey=journey)["Q1"] == "disagree"
    assert DraftChange.objects.count() == 2
    # Saving the same answers as are stored is no conflict (a page sent twice).
    _save(submission, journey, 2, {"Q1": "disagree", "Q7": "sfc"}, version=loaded)
    # With the page's new stamp, the reconciled answers are saved.
    current = drafting_selectors.section_version(
        answers=submission_answers(submission=submission, journey=journey), codes=codes
    )
    _save(submission, journey, 2, {"Q1": "strongly_agree", "Q7": "sfc"}, version=current)
    assert submission_answers(submission=submission, journey=journey)["Q1"] == "strongly_agree"


def test_a_save_of_another_section_is_no_conflict(otc):
    submission, journey = otc
    _save(submission, journey, 2, {"Q1": "agree", "Q7": "sfc"})
    codes = [q.code for q in journey.section_questions(journey.step(4).section)]
    loaded = drafting_selectors.section_version(
        answers=submission_answers(submission=submission, journey=journey), codes=codes
    )
    _save(submission, journey, 2, {"Q1": "disagree", "Q7": "sfc"})
    submission.refresh_from_db()
    _save(submission, journey, 4, {"Q13": "all_trades"}, version=loaded)
    assert submission_answers(submission=submission, journey=journey)["Q13"] == "all_trades"


def test_an_editor_may_not_submit(otc):
    submission, journey = otc
    _answer_required(submission, journey)
    colleague, _ = drafting.collaborator_invite(submission=submission, email="l@harbour.example")
    with pytest.raises(errors.SubmitNotAllowed):
        drafting.draft_submit(submission=submission, journey=journey, collaborator=colleague)
    submission.refresh_from_db()
    assert submission.state == SubmissionState.DRAFT


def test_the_colleague_named_to_submit_may_and_the_revision_names_the_drafters(otc):
    submission, journey = otc
    colleague, _ = drafting.collaborator_invite(
        submission=submission, email="l@harbour.example", can_submit=True
    )
    drafting.collaborator_accept(collaborator=colleague)
    _answer_required(submission, journey, collaborator=colleague)
    result = drafting.draft_submit(submission=submission, journey=journey, collaborator=colleague)
    assert result.created and result.submission.state == SubmissionState.SUBMITTED
    revision = SubmissionRevision.objects.get(submission=submission)
    assert revision.respondent["organisation_name"] == "Harbour Digital Ltd"
    assert revision.respondent["drafted_by"] == ["l@harbour.example"]
    # The link stops working once the response is submitted.
    submission.refresh_from_db()
    assert (
        drafting_selectors.collaborator_active(collaborator_id=colleague.pk, submission=submission)
        is None
    )


def test_a_submitter_whose_invitation_was_revoked_may_not_submit(otc):
    submission, journey = otc
    _answer_required(submission, journey)
    colleague, _ = drafting.collaborator_invite(
        submission=submission, email="l@harbour.example", can_submit=True
    )
    drafting.collaborator_revoke(submission=submission, collaborator_id=colleague.pk)
    with pytest.raises(errors.SubmitNotAllowed):
        drafting.draft_submit(submission=submission, journey=journey, collaborator=colleague)


def test_the_owner_submits(otc):
    submission, journey = otc
    _answer_required(submission, journey)
    drafting.collaborator_invite(submission=submission, email="l@harbour.example")
    result = drafting.draft_submit(submission=submission, journey=journey, collaborator=None)
    assert result.submission.state == SubmissionState.SUBMITTED


def test_no_invitation_once_the_response_is_submitted(otc):
    submission, journey = otc
    _answer_required(submission, journey)
    services.submission_submit(submission=submission, journey=journey)
    with pytest.raises(errors.SubmissionNotEditable):
        drafting.collaborator_invite(submission=submission, email="l@harbour.example")
