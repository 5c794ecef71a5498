"""A consultation paper: its documents, sections, questions and choices."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.choices import ConsultationStatus, QuestionKind
from surveys.models.base import Bilingual
from surveys.querysets import ConsultationQuerySet


class Consultation(Bilingual):
    slug = models.SlugField(unique=True, max_length=80)
    reference_prefix = models.CharField(
        max_length=6,
        help_text=_("Letters that start each response reference, for example OTC in OTC-000123."),
    )
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    summary_en = models.TextField(_("summary (English)"))
    summary_zh = models.TextField(_("summary (Chinese)"))
    body_en = models.TextField(_("consultation paper (English)"), blank=True)
    body_zh = models.TextField(_("consultation paper (Chinese)"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    accepts_late = models.BooleanField(
        _("accepts late responses"),
        default=False,
        help_text=_("Responses after the closing time are stored and marked late."),
    )
    is_draft = models.BooleanField(
        _("draft"), default=True, help_text=_("Drafts are not shown to the public.")
    )
    requires_email_confirmation = models.BooleanField(
        _("requires email confirmation"),
        default=False,
        help_text=_(
            "A response sent through the web form counts only once the respondent has opened the "
            "confirmation link in the receipt email. Responses staff enter or import are not "
            "affected."
        ),
    )
    conclusions_published_at = models.DateTimeField(
        _("conclusions published at"),
        null=True,
        blank=True,
        help_text=_(
            "When the consultation conclusions were published. Respondents' personal data is "
            "erased a set number of days later (PERSONAL_DATA_RETENTION_DAYS)."
        ),
    )
    # The last number used in a response reference; raised atomically by services.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    # Replaced whenever a section, question or choice of the consultation changes
    # (surveys.signals), so the respondent form's structure can be cached under it.
    form_version = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=~Q(reference_prefix=""), name="consultation_reference_prefix_set"
            ),
        ]

    def __str__(self) -> str:
        return self.title_en

    def status_at(self, moment: dt.datetime) -> ConsultationStatus:
        if self.is_draft:
            return ConsultationStatus.DRAFT
        if moment < self.opens_at:
            return ConsultationStatus.UPCOMING
        if moment < self.closes_at:
            return ConsultationStatus.OPEN
        return ConsultationStatus.CLOSED

    @property
    def status(self) -> ConsultationStatus:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("The closing time must be after the opening time.")}
            )


class ConsultationDocument(Bilingual):
    """A document attached to the consultation paper (the full paper, an annex)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="documents"
    )
    order = models.PositiveSmallIntegerField(default=0)
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    file = models.FileField(upload_to="consultations/")

    class Meta:
        ordering = ["consultation", "order", "pk"]

    def __str__(self) -> str:
        return self.title_en


class Section(Bilingual):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField()
    title_en = models.CharField(max_length=300)
    title_zh = models.CharField(max_length=300)
    intro_en = models.TextField(blank=True)
    intro_zh = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "order"], name="section_order_unique")
        ]

    def __str__(self) -> str:
        return self.title_en


class Question(Bilingual):
    # Denormalised from the section so that codes can be unique per consultation in the database.
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(
        max_length=12, help_text=_("Stable reference used in papers and reports, e.g. Q7.")
    )
    order = models.PositiveSmallIntegerField(help_text=_("Position in the whole paper."))
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    text_en = models.TextField()
    text_zh = models.TextField()
    help_en = models.TextField(blank=True)
    help_zh = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    max_length = models.PositiveIntegerField(
        default=2000, help_text=_("Free text only: the most characters accepted.")
    )
    min_value = models.BigIntegerField(null=True, blank=True)
    max_value = models.BigIntegerField(null=True, blank=True)
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependants",
        help_text=_("Show this question only when that question ..."),
    )
    condition_choice = models.ForeignKey(
        "Choice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("... was answered with this choice."),
    )

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="question_code_unique"),
            models.UniqueConstraint(fields=["consultation", "order"], name="question_order_unique"),
            models.CheckConstraint(
                condition=Q(condition_question__isnull=True, condition_choice__isnull=True)
                | Q(condition_question__isnull=False, condition_choice__isnull=False),
                name="question_condition_complete",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="question_number_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text_en[:60]}"

    @property
    def is_closed(self) -> bool:
        return self.kind in QuestionKind.closed()

    @property
    def is_conditional(self) -> bool:
        return self.condition_question_id is not None

    def clean(self) -> None:
        errors = {}
        if (
            self.section_id
            and self.consultation_id
            and self.section.consultation_id != self.consultation_id
        ):
            errors["section"] = _("The section belongs to another consultation.")
        if self.condition_question_id:
            target = cast(Question, self.condition_question)  # set with its id
            if target.consultation_id != self.consultation_id:
                errors["condition_question"] = _(
                    "The condition must name a question of the same consultation."
                )
            elif self.order is not None and target.order >= self.order:
                errors["condition_question"] = _("The condition must name an earlier question.")
            elif not target.is_closed:
                errors["condition_question"] = _(
                    "The condition must name a question answered by choices."
                )
        if (
            self.condition_choice_id
            and self.condition_question_id
            and cast(Choice, self.condition_choice).question_id != self.condition_question_id
        ):
            errors["condition_choice"] = _("The choice must belong to the condition's question.")
        if errors:
            raise ValidationError(errors)


class Choice(Bilingual):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    value = models.SlugField(
        max_length=40, help_text=_("Stable value used in exports and reports.")
    )
    order = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=300)
    label_zh = models.CharField(max_length=300)
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("Cannot be ticked with another choice (“None of these”, “No view”)."),
    )

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="choice_value_unique"),
            models.UniqueConstraint(fields=["question", "order"], name="choice_order_unique"),
        ]

    def __str__(self) -> str:
        return self.label_en
