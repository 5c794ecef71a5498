"""Conclusions services: versioned drafts, the publish step (frozen reports and text, the
conclusions edition of the PDF, public files without personal data) and unpublishing."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.utils import timezone

from reports.conclusions import selectors as conclusion_selectors
from reports.conclusions import services as conclusion_services
from reports.conclusions.selectors import ConclusionsError, QuestionText
from reports.models import (
    ConclusionsDraft,
    Publication,
    PublicationFile,
    PublicationFileKind,
    QuestionConclusion,
    ReportFile,
)
from surveys.models import Consent, Question, Submission, SubmissionState
from tests.factories import ConsultationFactory, QuestionFactory
from tests.reports.conclusions.conclusions_data import (
    ANONYMOUS_ORGANISATION,
    CONFIDENTIAL_ORGANISATION,
    INTRO_EN,
    INTRO_ZH,
    NAMED_ORGANISATION,
    closed_consultation,
    conclusions_storage,
    draft_complete,
    question_texts,
    reports_build,
    reports_built_again,
    reports_built_once,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def private_root(tmp_path_factory):
    """One folder for the module: the shared reports' files stay readable by every test."""
    root = tmp_path_factory.mktemp("private")
    with conclusions_storage(root):
        yield root


@pytest.fixture
def closed():
    return closed_consultation()


@pytest.fixture(scope="module")
def _built_shared(private_root, django_db_setup, django_db_blocker):
    yield from reports_built_once(django_db_blocker)


@pytest.fixture
def built(_built_shared, db):
    """The consultation, its known respondents and its reports, as the database holds them."""
    return reports_built_again(_built_shared)


def _pdf_text(path) -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _save(consultation, user, **texts):
    return conclusion_services.draft_save(
        consultation=consultation,
        author=user,
        intro_en=texts.get("intro_en", "Intro"),
        intro_zh=texts.get("intro_zh", "引言"),
        questions=texts.get("questions", {}),
    )


# Drafting


def test_each_save_is_a_new_version_and_an_unchanged_save_creates_none(closed, editor):
    consultation, _ = closed
    question = Question.objects.filter(consultation=consultation).first()
    first, changed = _save(
        consultation,
        editor,
        questions={question.pk: QuestionText(views_summary_en="Most agreed.")},
    )
    assert (first.version, changed) == (1, True)
    same, changed = _save(
        consultation,
        editor,
        intro_en="Intro\r\n",
        questions={question.pk: QuestionText(views_summary_en="Most agreed.")},
    )
    assert (same.pk, changed) == (first.pk, False)
    second, changed = _save(
        consultation,
        editor,
        questions={question.pk: QuestionText(views_summary_en="Most agreed, some did not.")},
    )
    assert (second.version, changed) == (2, True)
    # Version 1 is kept as it was.
    assert QuestionConclusion.objects.get(draft=first).views_summary_en == "Most agreed."
    assert conclusion_selectors.draft_latest(consultation=consultation) == second
    assert second.author == editor


@pytest.mark.parametrize("role", ["reviewer", "report_reader", "staff_without_role"])
def test_only_editors_may_save_a_draft(closed, role, request):
    consultation, _ = closed
    with pytest.raises(ConclusionsError, match="Only Consultation editors"):
        _save(consultation, request.getfixturevalue(role))
    assert not ConclusionsDraft.objects.exists()


def test_conclusions_are_written_only_after_closing(editor):
    open_consultation = ConsultationFactory()
    with pytest.raises(ConclusionsError, match="closed"):
        _save(open_consultation, editor)
    assert not ConclusionsDraft.objects.exists()


def test_a_question_of_another_consultation_is_refused(closed, editor):
    consultation, _ = closed
    other = QuestionFactory()
    with pytest.raises(ConclusionsError, match="not in this consultation"):
        _save(consultation, editor, questions={other.pk: QuestionText(response_en="x")})
    assert not ConclusionsDraft.objects.exists()


def test_an_overlong_text_is_refused(closed, editor):
    consultation, _ = closed
    with pytest.raises(ConclusionsError, match="at most"):
        _save(consultation, editor, intro_en="x" * (conclusion_selectors.MAX_TEXT + 1))
    assert not ConclusionsDraft.objects.exists()


def test_missing_lists_each_question_without_its_four_texts(closed, editor):
    consultation, _ = closed
    codes = list(Question.objects.filter(consultation=consultation).values_list("code", flat=True))
    texts = question_texts(consultation)
    first = next(iter(texts))
    texts[first] = QuestionText(views_summary_en="Only English.")
    draft, _ = _save(consultation, editor, intro_zh="", questions=texts)
    missing = conclusion_selectors.draft_missing(consultation=consultation, draft=draft)
    assert any("introduction in Chinese" in line for line in missing)
    assert sum(codes[0] in line for line in missing) == 1
    assert len(missing) == 2


# Publishing


def test_publishing_refuses_without_reports_or_complete_text_and_changes_nothing(closed, editor):
    consultation, _ = closed
    with pytest.raises(ConclusionsError, match="No conclusions text"):
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    draft_complete(consultation, editor)
    with pytest.raises(ConclusionsError, match="English and one in Chinese"):
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert not Publication.objects.exists()
    consultation.refresh_from_db()
    assert consultation.conclusions_published_at is None


def test_publishing_refuses_when_responses_changed_after_the_reports(built, editor):
    consultation, known, _reports = built
    draft_complete(consultation, editor)
    Submission.objects.filter(pk=known["named"].pk).update(
        state=SubmissionState.WITHDRAWN, withdrawn_at=timezone.now()
    )
    with pytest.raises(ConclusionsError, match="changed since reports"):
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert not Publication.objects.exists()
    assert not PublicationFile.objects.exists()


def test_publishing_refuses_reports_built_before_closing(closed, editor):
    consultation, _ = closed
    reports_build(consultation)
    draft_complete(consultation, editor)
    consultation.closes_at = timezone.now() - timezone.timedelta(seconds=1)
    consultation.save(update_fields=["closes_at"])
    with pytest.raises(ConclusionsError, match="before the consultation closed"):
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert not Publication.objects.exists()


def test_a_reviewer_cannot_publish(closed, reviewer, editor):
    consultation, _ = closed
    draft_complete(consultation, editor)
    with pytest.raises(ConclusionsError, match="Only Consultation editors"):
        conclusion_services.conclusions_publish(consultation=consultation, user=reviewer)


def test_publish_freezes_reports_and_text_and_builds_the_public_files(built, editor, tmp_path):
    consultation, known, reports = built
    draft_complete(consultation, editor)
    draft = conclusion_selectors.draft_latest(consultation=consultation)

    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)

    assert publication.report_en == reports["en"]
    assert publication.report_zh == reports["zh-hant"]
    assert publication.draft == draft
    assert publication.published_by == editor
    files = {f.kind: f for f in PublicationFile.objects.filter(publication=publication)}
    assert set(files) == set(PublicationFileKind.values)
    consultation.refresh_from_db()
    assert consultation.conclusions_published_at == publication.published_at

    # A later draft does not change what was published.
    draft_complete(consultation, editor)
    conclusion_services.draft_save(
        consultation=consultation, author=editor, intro_en="Changed", intro_zh="改", questions={}
    )
    publication.refresh_from_db()
    assert publication.draft == draft

    # The English conclusions edition.
    pdf_en = tmp_path / "en.pdf"
    pdf_en.write_bytes(files[PublicationFileKind.PDF_EN].file.open("rb").read())
    text = " ".join(_pdf_text(pdf_en).split())
    assert "Consultation conclusions" in text
    assert INTRO_EN in text
    first = Question.objects.filter(consultation=consultation).order_by("order").first()
    assert f"Respondents gave mixed views on {first.code}." in text
    assert f"We will adopt the proposal in {first.code}." in text
    assert "Summary of views" in text and "Our response" in text
    assert "Appendix: list of respondents" in text
    assert NAMED_ORGANISATION in text
    assert "Chan Tai Man (late)" in text
    assert ANONYMOUS_ORGANISATION not in text
    assert CONFIDENTIAL_ORGANISATION not in text
    assert "Name withheld at request" in text
    counted = Submission.objects.filter(
        consultation=consultation, submitted_at__lte=reports["en"].snapshot_as_of
    ).counted()
    confidential = counted.filter(consent=Consent.CONFIDENTIAL).count()
    assert confidential >= 1
    assert f"{confidential} submission{'s were' if confidential > 1 else ' was'} made in" in text
    in_c1 = counted.filter(campaign_group__label="C1").exclude(consent=Consent.CONFIDENTIAL)
    assert f"Campaign C1: {in_c1.count()} submission" in text
    late = counted.filter(is_late=True).count()
    assert f"{late} submission{'s were' if late > 1 else ' was'} received after the" in text
    # Every counted, non-confidential submission outside campaigns is listed once.
    listed = counted.exclude(consent=Consent.CONFIDENTIAL).filter(campaign_group__isnull=True)
    withheld = listed.exclude(consent=Consent.NAME_AND_RESPONSE).count()
    assert text.count("Name withheld at request") == withheld

    # The Chinese edition: Chinese text, set in an embedded CJK font.
    pdf_zh = tmp_path / "zh.pdf"
    pdf_zh.write_bytes(files[PublicationFileKind.PDF_ZH].file.open("rb").read())
    text_zh = " ".join(_pdf_text(pdf_zh).split())
    assert INTRO_ZH in text_zh
    assert f"我們將採納{first.code}的建議。" in text_zh
    assert "應要求不公開姓名" in text_zh
    assert CONFIDENTIAL_ORGANISATION not in text_zh
    fonts = subprocess.run(  # noqa: S603
        ["pdffonts", str(pdf_zh)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CJK" in fonts

    # JSON: the frozen report's counts, the conclusions text, no names or quotes.
    public = json.loads(files[PublicationFileKind.JSON].file.open("rb").read())
    stored = json.loads(
        ReportFile.objects.get(report=reports["en"], format="json").file.open("rb").read()
    )
    assert public["respondents"] == stored["respondents"]
    assert [q["counts"] for q in public["questions"]] == [q["counts"] for q in stored["questions"]]
    assert public["conclusions"]["introduction"] == {"en": INTRO_EN, "zh-hant": INTRO_ZH}
    raw = files[PublicationFileKind.JSON].file.open("rb").read().decode()
    for name in (NAMED_ORGANISATION, "Chan Tai Man", known["named"].contact_name, '"quotes"'):
        assert name not in raw
    # CSV: the frozen report's CSV.
    assert (
        files[PublicationFileKind.CSV].file.open("rb").read()
        == ReportFile.objects.get(report=reports["en"], format="csv").file.open("rb").read()
    )

    with pytest.raises(ConclusionsError, match="already published"):
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)


def test_unpublish_withdraws_and_keeps_the_record(built, editor, reviewer):
    consultation, _, _ = built
    with pytest.raises(ConclusionsError, match="not published"):
        conclusion_services.conclusions_unpublish(consultation=consultation, user=editor)
    draft_complete(consultation, editor)
    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    with pytest.raises(ConclusionsError, match="Only Consultation editors"):
        conclusion_services.conclusions_unpublish(consultation=consultation, user=reviewer)

    conclusion_services.conclusions_unpublish(consultation=consultation, user=editor)

    publication.refresh_from_db()
    assert publication.unpublished_at is not None
    assert publication.unpublished_by == editor
    assert conclusion_selectors.publication_live(consultation=consultation) is None
    assert PublicationFile.objects.filter(publication=publication).count() == 4
    # Publishing again makes a new live publication; the first stays withdrawn.
    again = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert again.pk != publication.pk
    assert conclusion_selectors.publication_live(consultation=consultation) == again
