"""Consultations, their questions, and the responses to them.

Content is bilingual: every text a respondent reads has an ``_en`` and a ``_zh`` (Traditional
Chinese) column, and ``localized(name)`` picks the one for the active language. Writes go
through the services (``surveys.journey.services``, ``surveys.review.services`` and the like);
models hold fields, constraints and small derived properties only. One module per part of the
record; everything is importable from ``surveys.models``.
"""

from surveys.choices import (
    Channel,
    Consent,
    ConsultationStatus,
    ExclusionReason,
    PrivacyActionKind,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    SubmissionState,
)
from surveys.models.api_tokens import ApiScope, ApiToken
from surveys.models.base import Bilingual, private_storage
from surveys.models.campaign_jobs import CampaignDetectionJob, DetectionState
from surveys.models.consultations import (
    Choice,
    Consultation,
    ConsultationDocument,
    Question,
    Section,
)
from surveys.models.drafting import DraftChange, DraftCollaborator
from surveys.models.imports import ImportState, SubmissionImport
from surveys.models.intake import GeneralComment, OriginalDocument
from surveys.models.licensing import (
    LicenceRegister,
    LicenceStatus,
    RegisterEntry,
    RegisterUpload,
)
from surveys.models.petitions import Petition, PetitionSignatory, SignatoriesSource
from surveys.models.responses import (
    Answer,
    Attachment,
    CampaignGroup,
    Submission,
    SubmissionRevision,
)
from surveys.models.review import PrivacyAction, ReviewEvent, Theme
from surveys.models.subscriptions import NoticeEvent, Subscription, SubscriptionNotice

__all__ = [
    "Answer",
    "ApiScope",
    "ApiToken",
    "Attachment",
    "Bilingual",
    "CampaignDetectionJob",
    "CampaignGroup",
    "Channel",
    "Choice",
    "Consent",
    "Consultation",
    "ConsultationDocument",
    "ConsultationStatus",
    "DetectionState",
    "DraftChange",
    "DraftCollaborator",
    "ExclusionReason",
    "GeneralComment",
    "OriginalDocument",
    "NoticeEvent",
    "LicenceRegister",
    "LicenceStatus",
    "ImportState",
    "PrivacyAction",
    "PrivacyActionKind",
    "Petition",
    "PetitionSignatory",
    "Question",
    "QuestionKind",
    "RespondentCategory",
    "RespondentType",
    "RegisterEntry",
    "RegisterUpload",
    "ReviewEvent",
    "ReviewStatus",
    "Section",
    "SignatoriesSource",
    "Submission",
    "SubmissionImport",
    "SubmissionRevision",
    "SubmissionState",
    "Subscription",
    "SubscriptionNotice",
    "Theme",
    "private_storage",
]
