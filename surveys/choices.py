"""The fixed choices of the data model: stable values stored in the database, bilingual labels.

Reports and exports key their figures by these values, never by the labels.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    AGREE = "agree", _("Agree scale (five points)")
    YES_NO_UNSURE = "yes_no_unsure", _("Yes / no / unsure")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")
    NUMBER = "number", _("Number")

    @classmethod
    def closed(cls) -> frozenset[str]:
        """Kinds answered by picking choices."""
        return frozenset({cls.AGREE, cls.YES_NO_UNSURE, cls.SINGLE, cls.MULTIPLE})

    @classmethod
    def counts_row(cls, kind: str, multiple: bool) -> bool:
        """Whether an answer row of a question of ``kind``, flagged ``multiple`` or not, is a
        choice or number answer a report counts: a multiple-choice question's rows are flagged,
        every other closed or number question's are not; a stray row whose flag disagrees with
        its question's kind is not an answer, and free text is read as text, not here."""
        if kind == cls.TEXT:
            return False
        return multiple == (kind == cls.MULTIPLE)

    @classmethod
    def counted_kinds(cls, *, multiple: bool) -> list[str]:
        """The kinds whose answer rows flagged ``multiple`` (or not) count (``counts_row``)."""
        return [kind for kind in cls.values if cls.counts_row(kind, multiple)]


class RespondentType(models.TextChoices):
    INDIVIDUAL = "individual", _("An individual")
    ORGANISATION = "organisation", _("On behalf of an organisation")


class RespondentCategory(models.TextChoices):
    PUBLIC = "public", _("Member of the public")
    OTC_SHOP = "otc_shop", _("OTC shop or VA ATM operator")
    ONLINE_PLATFORM = "online_platform", _("Online OTC or dealing platform")
    LICENSED_PLATFORM = "licensed_platform", _("SFC-licensed VA trading platform")
    LICENSED_CORPORATION = "licensed_corporation", _("Other licensed corporation")
    BANK = "bank", _("Bank")
    PAYMENTS = "payments", _("Stored value facility, payment provider or money service operator")
    CUSTODIAN = "custodian", _("VA custodian or wallet-technology provider")
    ASSET_MANAGER = "asset_manager", _("Fund or asset manager")
    ASSOCIATION = "association", _("Industry association or chamber")
    PROFESSIONAL_FIRM = "professional_firm", _("Professional firm (law, accounting, consulting)")
    ACADEMIC = "academic", _("Professional body, academic or think tank")
    CONSUMER_GROUP = "consumer_group", _("Consumer or investor group, or statutory body")
    OTHER = "other", _("Other")


class Consent(models.TextChoices):
    NAME_AND_RESPONSE = "name_and_response", _("Publish my name and my response")
    RESPONSE_ONLY = "response_only", _("Publish my response without my name")
    CONFIDENTIAL = "confidential", _("Do not publish my response (confidential)")


class SubmissionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    """How a response reached the regulator."""

    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    FAX = "fax", _("Fax")
    IMPORT = "import", _("Bulk import")


class ReviewStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    EXCLUDED = "excluded", _("Excluded")


class ExclusionReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    WITHDRAWN = "withdrawn", _("Withdrawn by the respondent")
    OTHER = "other", _("Other")


class PrivacyActionKind(models.TextChoices):
    ERASURE = "erasure", _("Personal data erased after the retention period")
    ACCESS_EXPORT = "access_export", _("Personal data exported for an access request")
    STAFF_VIEW = "staff_view", _("Personal data shown to staff")
    STAFF_EXPORT = "staff_export", _("Personal data exported by staff")
