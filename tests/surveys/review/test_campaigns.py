"""Campaign and duplicate detection over a consultation, and reviewing the groups (the grouping
itself: tests/textkit/test_minhash.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from surveys.models import CampaignGroup, QuestionKind, ReviewEvent, Submission
from surveys.review import campaigns
from tests.factories import (
    AnswerFactory,
    CampaignGroupFactory,
    ConsultationFactory,
    QuestionFactory,
    SectionFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.textkit.texts import (
    EN_CAMPAIGN,
    EN_WORDS,
    ZH_CAMPAIGN,
    ZH_WORDS,
    campaign_texts,
    individual_texts,
)


@pytest.fixture
def consultation(db):
    consultation = ConsultationFactory(slug="otc")
    section = SectionFactory(consultation=consultation)
    consultation.q_text = QuestionFactory(section=section, kind=QuestionKind.TEXT, code="Q25")
    consultation.q_more = QuestionFactory(section=section, kind=QuestionKind.TEXT, code="Q26")
    return consultation


def respond(consultation, *texts, state="submitted"):
    submission = SubmissionFactory(consultation=consultation, submitted=state != "draft")
    if state == "withdrawn":
        Submission.objects.filter(pk=submission.pk).update(state="withdrawn")
    for question, text in zip((consultation.q_text, consultation.q_more), texts, strict=False):
        AnswerFactory(submission=submission, question=question, text=text)
    return submission


@pytest.mark.django_db
class TestDetectionJob:
    def test_groups_sizes_and_representative_text(self, consultation):
        members = [
            respond(consultation, text) for text in campaign_texts(EN_CAMPAIGN, EN_WORDS, 12, 5)
        ]
        pair = [respond(consultation, "Exactly the same words twice, sent by one firm.", "Q26 too")]
        pair.append(
            respond(consultation, "Exactly the same words twice, sent by one firm.", "Q26 too")
        )
        for text in individual_texts(30, seed=6):
            respond(consultation, text)
        result = campaigns.campaign_detect(consultation=consultation)
        assert (result.submissions, result.groups, result.grouped) == (44, 2, 14)
        big, small = CampaignGroup.objects.filter(consultation=consultation).order_by("-size")
        assert (big.label, big.size, small.label, small.size) == ("C1", 12, "C2", 2)
        assert "rely on local OTC shops" in big.representative_text
        assert set(big.submissions.values_list("pk", flat=True)) == {m.pk for m in members}
        assert set(small.submissions.values_list("pk", flat=True)) == {p.pk for p in pair}

    def test_answers_to_several_questions_are_compared_together(self, consultation):
        text = "We support the regime but ask for a longer transition for existing shops."
        first = respond(consultation, text, "The capital level is about right for us.")
        second = respond(consultation, text, "We have no view on the capital requirement.")
        third = respond(consultation, text, "The capital level is about right for us.")
        campaigns.campaign_detect(consultation=consultation)
        first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
        assert first.campaign_group == third.campaign_group is not None
        assert second.campaign_group is None

    def test_drafts_and_withdrawn_submissions_are_not_grouped(self, consultation):
        text = "A standard text that many people were asked to send in, word for word."
        respond(consultation, text)
        respond(consultation, text, state="draft")
        respond(consultation, text, state="withdrawn")
        assert campaigns.campaign_detect(consultation=consultation).groups == 0

    def test_a_rerun_keeps_labels_and_confirmations_and_drops_vanished_groups(self, consultation):
        campaign = [respond(consultation, t) for t in campaign_texts(ZH_CAMPAIGN, ZH_WORDS, 6, 7)]
        twins = [respond(consultation, "Two copies of one response from the same firm.")] * 2
        twins[1] = respond(consultation, "Two copies of one response from the same firm.")
        campaigns.campaign_detect(consultation=consultation)
        group = CampaignGroup.objects.get(size=6)
        CampaignGroup.objects.filter(pk=group.pk).update(confirmed=True)
        twins[1].answers.update(text="Now something else entirely, after an amendment.")
        newcomer = respond(consultation, campaign_texts(ZH_CAMPAIGN, ZH_WORDS, 1, 8)[0])

        result = campaigns.campaign_detect(consultation=consultation)

        assert (result.groups, result.kept, result.removed) == (1, 1, 1)
        again = CampaignGroup.objects.get(consultation=consultation)
        assert (again.pk, again.label, again.confirmed, again.size) == (group.pk, "C1", True, 7)
        assert set(again.submissions.values_list("pk", flat=True)) == {
            s.pk for s in [*campaign, newcomer]
        }

    def test_every_change_of_group_is_audited(self, consultation):
        actor = UserFactory(username="rita")
        copies = [respond(consultation, t) for t in campaign_texts(EN_CAMPAIGN, EN_WORDS, 3, 12)]
        campaigns.campaign_detect(consultation=consultation, actor=actor)
        events = ReviewEvent.objects.filter(field="campaign_group")
        assert sorted(events.values_list("submission_id", flat=True)) == [c.pk for c in copies]
        assert set(events.values_list("old_value", "new_value", "actor__username")) == {
            ("", "C1 (detected)", "rita")
        }
        assert "Campaign detection" in events.first().reason

        campaigns.campaign_detect(consultation=consultation)  # nothing moved: nothing written
        assert events.count() == 3
        copies[0].answers.update(text="A text of its own now, about custody and cold storage.")
        campaigns.campaign_detect(consultation=consultation)
        moved = events.get(submission=copies[0], actor=None)
        assert (moved.old_value, moved.new_value) == ("C1 (detected)", "")

    def test_other_consultations_are_untouched(self, consultation):
        elsewhere = CampaignGroupFactory()
        campaigns.campaign_detect(consultation=consultation)
        assert CampaignGroup.objects.filter(pk=elsewhere.pk).exists()

    def test_bad_threshold_is_a_validation_error(self, consultation):
        with pytest.raises(ValidationError):
            campaigns.campaign_detect(consultation=consultation, threshold=1.5)

    def test_command_reports_groups(self, consultation, capsys):
        for text in campaign_texts(EN_CAMPAIGN, EN_WORDS, 5, 9):
            respond(consultation, text)
        call_command("detect_campaigns", "otc", "--threshold", "0.8")
        out = capsys.readouterr().out
        assert "1 group covering 5" in out
        assert "C1" in out

    def test_command_refuses_unknown_slug_and_bad_threshold(self, consultation):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError):
            call_command("detect_campaigns", "nope")
        with pytest.raises(CommandError):
            call_command("detect_campaigns", "otc", "--threshold", "0.2")


@pytest.mark.django_db
class TestReviewingGroups:
    def test_confirming_audits_every_member(self, consultation):
        actor = UserFactory(username="rita")
        group = CampaignGroupFactory(consultation=consultation, label="C4")
        members = [respond(consultation, "x") for _ in range(3)]
        Submission.objects.filter(pk__in=[m.pk for m in members]).update(campaign_group=group)
        count = campaigns.campaign_groups_confirm(
            groups=CampaignGroup.objects.all(), actor=actor, note="Same letter"
        )
        assert count == 1
        group.refresh_from_db()
        assert group.confirmed
        assert list(
            ReviewEvent.objects.order_by()
            .values_list("field", "old_value", "new_value", "reason")
            .distinct()
        ) == [("campaign_group", "C4 (detected)", "C4 (confirmed)", "Same letter")]
        assert ReviewEvent.objects.count() == 3
        assert (
            campaigns.campaign_groups_confirm(groups=CampaignGroup.objects.all(), actor=actor) == 0
        )

    def test_moving_a_submission_updates_both_sizes(self, consultation):
        actor = UserFactory(username="rita")
        first = CampaignGroupFactory(consultation=consultation, label="C1")
        second = CampaignGroupFactory(consultation=consultation, label="C2")
        member = respond(consultation, "x")
        campaigns.submission_campaign_set(submission=member, group=first, actor=actor)
        campaigns.submission_campaign_set(submission=member, group=second, actor=actor)
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.size, second.size) == (0, 1)
        assert list(ReviewEvent.objects.order_by("pk").values_list("old_value", "new_value")) == [
            ("", "C1 (detected)"),
            ("C1 (detected)", "C2 (detected)"),
        ]
        assert (
            campaigns.submission_campaign_set(submission=member, group=second, actor=actor) is False
        )

    def test_a_group_of_another_consultation_is_refused(self, consultation):
        with pytest.raises(ValidationError):
            campaigns.submission_campaign_set(
                submission=respond(consultation, "x"),
                group=CampaignGroupFactory(),
                actor=UserFactory(),
            )


@pytest.mark.django_db
def test_generated_campaigns_come_out_whole(demo_consultations):
    """The synthetic generator's campaigns (signed, lightly edited standard texts) are found as
    exactly one group each, and nothing else joins them."""
    from surveys.demo.vocabulary import CAMPAIGN_TEXTS

    call_command("generate_responses", "va-otc-dealing", "--count", "600", "--seed", "11")
    consultation = demo_consultations["va-otc-dealing"]
    campaigns.campaign_detect(consultation=consultation)
    openings = [template.split("{")[0][:25] for template, _s, _u in CAMPAIGN_TEXTS.values()]
    members: dict[str, set[int]] = {}
    for submission_id, text in (
        consultation.submissions.filter(answers__question__kind="text")
        .values_list("pk", "answers__text")
        .distinct()
    ):
        for opening in openings:
            if text.startswith(opening):
                members.setdefault(opening, set()).add(submission_id)
    assert members, "the generator made no campaign"
    for opening, ids in members.items():
        group_ids = set(
            Submission.objects.filter(pk__in=ids).values_list("campaign_group", flat=True)
        )
        assert len(group_ids) == 1 and None not in group_ids, opening
        group = CampaignGroup.objects.get(pk=group_ids.pop())
        assert group.size == len(ids), opening
