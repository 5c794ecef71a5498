"""The question workbench: figures by category and type, the themes coded with their counts, the
answers behind a theme under each filter, quotes only from responses that may be published, and
a save that adds one question's texts to the conclusions' one history of versions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.conclusions import quotes
from reports.conclusions import selectors as conclusion_selectors
from reports.conclusions.forms import field_name
from reports.conclusions.selectors import ConclusionsError, QuestionText
from reports.models import ConclusionsDraft
from surveys.models import Consent, Question, Submission
from tests.reports.conclusions.conclusions_data import (
    INTRO_EN,
    NAMED_ORGANISATION,
    conclusions_storage,
    draft_complete,
)
from tests.reports.conclusions.workbench_data import (
    CAMPAIGN_TEXT,
    CONFIDENTIAL_TEXT,
    NAMED_TEXT,
    bench_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    with conclusions_storage(tmp_path / "private"):
        yield


@pytest.fixture
def bench():
    # Reports take seconds to build; only the figures need them (``bench_reported``).
    return bench_build(reports=False)


@pytest.fixture
def bench_reported():
    return bench_build()


def url_of(bench, **query) -> str:
    url = reverse("reports:workbench", args=[bench.consultation.slug, bench.question.code])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def post_texts(client, bench, url=None, **texts):
    data = {field_name(bench.question, name): value for name, value in texts.items()}
    return client.post(url or url_of(bench), data)


def test_the_workbench_is_for_editors_only(client, bench, reviewer, report_reader, superuser):
    url = url_of(bench)
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    for user in (reviewer, report_reader):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert post_texts(client, bench, response_en="x").status_code == 403
    assert not ConclusionsDraft.objects.exists()
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_the_drafting_page_links_each_question_to_its_workbench(client, bench, editor):
    client.force_login(editor)
    page = client.get(reverse("reports:conclusions", args=[bench.consultation.slug]))
    assert url_of(bench) in page.content.decode()


def test_the_workbench_shows_the_figures_by_type_and_by_category(client, bench_reported, editor):
    bench = bench_reported
    client.force_login(editor)
    page = client.get(url_of(bench)).content.decode()
    assert "Figures from report #" in page
    assert "Organisations and individuals" in page
    assert "On behalf of an organisation" in page
    assert "An individual" in page
    assert "By category" in page
    assert "Bank" in page


def test_the_themes_coded_are_listed_with_their_counted_respondents(client, bench, editor):
    client.force_login(editor)
    response = client.get(url_of(bench))
    themes = {theme.name_en: count for theme, count in response.context["themes"]}
    # 3 known respondents and the others carry Capital; only the named firm's counted answer
    # carries Fees (the spam responses coded Fees are not counted).
    assert themes == {"Capital": bench.capital_count, "Fees": 1}
    assert f"{bench.capital_count} respondents" in response.content.decode()


def test_choosing_a_theme_lists_the_answers_behind_it(client, bench, editor):
    client.force_login(editor)
    response = client.get(url_of(bench, theme=bench.fees.pk))
    assert [a.reference for a in response.context["answers"]] == [bench.known["named"].reference]
    assert NAMED_TEXT in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=bank", {"named"}),
        ("campaign=yes", {"campaign"}),
        ("licence=licensed", {"named"}),
        ("consent=confidential", {"confidential"}),
    ],
)
def test_each_filter_narrows_the_answers_behind_a_theme(client, bench, editor, query, expected):
    client.force_login(editor)
    response = client.get(url_of(bench, theme=bench.capital.pk) + "&" + query)
    assert response.status_code == 200
    references = {a.reference for a in response.context["answers"]}
    assert references == {bench.known[name].reference for name in expected}


def test_the_opposite_filters_leave_those_answers_out(client, bench, editor):
    client.force_login(editor)
    base = url_of(bench, theme=bench.capital.pk)
    for query, left_out in (
        ("campaign=no", "campaign"),
        ("consent=publishable", "confidential"),
    ):
        response = client.get(f"{base}&{query}&page=1")
        assert response.context["page"].paginator.count == bench.capital_count - 1
        assert bench.known[left_out].reference not in {
            a.reference for a in response.context["answers"]
        }


def test_answers_are_paginated_within_a_query_budget(
    client, bench, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    with django_assert_max_num_queries(20):
        first = client.get(url_of(bench, theme=bench.capital.pk))
    with django_assert_max_num_queries(20):
        second = client.get(url_of(bench, theme=bench.capital.pk, page=2))
    assert len(first.context["answers"]) == 10
    assert len(second.context["answers"]) == bench.capital_count - 10
    assert "page=2" in first.content.decode()


def test_a_confidential_answer_has_no_quote_button(client, bench, editor):
    client.force_login(editor)
    page = client.get(url_of(bench, theme=bench.capital.pk, consent="confidential"))
    html = page.content.decode()
    assert CONFIDENTIAL_TEXT in html
    assert "data-insert-quote" not in html
    assert "cannot be quoted" in html
    named = client.get(url_of(bench, theme=bench.fees.pk)).content.decode()
    assert f'data-reference="{bench.known["named"].reference}"' in named
    assert f"Attributed in the conclusions to: {NAMED_ORGANISATION}" in named


@pytest.mark.parametrize(
    "query",
    [
        "theme=999999",
        "theme=abc",
        "theme=1&category=nonsense",
        "theme=1&campaign=maybe",
        "theme=1&licence=x",
        "theme=1&consent=secret",
        "theme=1&page=-3",
        "theme=99999999999999999999",
    ],
)
def test_bad_filter_values_get_a_clear_error_not_a_500(client, bench, editor, query):
    client.force_login(editor)
    response = client.get(url_of(bench) + "?" + query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_a_theme_of_another_question_or_consultation_is_refused(client, bench, editor):
    client.force_login(editor)
    response = client.get(url_of(bench, theme=bench.capital.pk + 1000))
    assert response.status_code == 400
    assert "not coded on this question" in response.content.decode()


def test_an_unknown_question_code_is_not_found(client, bench, editor):
    client.force_login(editor)
    for code in ("Q999", "x" * 300, "%E4%B8%AD"):
        url = reverse("reports:workbench", args=[bench.consultation.slug, "Q1"]).replace(
            "/Q1/", f"/{code}/"
        )
        assert client.get(url).status_code == 404


def test_saving_merges_the_question_into_the_latest_draft(client, bench, editor):
    draft_complete(bench.consultation, editor)
    before = conclusion_selectors.draft_latest(consultation=bench.consultation)
    old_texts = conclusion_selectors.draft_texts(draft=before)
    client.force_login(editor)
    quote = f"{quotes.quote_text(NAMED_TEXT)} [[quote:{bench.known['named'].reference}]]"
    response = post_texts(
        client,
        bench,
        url=url_of(bench, theme=bench.fees.pk),
        views_summary_en="Most respondents raised capital.",
        views_summary_zh="大部分回應者提及資本。",
        response_en=f"We will review the capital rule. {quote}",
        response_zh="我們將檢討資本規定。",
    )
    assert response.status_code == 302
    assert f"theme={bench.fees.pk}" in response["Location"]
    latest = conclusion_selectors.draft_latest(consultation=bench.consultation)
    assert latest.version == before.version + 1
    assert latest.intro_en == INTRO_EN
    texts = conclusion_selectors.draft_texts(draft=latest)
    assert texts[bench.question.pk].response_en.endswith(quote)
    others = {pk: text for pk, text in texts.items() if pk != bench.question.pk}
    assert others == {pk: t for pk, t in old_texts.items() if pk != bench.question.pk}
    page = client.get(reverse("reports:conclusions", args=[bench.consultation.slug]))
    assert "We will review the capital rule." in page.content.decode()


def test_saving_the_same_text_again_makes_no_new_version(client, bench, editor):
    client.force_login(editor)
    post_texts(client, bench, response_en="We will proceed.")
    post_texts(client, bench, response_en="We will proceed.")
    assert ConclusionsDraft.objects.filter(consultation=bench.consultation).count() == 1


def test_a_quote_from_a_confidential_response_is_refused_and_nothing_saved(client, bench, editor):
    draft_complete(bench.consultation, editor)
    versions = ConclusionsDraft.objects.count()
    client.force_login(editor)
    reference = bench.known["confidential"].reference
    response = post_texts(
        client,
        bench,
        response_en=f"“{CONFIDENTIAL_TEXT}” [[quote:{reference}]]",
        response_zh="我們將檢討。",
    )
    assert response.status_code == 400
    assert reference in response.content.decode()
    assert "may not be quoted" in response.content.decode()
    assert ConclusionsDraft.objects.count() == versions


def test_a_quote_marker_of_an_unknown_response_is_refused(client, bench, editor):
    client.force_login(editor)
    response = post_texts(client, bench, response_zh="「不存在」 [[quote:NOPE-000001]]")
    assert response.status_code == 400
    assert "NOPE-000001" in response.content.decode()
    assert not ConclusionsDraft.objects.exists()


def test_publishing_refuses_a_quote_whose_respondent_has_since_asked_for_confidentiality(
    bench, editor
):
    named = bench.known["named"]
    text = QuestionText(response_en=f"“Too high.” [[quote:{named.reference}]]")
    quotes.quotes_check(consultation=bench.consultation, texts=[text])
    Submission.objects.filter(pk=named.pk).update(consent=Consent.CONFIDENTIAL)
    with pytest.raises(ConclusionsError, match=named.reference):
        quotes.quotes_check(consultation=bench.consultation, texts=[text])


def test_the_published_text_shows_a_quote_with_the_attribution_its_consent_allows(bench):
    named, anonymous = bench.known["named"], bench.known["anonymous"]
    question = Question.objects.get(pk=bench.question.pk)
    texts = {
        question.pk: QuestionText(
            response_en=f"“A.” [[quote:{named.reference}]] “B.” [[quote:{anonymous.reference}]]",
            response_zh=f"「甲」 [[quote:{named.reference}]]",
        )
    }
    published = quotes.texts_published(consultation=bench.consultation, texts=texts)[question.pk]
    assert "[[quote:" not in published.response_en + published.response_zh
    assert f"“A.” ({NAMED_ORGANISATION})" in published.response_en
    assert anonymous.organisation_name not in published.response_en
    assert "(a respondent: " in published.response_en
    assert f"（{NAMED_ORGANISATION}）" in published.response_zh


def test_without_a_report_the_workbench_says_so(client, bench, editor):
    client.force_login(editor)
    assert "No finished report yet" in client.get(url_of(bench)).content.decode()


def test_a_quote_is_the_answer_trimmed_in_quotation_marks():
    assert quotes.quote_text("  Too   high.\n") == "“Too high.”"
    long = quotes.quote_text("word " * 200)
    assert long.startswith("“word") and long.endswith("…”")
    assert len(long) <= quotes.QUOTE_MAX + 3


def test_the_chinese_workbench_is_in_chinese(client, bench, editor):
    client.force_login(editor)
    client.cookies["django_language"] = "zh-hant"
    page = client.get(url_of(bench, theme=bench.capital.pk), HTTP_ACCEPT_LANGUAGE="zh-hant")
    html = page.content.decode()
    assert "資本" in html
    assert CAMPAIGN_TEXT in html


def test_the_published_conclusions_show_a_quote_as_its_attribution(tmp_path, editor):
    import json
    import subprocess

    from reports.conclusions import services as conclusion_services
    from reports.models import PublicationFile, PublicationFileKind
    from tests.reports.conclusions.conclusions_data import (
        closed_consultation,
        question_texts,
        reports_build,
    )

    consultation, known = closed_consultation(count=40)
    reports_build(consultation)
    draft_complete(consultation, editor)
    texts = question_texts(consultation)
    first = min(texts)
    marker = f"[[quote:{known['named'].reference}]]"
    texts[first] = QuestionText(
        views_summary_en="Respondents gave their views.",
        views_summary_zh="回應者提出了意見。",
        response_en=f"{texts[first].response_en} “Too high.” {marker}",
        response_zh=f"{texts[first].response_zh} 「太高」 {marker}",
    )
    conclusion_services.draft_save(
        consultation=consultation,
        author=editor,
        intro_en=INTRO_EN,
        intro_zh=conclusion_selectors.draft_latest(consultation=consultation).intro_zh,
        questions=texts,
    )
    publication = conclusion_services.conclusions_publish(consultation=consultation, user=editor)
    files = {f.kind: f for f in PublicationFile.objects.filter(publication=publication)}
    raw = files[PublicationFileKind.JSON].file.open("rb").read().decode()
    assert "[[quote:" not in raw
    assert f"“Too high.” ({NAMED_ORGANISATION})" in raw
    pdf = tmp_path / "en.pdf"
    pdf.write_bytes(files[PublicationFileKind.PDF_EN].file.open("rb").read())
    text = " ".join(
        subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
            ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert f"“Too high.” ({NAMED_ORGANISATION})" in text
    assert "[[quote:" not in text
    assert json.loads(raw)["conclusions"]["version"] == 2
