"""Points raised (themes coded on several respondents' answers, or a licensed firm's) need a
recorded disposition before the conclusions are published; the conclusions edition lists them."""

from __future__ import annotations

import subprocess

import pytest
from django.test import override_settings

from reports.conclusions import points
from reports.conclusions import selectors as conclusion_selectors
from reports.conclusions import services as conclusion_services
from reports.conclusions.selectors import ConclusionsError
from reports.models import Disposition, PublicationFile, PublicationFileKind
from surveys.models import Answer, Consultation, Question, QuestionKind, Submission, Theme
from tests.shared_rows import module_rows, process_state_clear


def summary_with(themes, by_licence=None):
    question = {"code": "Q3", "free_text": {"themes": themes}}
    if by_licence is not None:
        question["by_licence"] = by_licence
    return {"questions": [question]}


def theme(theme_id, count, name="Capital"):
    return {"id": theme_id, "name": {"en": name, "zh-hant": "資本"}, "count": count}


def test_a_licensed_firms_theme_is_a_point_in_the_shape_summary_json_writes():
    # render/json.py writes a subset's themes as a list of {"id", "count"}.
    summary = summary_with(
        [theme(1, 5, "Capital"), theme(3, 1, "Custody")],
        by_licence={
            "licensed": {"themes": [{"id": 1, "count": 0}, {"id": 3, "count": 1}]},
            "other": {"themes": [{"id": 1, "count": 5}, {"id": 3, "count": 0}]},
        },
    )
    found = points.points_raised(summary=summary, min_respondents=5)
    assert [(p.theme_id, p.count, p.licensed) for p in found] == [(1, 5, 0), (3, 1, 1)]


def test_a_theme_is_a_point_from_the_threshold_or_from_one_licensed_firm():
    summary = summary_with(
        [theme(1, 5, "Capital"), theme(2, 4, "Fees"), theme(3, 1, "Custody")],
        by_licence={"licensed": {"themes": {"3": 1}}, "others": {"themes": {"1": 5}}},
    )
    found = points.points_raised(summary=summary, min_respondents=5)
    assert [(p.theme_id, p.count, p.licensed) for p in found] == [(1, 5, 0), (3, 1, 1)]
    assert [p.theme_id for p in points.points_raised(summary=summary, min_respondents=4)] == [
        1,
        2,
        3,
    ]


def test_without_coded_themes_there_is_no_point():
    assert points.points_raised(summary={"questions": [{"code": "Q1"}]}, min_respondents=1) == []


@pytest.fixture(scope="module")
def _ready_shared(django_db_setup, django_db_blocker, tmp_path_factory):
    """Written once for the module's tests that publish from it (two report builds each
    before): a closed consultation with a theme on three answers, both reports and a draft."""
    from tests.factories import UserFactory
    from tests.reports.conclusions.conclusions_data import (
        closed_consultation,
        conclusions_storage,
        draft_complete,
        reports_build,
    )

    with (
        override_settings(DISPOSITION_MIN_RESPONDENTS=3),
        conclusions_storage(tmp_path_factory.mktemp("private")),
        module_rows(django_db_blocker),
    ):
        consultation, _rows = closed_consultation()
        question = Question.objects.filter(consultation=consultation, kind=QuestionKind.TEXT)[0]
        capital = Theme.objects.create(consultation=consultation, name_en="Capital", name_zh="資本")
        answers = Answer.objects.filter(
            question=question, submission__in=Submission.objects.counted()
        ).exclude(text="")[:3]
        assert len(answers) == 3
        for answer in answers:
            answer.themes.add(capital)
        reports_build(consultation)
        editor = UserFactory(username="editor", roles=["Consultation editors"])
        draft_complete(consultation, editor)
        yield consultation.pk, editor.pk, question.pk, capital.pk


@pytest.fixture
def ready(_ready_shared, db, settings, django_user_model):
    """The shared consultation, its editor, the coded question and its theme, as the database
    holds them."""
    settings.DISPOSITION_MIN_RESPONDENTS = 3
    process_state_clear()
    consultation_pk, editor_pk, question_pk, theme_pk = _ready_shared
    return (
        Consultation.objects.get(pk=consultation_pk),
        django_user_model.objects.get(pk=editor_pk),
        Question.objects.get(pk=question_pk),
        Theme.objects.get(pk=theme_pk),
    )


@pytest.mark.django_db
def test_publishing_waits_for_a_disposition_and_the_annex_lists_it(ready):
    consultation, editor, question, capital = ready
    with pytest.raises(ConclusionsError, match="needs a disposition") as refused:
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert f"{question.code}: “Capital” (raised by 3)" in str(refused.value)

    with pytest.raises(ConclusionsError, match="in English and in Chinese"):
        conclusion_services.disposition_record(
            consultation=consultation,
            user=editor,
            question=question,
            theme_id=capital.pk,
            outcome="not_adopted",
            reason_en="The capital protects clients.",
            reason_zh="",
        )
    with pytest.raises(ConclusionsError, match="Choose what was decided"):
        conclusion_services.disposition_record(
            consultation=consultation,
            user=editor,
            question=question,
            theme_id=capital.pk,
            outcome="maybe",
            reason_en="x",
            reason_zh="x",
        )
    assert not Disposition.objects.exists()
    conclusion_services.disposition_record(
        consultation=consultation,
        user=editor,
        question=question,
        theme_id=capital.pk,
        outcome="not_adopted",
        reason_en="A lower capital would leave clients less protected.",
        reason_zh="降低資本要求會削弱對客戶的保障。",
    )
    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    pdf = PublicationFile.objects.get(publication=publication, kind=PublicationFileKind.PDF_EN)
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-raw", pdf.file.path, "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = " ".join(text.split())  # a table cell's lines, joined
    assert "Points raised and our response" in text
    assert "A lower capital would leave clients less protected." in text
    assert "Not adopted" in text
    chinese = PublicationFile.objects.get(publication=publication, kind=PublicationFileKind.PDF_ZH)
    zh_text = subprocess.run(  # noqa: S603
        ["pdftotext", "-raw", chinese.file.path, "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "降低資本要求" in zh_text.replace(" ", "")
    assert "不予採納" in zh_text.replace(" ", "") or "不採納" in zh_text.replace(" ", "")


@pytest.mark.django_db
def test_the_page_records_a_decision(ready, client):
    from django.urls import reverse

    consultation, editor, question, capital = ready
    client.force_login(editor)
    page = client.get(reverse("reports:conclusions", args=[consultation.slug]))
    assert "Points raised" in page.content.decode()
    assert "No decision yet" in page.content.decode()
    client.post(
        reverse("reports:conclusions_disposition", args=[consultation.slug]),
        {
            "question": question.code,
            "theme": capital.pk,
            "outcome": "noted",
            "reason_en": "We will keep it under review.",
            "reason_zh": "我們會持續檢討。",
        },
    )
    states = points.points_state(
        consultation=consultation,
        points=points.points_raised(
            summary=conclusion_selectors.report_json(
                report=conclusion_selectors.report_latest(consultation=consultation, language="en")
            )
        ),
    )
    assert [state.decided for state in states] == [True]
    assert states[0].disposition.outcome == "noted"


def test_a_licensed_firm_raises_a_point_in_the_split_as_summary_json_writes_it():
    summary = summary_with(
        [theme(7, 1, "Custody")],
        by_licence={"licensed": {"themes": [{"id": 7, "count": 1}]}},
    )
    found = points.points_raised(summary=summary, min_respondents=5)
    assert [(p.theme_id, p.licensed) for p in found] == [(7, 1)]
