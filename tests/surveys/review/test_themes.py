"""Theme coding services and the clustering that suggests themes (English and Chinese)."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from surveys.models import Answer, QuestionKind, ReviewEvent, Theme
from surveys.review import themes
from tests.factories import (
    AnswerFactory,
    ConsultationFactory,
    QuestionFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Three distinct topics, each phrased several ways, two of them in Chinese.
CAPITAL = [
    "The capital requirement of HK$5 million is too high for small shops.",
    "Small shops cannot raise HK$5 million of capital; the capital requirement is too high.",
    "A capital requirement this high will close small shops.",
    "Please lower the capital requirement for small shops.",
    "The proposed capital requirement is too high for small OTC shops.",
    "Capital of HK$5 million is far too high a requirement for a small shop.",
]
WALLET = [
    "錢包核實規定難以執行，客戶未必能證明錢包擁有權。",
    "證明錢包擁有權的規定對客戶太繁複。",
    "錢包核實規定應容許較簡單的證明方法。",
    "我們反對錢包核實規定，客戶難以證明擁有權。",
    "錢包擁有權的證明要求不切實際。",
    "客戶證明錢包擁有權太困難，錢包核實規定應放寬。",
]
TRANSITION = [
    "六個月過渡期太短，現有營運者需要十二個月。",
    "過渡期應延長至十二個月，讓營運者有時間申請牌照。",
    "現有營運者需要較長的過渡期。",
    "請給予十二個月過渡期。",
    "過渡期太短，營運者未能及時申請牌照。",
    "過渡期六個月不足夠，建議延長。",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Suggestions are cached; each test starts without them."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def actor():
    return UserFactory(username="theo")


@pytest.fixture
def question():
    return QuestionFactory(kind=QuestionKind.TEXT, code="Q9")


def answer(question, text, **submission):
    return AnswerFactory(
        submission__consultation=question.consultation,
        submission__submitted=True,
        question=question,
        text=text,
        **{f"submission__{k}": v for k, v in submission.items()},
    )


class TestThemes:
    def test_create_normalises_spaces(self, question):
        theme = themes.theme_create(
            consultation=question.consultation, name_en="  Capital   level ", name_zh=" 資本 "
        )
        assert (theme.name_en, theme.name_zh) == ("Capital level", "資本")

    def test_names_are_unique_per_consultation_ignoring_case(self, question):
        themes.theme_create(consultation=question.consultation, name_en="Capital")
        with pytest.raises(ValidationError) as caught:
            themes.theme_create(consultation=question.consultation, name_en="capital")
        assert "name_en" in caught.value.message_dict
        themes.theme_create(consultation=ConsultationFactory(), name_en="Capital")

    def test_parent_must_be_of_the_same_consultation(self, question):
        elsewhere = ThemeFactory()
        with pytest.raises(ValidationError) as caught:
            themes.theme_create(
                consultation=question.consultation, name_en="Child", parent=elsewhere
            )
        assert "parent" in caught.value.message_dict

    def test_a_theme_cannot_sit_under_its_own_child(self, question):
        parent = ThemeFactory(consultation=question.consultation)
        child = ThemeFactory(consultation=question.consultation, parent=parent)
        with pytest.raises(ValidationError):
            themes.theme_validate(
                consultation=question.consultation,
                name_en=parent.name_en,
                parent=child,
                instance=parent,
            )

    def test_empty_name_is_refused(self, question):
        with pytest.raises(ValidationError):
            themes.theme_create(consultation=question.consultation, name_en="   ")


class TestTagging:
    def test_setting_an_answers_themes_is_audited_on_its_submission(self, question, actor):
        given = answer(question, "Too costly.")
        cost, scope = (ThemeFactory(consultation=question.consultation, name_en=n) for n in "AB")
        assert themes.answer_themes_set(answer=given, themes=[cost, scope], actor=actor)
        assert themes.answer_themes_set(answer=given, themes=[scope], actor=actor, note="n")
        assert themes.answer_themes_set(answer=given, themes=[scope], actor=actor) is False
        assert list(given.themes.all()) == [scope]
        assert list(
            ReviewEvent.objects.filter(submission=given.submission)
            .order_by("pk")
            .values_list("field", "old_value", "new_value", "reason")
        ) == [("themes", "Q9: ", "Q9: A; B", ""), ("themes", "Q9: A; B", "Q9: B", "n")]

    def test_only_free_text_answers_take_themes(self, actor):
        closed = AnswerFactory(question__kind=QuestionKind.SINGLE)
        theme = ThemeFactory(consultation=closed.consultation)
        with pytest.raises(ValidationError):
            themes.answer_themes_set(answer=closed, themes=[theme], actor=actor)

    def test_themes_of_another_consultation_are_refused(self, question, actor):
        given = answer(question, "Text")
        with pytest.raises(ValidationError):
            themes.answer_themes_set(answer=given, themes=[ThemeFactory()], actor=actor)

    def test_bulk_tag_adds_once_and_untags(self, question, actor):
        answers = [answer(question, f"Answer {i}") for i in range(3)]
        theme = ThemeFactory(consultation=question.consultation, name_en="Cost")
        themes.answer_themes_set(answer=answers[0], themes=[theme], actor=actor)
        queryset = Answer.objects.filter(question=question)
        assert themes.answers_tag(answers=queryset, theme=theme, actor=actor) == 2
        assert themes.answers_tag(answers=queryset, theme=theme, actor=actor) == 0
        assert Answer.themes.through.objects.filter(theme=theme).count() == 3
        assert themes.answers_tag(answers=queryset, theme=theme, actor=actor, add=False) == 3
        assert Answer.themes.through.objects.filter(theme=theme).count() == 0
        assert ReviewEvent.objects.filter(field="themes").count() == 1 + 2 + 3

    def test_bulk_tag_refuses_closed_answers_and_foreign_themes(self, question, actor):
        answer(question, "Text")
        with pytest.raises(ValidationError):
            themes.answers_tag(
                answers=Answer.objects.filter(question=question), theme=ThemeFactory(), actor=actor
            )
        closed = AnswerFactory(question__kind=QuestionKind.SINGLE)
        with pytest.raises(ValidationError):
            themes.answers_tag(
                answers=Answer.objects.filter(pk=closed.pk),
                theme=ThemeFactory(consultation=closed.consultation),
                actor=actor,
            )


@pytest.fixture
def clustered(question):
    rows = {}
    for topic, texts in (("capital", CAPITAL), ("wallet", WALLET), ("transition", TRANSITION)):
        rows[topic] = {answer(question, text).pk for text in texts}
    return rows


class TestSuggestions:
    def test_three_topics_come_out_as_three_clusters(self, question, clustered):
        result = themes.theme_suggestions(question=question, clusters=3)
        assert result.answers == 18
        found = [set(themes._token_ids(s.token, question)) for s in result.suggestions]
        assert sorted(map(sorted, found)) == sorted(map(sorted, clustered.values()))
        for suggestion in result.suggestions:
            assert suggestion.size == 6
            assert len(suggestion.examples) == 3
            assert len({e.text for e in suggestion.examples}) == 3
            ids = set(themes._token_ids(suggestion.token, question))
            assert {e.answer_id for e in suggestion.examples} <= ids

    def test_top_terms_are_words_and_chinese_character_pairs(self, question, clustered):
        result = themes.theme_suggestions(question=question, clusters=3)
        terms = {
            topic: next(
                s.top_terms
                for s in result.suggestions
                if set(themes._token_ids(s.token, question)) == ids
            )
            for topic, ids in clustered.items()
        }
        assert "capital" in terms["capital"] or "capital requirement" in terms["capital"]
        assert "錢包" in terms["wallet"]
        assert "過渡" in terms["transition"]

    def test_default_cluster_count_follows_the_number_of_answers(self):
        assert themes.default_cluster_count(6) == 2
        assert themes.default_cluster_count(300) == 10
        assert themes.default_cluster_count(30_000) == 10

    def test_too_few_answers_gives_a_message_not_an_error(self, question):
        answer(question, "Only one answer.")
        result = themes.theme_suggestions(question=question)
        assert result.suggestions == []
        assert "at least" in result.message

    def test_excluded_and_draft_answers_are_not_clustered(self, question, clustered):
        answer(question, "Spam spam spam", review_status="excluded", exclusion_reason="spam")
        AnswerFactory(
            submission__consultation=question.consultation, question=question, text="Draft text"
        )
        assert themes.theme_suggestions(question=question, clusters=3).answers == 18

    def test_closed_questions_and_bad_cluster_counts_are_refused(self, question, clustered):
        with pytest.raises(ValidationError):
            themes.theme_suggestions(question=QuestionFactory(kind=QuestionKind.SINGLE))
        with pytest.raises(ValidationError):
            themes.theme_suggestions(question=question, clusters=1)

    def test_accepting_creates_the_theme_and_tags_exactly_the_cluster(
        self, question, clustered, actor
    ):
        result = themes.theme_suggestions(question=question, clusters=3)
        chosen = result.suggestions[0]
        answer(question, "A late answer about capital requirement for small shops.")
        theme, tagged = themes.suggestion_accept(
            question=question, token=chosen.token, name_en="Capital level", actor=actor
        )
        assert tagged == 6
        assert set(theme.answers.values_list("pk", flat=True)) == set(
            themes._token_ids(chosen.token, question)
        )
        assert ReviewEvent.objects.filter(field="themes").count() == 6

    def test_accepting_into_an_existing_theme_without_tagging(self, question, clustered, actor):
        existing = ThemeFactory(consultation=question.consultation)
        token = themes.theme_suggestions(question=question, clusters=3).suggestions[0].token
        theme, tagged = themes.suggestion_accept(
            question=question, token=token, theme=existing, tag_answers=False, actor=actor
        )
        assert (theme, tagged) == (existing, 0)
        assert Theme.objects.count() == 1

    def test_a_tampered_or_foreign_token_is_refused(self, question, clustered, actor):
        token = themes.theme_suggestions(question=question, clusters=3).suggestions[0].token
        with pytest.raises(ValidationError):
            themes.suggestion_accept(
                question=question, token=token[:-2] + "xx", name_en="X", actor=actor
            )
        other = QuestionFactory(kind=QuestionKind.TEXT, section=question.section)
        with pytest.raises(ValidationError):
            themes.suggestion_accept(question=other, token=token, name_en="X", actor=actor)
        assert Theme.objects.count() == 0

    def test_command_prints_clusters_with_terms_and_examples(self, question, clustered, capsys):
        call_command("suggest_themes", question.consultation.slug, "--clusters", "3")
        out = capsys.readouterr().out
        assert "Q9: 18 answers" in out
        assert out.count(" answers: ") == 3
        assert "錢包" in out

    def test_terms_split_words_and_chinese_pairs(self):
        assert themes._terms("Cold storage, and the keys. 冷錢包") == [
            "cold",
            "storage",
            "cold storage",
            "keys",
            "冷錢",
            "錢包",
        ]


def test_clusters_are_stable_for_the_same_answers(question, clustered):
    from django.core.cache import cache

    first = themes.theme_suggestions(question=question, clusters=3)
    cache.clear()
    second = themes.theme_suggestions(question=question, clusters=3)
    assert [s.top_terms for s in first.suggestions] == [s.top_terms for s in second.suggestions]
    assert list(itertools.chain.from_iterable(s.examples for s in first.suggestions)) == list(
        itertools.chain.from_iterable(s.examples for s in second.suggestions)
    )


def test_suggestions_are_cached_until_the_answers_change(
    question, clustered, django_assert_max_num_queries
):
    first = themes.theme_suggestions(question=question, clusters=3)
    with django_assert_max_num_queries(2):  # the fingerprint and the tags: no clustering
        again = themes.theme_suggestions(question=question, clusters=3)
    assert [s.size for s in again.suggestions] == [s.size for s in first.suggestions]
    answer(question, "Capital requirement far too high for small shops, we say.")
    changed = themes.theme_suggestions(question=question, clusters=3)
    assert sum(s.size for s in changed.suggestions) == 19
