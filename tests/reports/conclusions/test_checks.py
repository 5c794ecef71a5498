"""The conclusions text checked against the figures and between its languages
(reports.conclusions.checks): quantifiers and their thresholds, numbers that are no figure,
English/Chinese parity; publishing refused until each point is fixed or waived with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.conclusions import checks
from reports.conclusions import services as conclusion_services
from reports.conclusions.selectors import ConclusionsError, QuestionText
from reports.models import CheckWaiver, Publication, WordingRule
from surveys.models import Consultation
from tests.shared_rows import module_rows, process_state_clear

# A summary.json cut down to what the checks read: Q1 agree scale (48% agreeing of 25 answering,
# 12 agreeing), Q2 single choice (licence 80%, registration 20%), 27 respondents.
SUMMARY = {
    "respondents": {"total": 27, "by_type": {"individual": 10, "organisation": 17}, "late": 2},
    "snapshot": {"excluded": {"spam": 3}},
    "questions": [
        {
            "code": "Q1",
            "kind": "agree",
            "choices": [
                {"value": "agree", "label": {"en": "Agree", "zh-hant": "同意"}},
                {"value": "disagree", "label": {"en": "Disagree", "zh-hant": "不同意"}},
            ],
            "answered": 25,
            "counts": {"agree": 12, "disagree": 13},
            "shares": {"agree": 0.48, "disagree": 0.52},
            "agree": {
                "agreeing": 12,
                "neutral": 0,
                "disagreeing": 13,
                "share_agreeing": 0.48,
                "share_disagreeing": 0.52,
                "net_score": -0.04,
            },
        },
        {
            "code": "Q2",
            "kind": "single",
            "choices": [
                {"value": "licence", "label": {"en": "A licence", "zh-hant": "發牌制度"}},
                {"value": "registration", "label": {"en": "Registration", "zh-hant": "註冊"}},
            ],
            "answered": 20,
            "counts": {"licence": 16, "registration": 4},
            "shares": {"licence": 0.8, "registration": 0.2},
        },
    ],
}
RULES = {key: checks.Rule(str(key), *bounds) for key, bounds in checks.DEFAULT_RULES.items()}


def issues(*, intro=("", ""), **texts) -> list[checks.CheckIssue]:
    return checks.draft_issues(
        summary=SUMMARY,
        intro_en=intro[0],
        intro_zh=intro[1],
        texts={code: QuestionText(**fields) for code, fields in texts.items()},
        rules=RULES,
    )


def kinds(found) -> list[str]:
    return sorted(issue.kind for issue in found)


def test_a_majority_that_is_48_percent_is_flagged_with_the_figure():
    found = issues(Q1={"views_summary_en": "A majority of respondents agreed with the proposal."})
    assert kinds(found) == ["wording"]
    assert "48.0%" in found[0].message
    assert "over 50%" in found[0].message
    assert found[0].where == "Q1 · summary of views (English)"


def test_the_same_words_pass_when_the_figure_supports_them():
    assert issues(Q1={"views_summary_en": "A majority of respondents disagreed."}) == []
    assert issues(Q1={"views_summary_en": "Some respondents agreed; 48% agreed."}) == []
    assert issues(Q2={"response_en": "Most respondents preferred a licence."}) == []


def test_chinese_quantifiers_are_checked_too():
    found = issues(Q1={"views_summary_zh": "大多數回應者同意建議。"})
    assert kinds(found) == ["wording"]
    assert issues(Q1={"views_summary_zh": "大多數回應者不同意建議。"}) == []
    # "A few" is at most 15% by default: registration was chosen by 20%.
    assert kinds(issues(Q2={"views_summary_zh": "極少數回應者選擇註冊。"})) == ["wording"]


def test_the_regulators_threshold_replaces_the_default():
    rules = dict(RULES)
    rules["majority"] = checks.Rule("majority", Decimal(45), True, None, True)
    found = checks.draft_issues(
        summary=SUMMARY,
        intro_en="",
        intro_zh="",
        texts={"Q1": QuestionText(views_summary_en="A majority of respondents agreed.")},
        rules=rules,
    )
    assert found == []


def test_a_number_that_is_no_figure_is_flagged_and_figures_pass():
    assert issues(Q1={"views_summary_en": "12 of the 25 respondents (48%) agreed."}) == []
    found = issues(Q1={"views_summary_en": "14 respondents (56%) agreed."})
    assert kinds(found) == ["figure", "figure"]
    assert {"“14”", "“56%”"} == {issue.message.split(" ")[0] for issue in found}
    # Respondents as a whole are figures of every text; years and amounts are not checked here.
    assert issues(intro=("We received 27 responses in 2026; HK$5 million.", "")) == []
    assert kinds(issues(intro=("We received 29 responses.", ""))) == ["figure"]


def test_english_and_chinese_must_state_the_same_quantities():
    same = issues(
        Q2={
            "response_en": "The capital will be HK$5 million from 1 June 2027 (paragraph 3.2).",
            "response_zh": "由2027年6月1日起，最低資本為500萬港元（第3.2段）。",
        }
    )
    assert same == []
    found = issues(
        Q2={
            "response_en": "The capital will be HK$5 million from 1 June 2027 (paragraph 3.2).",
            "response_zh": "由2027年6月1日起，最低資本為600萬港元（第3.2段）。",
        }
    )
    assert kinds(found) == ["parity"]
    assert "HK$5,000,000" in found[0].message and "HK$6,000,000" in found[0].message


def test_list_lengths_and_outlying_lengths_are_flagged():
    found = issues(
        Q2={
            "response_en": "We will:\n- raise the limit;\n- publish a list;\n- review it.",
            "response_zh": "我們將：\n- 提高上限；\n- 公布名單。",
        }
    )
    assert [issue.kind for issue in found] == ["parity"]
    assert "3" in found[0].message and "2" in found[0].message
    english = "We will consider the views received and set out our approach in due course."
    chinese = "我們會考慮收到的意見，並在適當時候公布我們的做法。"
    texts = {
        "Q1": {"views_summary_en": english, "views_summary_zh": chinese},
        "Q2": {"views_summary_en": english, "views_summary_zh": chinese},
    }
    texts["Q1"]["response_en"] = english
    texts["Q1"]["response_zh"] = chinese
    assert issues(**texts) == []
    texts["Q2"]["response_en"] = english * 4
    texts["Q2"]["response_zh"] = chinese[:12]
    assert [issue.kind for issue in issues(**texts)] == ["parity"]


def test_each_point_has_a_stable_key_that_changes_with_the_text():
    first = issues(Q1={"views_summary_en": "A majority of respondents agreed."})
    again = issues(Q1={"views_summary_en": "A majority of respondents agreed."})
    changed = issues(Q1={"views_summary_en": "A clear majority of respondents agreed."})
    assert first[0].key == again[0].key
    assert changed and changed[0].key != first[0].key


@pytest.mark.django_db
def test_the_rules_in_the_admin_override_the_defaults():
    WordingRule.objects.create(quantifier="majority", lowest=Decimal(40), lowest_included=True)
    rules = checks.wording_rules()
    assert rules["majority"].allows(45)
    assert not rules["vast_majority"].allows(70)


# --- Publishing --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _ready_shared(django_db_setup, django_db_blocker, tmp_path_factory):
    """A closed consultation with both reports built and a complete, clean draft, written once
    for the module's tests that publish from it (two report builds each before)."""
    from tests.factories import UserFactory
    from tests.reports.conclusions.conclusions_data import (
        closed_consultation,
        conclusions_storage,
        draft_complete,
        reports_build,
    )

    with (
        conclusions_storage(tmp_path_factory.mktemp("private")),
        module_rows(django_db_blocker),
    ):
        consultation, _rows = closed_consultation()
        reports_build(consultation)
        editor = UserFactory(username="editor", roles=["Consultation editors"])
        draft_complete(consultation, editor)
        yield consultation.pk, editor.pk


@pytest.fixture
def ready(_ready_shared, db, django_user_model):
    """The shared consultation and its editor, as the database holds them."""
    process_state_clear()
    consultation_pk, editor_pk = _ready_shared
    return Consultation.objects.get(pk=consultation_pk), django_user_model.objects.get(pk=editor_pk)


def _save(consultation, editor, **changes):
    from reports.conclusions import selectors

    draft = selectors.draft_latest(consultation=consultation)
    texts = selectors.draft_texts(draft=draft)
    first = min(texts)
    texts[first] = QuestionText(**{**vars(texts[first]), **changes})
    conclusion_services.draft_save(
        consultation=consultation,
        author=editor,
        intro_en=draft.intro_en,
        intro_zh=draft.intro_zh,
        questions=texts,
    )


@pytest.mark.django_db
def test_publishing_is_refused_for_each_planted_mismatch_and_allowed_once_waived(ready):
    consultation, editor = ready
    _save(
        consultation,
        editor,
        response_en="The minimum capital will be HK$5 million.",
        response_zh="最低資本為600萬港元。",
    )
    with pytest.raises(ConclusionsError, match="HK\\$ amounts differ") as refused:
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert "HK$5,000,000" in str(refused.value)
    assert not Publication.objects.exists()

    with pytest.raises(ConclusionsError, match="Say why"):
        conclusion_services.check_waive(
            consultation=consultation, user=editor, key="x" * 64, reason=" "
        )
    with pytest.raises(ConclusionsError, match="no longer flagged"):
        conclusion_services.check_waive(
            consultation=consultation, user=editor, key="x" * 64, reason="Checked"
        )
    from reports.conclusions import selectors

    report = selectors.report_latest(consultation=consultation, language="en")
    points = checks.draft_check(
        consultation=consultation,
        draft=selectors.draft_latest(consultation=consultation),
        summary=selectors.report_json(report=report),
    )
    assert [point.kind for point in points] == ["parity"]
    conclusion_services.check_waive(
        consultation=consultation,
        user=editor,
        key=points[0].key,
        reason="The Chinese edition quotes the amount after the 2027 review.",
    )
    waiver = CheckWaiver.objects.get()
    assert waiver.waived_by == editor and "HK$ amounts differ" in waiver.flagged
    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    assert publication.pk is not None


@pytest.mark.django_db
def test_the_page_lists_the_points_and_an_editor_keeps_one_with_a_reason(ready, client):
    from django.urls import reverse

    consultation, editor = ready
    _save(consultation, editor, response_en="We will review it in 18 months.")
    client.force_login(editor)
    page = client.get(reverse("reports:conclusions", args=[consultation.slug]))
    text = page.content.decode()
    assert "Checks before publishing" in text
    assert "Numbers differ. English: 18. Chinese: none." in text
    assert "must be fixed or waived first" in text
    key = page.context["points"][0][0].key

    refused = client.post(
        reverse("reports:conclusions_waive", args=[consultation.slug]),
        {"key": key, "reason": ""},
        follow=True,
    )
    assert "Say why the text is right as it is." in refused.content.decode()
    assert not CheckWaiver.objects.exists()
    kept = client.post(
        reverse("reports:conclusions_waive", args=[consultation.slug]),
        {"key": key, "reason": "The Chinese text gives the period in paragraph 4."},
        follow=True,
    )
    assert "Kept as written by editor" in kept.content.decode()
    assert CheckWaiver.objects.get().reason.startswith("The Chinese text")
