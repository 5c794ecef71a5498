"""Keep ``Consultation.form_version`` current: any change to a consultation's sections, questions
or choices gives it a new version, which retires the form structure cached under the old one
(``services.journey_cached``). Bulk writes that bypass these signals call ``form_version_bump``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from surveys.models import Choice, Consultation, Question, Section


def form_version_bump(*, consultation_id: int) -> None:
    Consultation.objects.filter(pk=consultation_id).update(form_version=uuid.uuid4())


@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
@receiver(post_save, sender=Question)
@receiver(post_delete, sender=Question)
def _structure_changed(sender: type, instance: Section | Question, **kwargs: Any) -> None:
    form_version_bump(consultation_id=instance.consultation_id)


@receiver(post_save, sender=Choice)
@receiver(post_delete, sender=Choice)
def _choice_changed(sender: type, instance: Choice, **kwargs: Any) -> None:
    # One UPDATE, without loading the question: the choice's question names the consultation.
    owner = Question.objects.filter(pk=instance.question_id).values("consultation_id")
    Consultation.objects.filter(pk=Subquery(owner)).update(form_version=uuid.uuid4())
