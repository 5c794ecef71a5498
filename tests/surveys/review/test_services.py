"""Review services: status, exclusion reasons, notes, and the audit event each change writes."""

import pytest
from django.core.exceptions import ValidationError

from surveys.models import ReviewEvent, ReviewStatus, Submission
from surveys.review import services as review
from tests.factories import SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory(username="ana")


@pytest.fixture
def sent():
    return SubmissionFactory(submitted=True)


def events(submission):
    return list(
        ReviewEvent.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("field", "old_value", "new_value", "reason", "actor__username")
    )


class TestReviewSet:
    def test_accepting_records_who_from_to(self, sent, actor):
        assert review.review_set(submission=sent, status=ReviewStatus.ACCEPTED, actor=actor)
        sent.refresh_from_db()
        assert sent.review_status == ReviewStatus.ACCEPTED
        assert events(sent) == [("review_status", "new", "accepted", "", "ana")]
        assert ReviewEvent.objects.get(submission=sent).at is not None

    def test_excluding_needs_a_reason(self, sent, actor):
        with pytest.raises(ValidationError) as caught:
            review.review_set(submission=sent, status=ReviewStatus.EXCLUDED, actor=actor)
        assert caught.value.code == "reason_required"
        sent.refresh_from_db()
        assert sent.review_status == ReviewStatus.NEW
        assert events(sent) == []

    def test_excluding_records_status_and_reason_with_the_note(self, sent, actor):
        review.review_set(
            submission=sent,
            status=ReviewStatus.EXCLUDED,
            reason="duplicate",
            note="  Same text as TST-000001  ",
            actor=actor,
        )
        sent.refresh_from_db()
        assert (sent.review_status, sent.exclusion_reason) == ("excluded", "duplicate")
        assert events(sent) == [
            ("review_status", "new", "excluded", "Same text as TST-000001", "ana"),
            ("exclusion_reason", "", "duplicate", "Same text as TST-000001", "ana"),
        ]

    def test_other_reason_needs_a_note(self, sent, actor):
        with pytest.raises(ValidationError) as caught:
            review.review_set(
                submission=sent, status=ReviewStatus.EXCLUDED, reason="other", actor=actor
            )
        assert caught.value.code == "note_required"

    def test_unknown_reason_and_status_are_refused(self, sent, actor):
        with pytest.raises(ValidationError):
            review.review_set(
                submission=sent, status=ReviewStatus.EXCLUDED, reason="boring", actor=actor
            )
        with pytest.raises(ValidationError):
            review.review_set(submission=sent, status="maybe", actor=actor)

    def test_a_reason_without_excluding_is_refused(self, sent, actor):
        with pytest.raises(ValidationError) as caught:
            review.review_set(submission=sent, status="accepted", reason="spam", actor=actor)
        assert caught.value.code == "reason_not_excluded"

    def test_re_accepting_an_excluded_submission_clears_the_reason(self, sent, actor):
        review.review_set(submission=sent, status="excluded", reason="spam", actor=actor)
        review.review_set(submission=sent, status="accepted", note="Not spam", actor=actor)
        sent.refresh_from_db()
        assert (sent.review_status, sent.exclusion_reason) == ("accepted", "")
        assert events(sent)[-2:] == [
            ("review_status", "excluded", "accepted", "Not spam", "ana"),
            ("exclusion_reason", "spam", "", "Not spam", "ana"),
        ]

    def test_no_change_writes_nothing(self, sent, actor):
        assert review.review_set(submission=sent, status="new", actor=actor) is False
        assert events(sent) == []

    def test_drafts_cannot_be_reviewed(self, actor):
        draft = SubmissionFactory()
        with pytest.raises(ValidationError) as caught:
            review.review_set(submission=draft, status="accepted", actor=actor)
        assert caught.value.code == "draft"


class TestBulk:
    def test_changes_each_row_once_and_skips_drafts(self, actor):
        already = SubmissionFactory(submitted=True, review_status="accepted")
        fresh = SubmissionFactory.create_batch(3, submitted=True)
        draft = SubmissionFactory()
        result = review.review_set_bulk(
            submissions=Submission.objects.all(), status="accepted", actor=actor
        )
        assert result == review.BulkReviewResult(changed=3, unchanged=1, skipped_drafts=1)
        assert set(Submission.objects.values_list("review_status", flat=True)) == {
            "accepted",
            "new",
        }
        draft.refresh_from_db()
        assert draft.review_status == "new"
        assert ReviewEvent.objects.count() == 3
        assert set(ReviewEvent.objects.values_list("submission_id", flat=True)) == {
            s.pk for s in fresh
        }
        assert events(already) == []

    def test_bulk_exclusion_validates_before_changing_anything(self, actor):
        SubmissionFactory.create_batch(2, submitted=True)
        with pytest.raises(ValidationError):
            review.review_set_bulk(
                submissions=Submission.objects.all(), status="excluded", actor=actor
            )
        assert not Submission.objects.filter(review_status="excluded").exists()
        assert ReviewEvent.objects.count() == 0

    def test_bulk_exclusion_writes_status_and_reason_events(self, actor):
        rows = SubmissionFactory.create_batch(2, submitted=True)
        review.review_set_bulk(
            submissions=Submission.objects.filter(pk__in=[r.pk for r in rows]).distinct(),
            status="excluded",
            reason="spam",
            note="Advertising",
            actor=actor,
        )
        assert ReviewEvent.objects.filter(field="exclusion_reason", new_value="spam").count() == 2
        assert ReviewEvent.objects.filter(field="review_status", reason="Advertising").count() == 2


class TestNotes:
    def test_notes_keep_the_previous_text_in_the_audit(self, sent, actor):
        assert review.notes_set(submission=sent, notes="Call the association.", actor=actor)
        assert review.notes_set(submission=sent, notes="Called: no reply.", actor=actor)
        assert review.notes_set(submission=sent, notes="Called: no reply.", actor=actor) is False
        sent.refresh_from_db()
        assert sent.reviewer_notes == "Called: no reply."
        assert events(sent) == [
            ("reviewer_notes", "", "Call the association.", "", "ana"),
            ("reviewer_notes", "Call the association.", "Called: no reply.", "", "ana"),
        ]
