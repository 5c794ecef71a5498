"""A response's answers as the review page, the "your response" page and the receipt show them
(the templates ``surveys/_answers.html`` and ``surveys/email/_answers.*``), read back through an
HTML parser: every text escaped, every answer in its place."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from surveys.journey.selectors import ShownAnswer, ShownSection
from surveys.journey.structure import Step
from surveys.models import Question

SLUG = "va-otc-dealing"


def answers_page_html(sections: list[ShownSection], *, change_links: bool = False) -> str:
    return render_to_string(
        "surveys/_answers.html",
        {
            "sections": sections,
            "consultation": SimpleNamespace(slug=SLUG),
            "change_links": change_links,
        },
    )


def answers_email_html(sections: list[ShownSection]) -> str:
    return render_to_string("surveys/email/_answers.html", {"sections": sections})


def answers_email_text(sections: list[ShownSection]) -> str:
    return render_to_string("surveys/email/_answers.txt", {"sections": sections})


class Page(HTMLParser):
    """Start tags with their attributes, and the text of the whole fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


HOSTILE = "<script>alert('x')</script> & \"quoted\""


def _question(code: str, english: str, chinese: str = "") -> Question:
    # Unsaved: the markup reads only the code and the two texts.
    return Question(code=code, text_en=english, text_zh=chinese)


def _sections() -> list[ShownSection]:
    return [
        ShownSection(
            step=Step(number=2, kind="section"),
            title=f"Scope {HOSTILE}",
            answers=[
                ShownAnswer(_question("Q1", f"Which activities? {HOSTILE}", "哪些活動？"), []),
                ShownAnswer(_question("Q2", "Which venues?", "哪些場所？"), ["Shops", HOSTILE]),
                ShownAnswer(_question("Q3", "Comments", "意見"), [f"First line\r\n{HOSTILE}"]),
            ],
        ),
        ShownSection(
            step=Step(number=3, kind="section"),
            title="Custody",
            answers=[ShownAnswer(_question("Q4", "Agree?", "同意嗎？"), ["Agree"])],
        ),
    ]


def test_the_page_escapes_every_stored_and_typed_text():
    html = answers_page_html(_sections())
    assert "<script>" not in html
    page = Page(html)
    assert page.count("script") == 0
    # Read back as text, each hostile string comes out exactly as typed.
    assert page.text.count(HOSTILE) == 4  # the title, Q1's text, a choice, the typed text


def test_the_page_shows_each_answer_in_its_form():
    page = Page(answers_page_html(_sections()))
    assert "Q1. Which activities?" in page.text
    assert "Not answered" in page.text
    # Two choices: a list; one typed text: its line breaks kept as <br>.
    assert page.count("ul") == 1 and page.count("li") == 2
    assert page.count("br") == 1
    assert page.count("section") == 2
    headings = [attrs.get("id") for name, attrs in page.tags if name == "h2"]
    assert headings == ["section-2", "section-3"]


def test_change_links_go_back_to_each_question_on_its_step():
    html = answers_page_html(_sections(), change_links=True)
    links = [attrs["href"] for name, attrs in Page(html).tags if name == "a"]
    step = [reverse("surveys:step", args=[SLUG, number]) for number in (2, 3)]
    assert links == [
        f"{step[0]}?change=1#id_q_Q1",
        f"{step[0]}?change=1#id_q_Q2",
        f"{step[0]}?change=1#id_q_Q3",
        f"{step[1]}?change=1#id_q_Q4",
    ]
    assert "your answer to Q4" in Page(html).text
    assert "<a " not in answers_page_html(_sections())


def test_the_page_speaks_the_respondents_language():
    with translation.override("zh-hant"):
        page = Page(answers_page_html(_sections()))
    assert "Q2. 哪些場所？" in page.text
    assert "Not answered" not in page.text
    assert "未有回答" in page.text


def test_the_change_links_speak_the_respondents_language():
    with translation.override("zh-hant"):
        page = Page(answers_page_html(_sections(), change_links=True))
    assert "你對 Q4 的答案" in page.text
    assert "your answer to" not in page.text


def test_the_receipt_html_escapes_and_lists_every_answer():
    html = answers_email_html(_sections())
    page = Page(html)
    assert page.count("script") == 0
    assert page.text.count(HOSTILE) == 4
    assert page.count("dt") == 4 and page.count("dd") == 4
    # Two choices on two lines and the typed text's line break: two <br> in all.
    assert page.count("br") == 2
    assert "Not answered" in page.text


def test_the_receipt_text_lists_each_question_with_its_answers_under_it():
    text = answers_email_text(_sections())
    assert text == (
        f"\n== Scope {HOSTILE} =="
        f"\nQ1. Which activities? {HOSTILE}\n  (Not answered)\n"
        f"\nQ2. Which venues?\n  Shops\n  {HOSTILE}\n"
        f"\nQ3. Comments\n  First line\r\n{HOSTILE}\n"
        "\n== Custody =="
        "\nQ4. Agree?\n  Agree\n"
    )
