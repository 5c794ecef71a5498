"""A consultation with published conclusions, for the tests of what the public may see.

Built on the conclusions tests' data (tests/reports/conclusions_data.py): a closed consultation
with a named organisation, a named individual, an organisation that asked for its name to be
withheld, a confidential response and a campaign response; reports in both languages; a complete
draft; and the publish step, as an editor makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from reports.conclusions import services as conclusion_services
from reports.models import Publication
from surveys.models import Answer, Attachment, Consultation, Submission
from surveys.roles import EDITORS, roles_sync
from tests.reports.conclusions.conclusions_data import (
    closed_consultation,
    draft_complete,
    reports_build,
)

CONFIDENTIAL_TEXT = "CONFIDENTIAL-MARKER we intend to leave Hong Kong if the regime passes."


@dataclass
class Published:
    consultation: Consultation
    known: dict[str, Submission]
    publication: Publication
    confidential_paper: Attachment
    withheld_paper: Attachment

    def refetched(self) -> Published:
        """The same rows read again: a test that changes an object in memory (a shared world's
        publication, say) leaves the next test's copy as the database holds it."""
        return Published(
            consultation=Consultation.objects.get(pk=self.consultation.pk),
            known={name: Submission.objects.get(pk=row.pk) for name, row in self.known.items()},
            publication=Publication.objects.get(pk=self.publication.pk),
            confidential_paper=Attachment.objects.get(pk=self.confidential_paper.pk),
            withheld_paper=Attachment.objects.get(pk=self.withheld_paper.pk),
        )

    def secrets(self) -> list[str]:
        """What must never appear on a public page or in a public file."""
        confidential = self.known["confidential"]
        texts = Answer.objects.filter(submission=confidential).exclude(text="")
        return [
            CONFIDENTIAL_TEXT,
            confidential.organisation_name,
            confidential.contact_name,
            confidential.email,
            self.known["anonymous"].organisation_name,  # asked for its name to be withheld
            self.known["anonymous"].contact_name,
            *(text for text in texts.values_list("text", flat=True) if len(text) > 30),
        ]


def published_consultation(django_user_model, *, count: int = 30) -> Published:
    consultation, known = closed_consultation(count=count)
    confidential = known["confidential"]
    # A free-text answer only the confidential respondent gave, shown by its question's condition.
    question = consultation.questions.filter(kind="text").order_by("order").first()
    if question.condition_question_id:
        Answer.objects.update_or_create(
            submission=confidential,
            question_id=question.condition_question_id,
            multiple=False,
            defaults={"consultation": consultation, "choice": question.condition_choice},
        )
    Answer.objects.update_or_create(
        submission=confidential,
        question=question,
        multiple=False,
        defaults={"consultation": consultation, "text": CONFIDENTIAL_TEXT},
    )
    papers = {}
    for name, submission in (("confidential", confidential), ("withheld", known["anonymous"])):
        paper = Attachment(
            submission=submission,
            original_name=f"{name}-paper.pdf",
            content_type="application/pdf",
            size=15,
            sha256="0" * 64,
        )
        paper.file.save(f"{name}.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=True)
        papers[name] = paper
    editor = django_user_model.objects.create_user(
        "publishing-editor", "publisher@consult.example.hk", "a-long-test-password", is_staff=True
    )
    # The groups come from a data migration; a transactional test's flush removes them.
    if not Group.objects.filter(name=EDITORS).exists():
        roles_sync()
    editor.groups.add(Group.objects.get(name=EDITORS))
    reports_build(consultation)
    draft_complete(consultation, editor)
    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    return Published(
        consultation=consultation,
        known=known,
        publication=publication,
        confidential_paper=papers["confidential"],
        withheld_paper=papers["withheld"],
    )
