"""A response's answers as the review page, the "your response" page and the receipt show them,
read back through an HTML parser: every text escaped, every answer in its place."""

from __future__ import annotations

from html.parser import HTMLParser

from django.utils import translation

from surveys.answer_markup import answers_email_html, answers_email_text, answers_page_html
from surveys.models import Question
from surveys.services import ShownAnswer, ShownSection, Step


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
    html = answers_page_html(_sections(), language="en")
    assert "<script>" not in html
    page = Page(html)
    assert page.count("script") == 0
    # Read back as text, each hostile string comes out exactly as typed.
    assert page.text.count(HOSTILE) == 4  # the title, Q1's text, a choice, the typed text


def test_the_page_shows_each_answer_in_its_form():
    page = Page(answers_page_html(_sections(), language="en"))
    assert "Q1. Which activities?" in page.text
    assert "Not answered" in page.text
    # Two choices: a list; one typed text: its line breaks kept as <br>.
    assert page.count("ul") == 1 and page.count("li") == 2
    assert page.count("br") == 1
    assert page.count("section") == 2
    headings = [attrs.get("id") for name, attrs in page.tags if name == "h2"]
    assert headings == ["section-2", "section-3"]


def test_change_links_go_back_to_each_question_on_its_step():
    html = answers_page_html(
        _sections(), language="en", change_url=lambda number: f"/respond/step/{number}/"
    )
    links = [attrs["href"] for name, attrs in Page(html).tags if name == "a"]
    assert links == [
        "/respond/step/2/?change=1#id_q_Q1",
        "/respond/step/2/?change=1#id_q_Q2",
        "/respond/step/2/?change=1#id_q_Q3",
        "/respond/step/3/?change=1#id_q_Q4",
    ]
    assert "your answer to Q4" in Page(html).text
    assert "<a " not in answers_page_html(_sections(), language="en")


def test_the_page_speaks_the_respondents_language():
    with translation.override("zh-hant"):
        page = Page(answers_page_html(_sections(), language="zh-hant"))
    assert "Q2. 哪些場所？" in page.text
    assert "Not answered" not in page.text
    assert "未有回答" in page.text


def test_the_receipt_html_escapes_and_lists_every_answer():
    html = answers_email_html(_sections(), language="en")
    page = Page(html)
    assert page.count("script") == 0
    assert page.text.count(HOSTILE) == 4
    assert page.count("dt") == 4 and page.count("dd") == 4
    # Two choices on two lines and the typed text's line break: two <br> in all.
    assert page.count("br") == 2
    assert "Not answered" in page.text


def test_the_receipt_text_lists_each_question_with_its_answers_under_it():
    text = answers_email_text(_sections(), language="en")
    assert text == (
        f"\n== Scope {HOSTILE} =="
        f"\nQ1. Which activities? {HOSTILE}\n  (Not answered)\n"
        f"\nQ2. Which venues?\n  Shops\n  {HOSTILE}\n"
        f"\nQ3. Comments\n  First line\r\n{HOSTILE}\n"
        "\n== Custody =="
        "\nQ4. Agree?\n  Agree\n"
    )
