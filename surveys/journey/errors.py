"""Why a respondent's write cannot happen now; ``code`` says why, for the page to explain."""

from __future__ import annotations


class JourneyError(Exception):
    """A respondent write that cannot happen now; ``code`` says why (for the page to explain)."""

    code = "invalid"


class ConsultationNotOpen(JourneyError):
    code = "not_open"


class ConsultationClosed(JourneyError):
    code = "closed"


class SubmissionNotEditable(JourneyError):
    code = "not_editable"


class SubmissionIncomplete(JourneyError):
    """Required questions are unanswered; ``missing`` lists their codes."""

    code = "incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"unanswered required questions: {', '.join(missing)}")
        self.missing = missing


class AnswersInvalid(JourneyError):
    """Answers the form would have refused (an exclusive choice ticked with others)."""

    code = "invalid_answers"


class DraftConflict(JourneyError):
    """Someone else saved the section since this page was loaded, with other answers: nothing
    is saved, so that the page can show both and let the respondent reconcile them."""

    code = "conflict"


class SubmitNotAllowed(JourneyError):
    """A colleague helping to draft a response who has not been named to submit it."""

    code = "submit_not_allowed"


class InvitationRefused(JourneyError):
    """An invitation to draft together that cannot be sent; ``message`` says why."""

    code = "invitation_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
