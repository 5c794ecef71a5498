"""The workbench's writer: one question's texts saved into the conclusions' one history of
versions (``services.draft_save``), the other questions and the introduction kept as they are."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext

from reports.conclusions import services
from reports.conclusions.selectors import ConclusionsError, QuestionText, draft_latest, draft_texts
from reports.models import ConclusionsDraft
from surveys.models import Consultation, Question


def question_text_save(
    *, consultation: Consultation, author: User, question: Question, text: QuestionText
) -> tuple[ConclusionsDraft, bool]:
    """Save ``text`` as ``question``'s texts in a new version built on the latest one; return the
    version and whether anything changed. Refuses, saving nothing, what ``draft_save`` refuses
    (not an editor, consultation not closed, texts too long, a quote that may not be used)."""
    if question.consultation_id != consultation.pk:
        raise ConclusionsError(gettext("Some of the questions are not in this consultation."))
    with transaction.atomic():
        # Lock before reading the latest version: two editors saving two questions at once must
        # not each build on the same version and lose the other's question.
        Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        latest = draft_latest(consultation=consultation)
        texts = draft_texts(draft=latest)
        texts[question.pk] = text
        return services.draft_save(
            consultation=consultation,
            author=author,
            intro_en=latest.intro_en if latest else "",
            intro_zh=latest.intro_zh if latest else "",
            questions=texts,
        )
