"""The section page's question markup, written without crispy-forms: what a respondent (and a
screen reader) gets from it, read back through an HTML parser."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from surveys.journey import structure as journey_structure
from surveys.journey.forms import SectionForm
from surveys.journey.question_markup import section_fields_html
from tests.factories import ChoiceFactory, ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each id'd element."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in {"input", "br"}:
            self._open.append(attributes.get("id"))

    def handle_endtag(self, tag):
        if tag not in {"input", "br"} and self._open:
            self._open.pop()

    def textarea(self, element_id: str) -> str:
        # A browser drops the newline that follows <textarea>; HTMLParser keeps it.
        return self.text.get(element_id, "").removeprefix("\n")

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text[element_id] = self.text.get(element_id, "") + data

    def find(self, tag, **wanted):
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]


@pytest.fixture
def page():
    consultation = ConsultationFactory()
    section = SectionFactory(consultation=consultation, order=1)
    choice_question = QuestionFactory(
        consultation=consultation,
        section=section,
        code="Q1",
        order=1,
        kind="single",
        required=True,
        text_en='Pick <b>one</b> & "explain"',
        help_en="Help with <i>markup</i>",
    )
    for order, value in enumerate(["alpha", "beta"], start=1):
        ChoiceFactory(question=choice_question, value=value, order=order, label_en=f"<{value}>")
    multiple = QuestionFactory(
        consultation=consultation, section=section, code="Q2", order=2, kind="multiple"
    )
    for order, value in enumerate(["x", "y", "z"], start=1):
        ChoiceFactory(question=multiple, value=value, order=order)
    QuestionFactory(
        consultation=consultation, section=section, code="Q3", order=3, kind="text", max_length=50
    )
    QuestionFactory(
        consultation=consultation,
        section=section,
        code="Q4",
        order=4,
        kind="number",
        min_value=0,
        max_value=100,
    )
    consultation.refresh_from_db()
    journey = journey_structure.journey_load(consultation=consultation)
    return journey, section


def form_for(journey, section, data=None, initial=None):
    return SectionForm(
        data,
        initial=initial,
        journey=journey,
        questions=journey.section_questions(section),
        prior_answers={},
        language="en",
    )


def test_every_question_has_its_labelled_control(page):
    journey, section = page
    html = Elements(section_fields_html(form_for(journey, section)))
    radios = html.find("input", type="radio", name="q_Q1")
    assert [r["value"] for r in radios] == ["alpha", "beta"]
    assert [r["id"] for r in radios] == ["id_q_Q1_0", "id_q_Q1_1"]
    assert all("required" in r for r in radios)
    assert len(html.find("label", **{"for": "id_q_Q1_1"})) == 1
    assert [c["value"] for c in html.find("input", type="checkbox", name="q_Q2")] == ["x", "y", "z"]
    assert not any("required" in c for c in html.find("input", type="checkbox"))
    (textarea,) = html.find("textarea", name="q_Q3")
    assert textarea["data-max-chars"] == "50"
    (number,) = html.find("input", type="text", name="q_Q4")
    assert number["inputmode"] == "numeric"
    assert html.text["id_q_Q4_helptext"].strip() == "Enter a whole number from 0 to 100."
    # The group's help is tied to its fieldset for screen readers.
    (fieldset,) = [a for a in html.find("fieldset") if a.get("aria-describedby")]
    assert fieldset["aria-describedby"] == "id_q_Q1_helptext"


def test_text_from_the_database_is_escaped(page):
    journey, section = page
    html = str(section_fields_html(form_for(journey, section)))
    assert "<b>one</b>" not in html and "&lt;b&gt;one&lt;/b&gt;" in html
    assert "<i>markup</i>" not in html and "&lt;i&gt;markup&lt;/i&gt;" in html
    assert "<alpha>" not in html and "&lt;alpha&gt;" in html


def test_saved_answers_are_shown_selected(page):
    journey, section = page
    form = form_for(
        journey,
        section,
        initial={"q_Q1": "beta", "q_Q2": ["x", "z"], "q_Q3": "Keep <this>", "q_Q4": 42},
    )
    html = Elements(section_fields_html(form))
    assert [r["value"] for r in html.find("input", type="radio") if "checked" in r] == ["beta"]
    assert [c["value"] for c in html.find("input", type="checkbox") if "checked" in c] == ["x", "z"]
    assert html.textarea("id_q_Q3") == "Keep <this>"
    assert html.find("input", name="q_Q4")[0]["value"] == "42"


def test_errors_keep_what_was_typed_and_are_announced(page):
    journey, section = page
    data = {"q_Q2": ["y"], "q_Q3": "t" * 60, "q_Q4": "1,000"}
    form = form_for(journey, section, data=data)
    assert not form.is_valid()
    html = Elements(section_fields_html(form))
    # Nothing the respondent typed is lost.
    assert html.textarea("id_q_Q3") == "t" * 60
    assert html.find("input", name="q_Q4")[0]["value"] == "1,000"
    assert [c["value"] for c in html.find("input", type="checkbox") if "checked" in c] == ["y"]
    # Each error is next to its question and referenced by the control or group.
    assert html.text["error_1_id_q_Q1"] == "Select an answer."
    assert "60" in html.text["error_1_id_q_Q3"]
    assert "100" in html.text["error_1_id_q_Q4"]
    (textarea,) = html.find("textarea")
    assert textarea["aria-invalid"] == "true"
    assert textarea["aria-describedby"] == "id_q_Q3_helptext id_q_Q3_error"
    assert "is-invalid" in textarea["class"]
    group = [
        a for a in html.find("fieldset") if "id_q_Q1_error" in (a.get("aria-describedby") or "")
    ]
    assert group
    assert all(r["aria-invalid"] == "true" for r in html.find("input", type="radio"))
    assert not any("aria-invalid" in c for c in html.find("input", type="checkbox"))


# --- Blank and filled markup ------------------------------------------------------------------


def test_blank_markup_is_reused_but_never_hides_answers_or_errors(page):
    journey, section = page
    blank = section_fields_html(form_for(journey, section))
    assert section_fields_html(form_for(journey, section)) == blank
    # The same form with a saved answer, then with an error, then blank again.
    answered = Elements(section_fields_html(form_for(journey, section, initial={"q_Q1": "beta"})))
    assert [r["value"] for r in answered.find("input", type="radio") if "checked" in r] == ["beta"]
    invalid = form_for(journey, section, data={"q_Q3": "t" * 60})
    assert not invalid.is_valid()
    assert "error_1_id_q_Q3" in Elements(section_fields_html(invalid)).text
    again = Elements(section_fields_html(form_for(journey, section)))
    assert not [r for r in again.find("input", type="radio") if "checked" in r]
    assert not again.find("div", **{"class": "invalid-feedback"})
    assert str(section_fields_html(form_for(journey, section))) == str(blank)


def test_each_form_gets_fields_of_its_own(page):
    """Fields are built once per form structure but every form works on copies: what one
    request does to its form's fields never reaches another's."""
    journey, section = page
    first, second = form_for(journey, section), form_for(journey, section)
    assert first.fields["q_Q1"] is not second.fields["q_Q1"]
    assert first.fields["q_Q1"].widget is not second.fields["q_Q1"].widget
    first.fields["q_Q1"].label = "changed by one request"
    first.fields["q_Q1"].widget.attrs["data-x"] = "1"
    third = form_for(journey, section)
    assert third.fields["q_Q1"].label.startswith("Q1. ")
    assert "data-x" not in third.fields["q_Q1"].widget.attrs


def test_a_page_with_a_saved_or_wrong_answer_is_never_served_from_the_blank_markup(
    client, demo_consultations
):
    """The About you page's blank form is kept per process and language (a template fragment);
    a respondent's saved details and their errors are always rendered for them."""
    url = reverse("surveys:step", args=["va-otc-dealing", 1])
    blank = client.get(url).content.decode()
    assert 'value="Harbour' not in blank
    invalid = client.post(url, {"respondent_type": "organisation", "organisation_name": ""})
    assert "Enter the name of your organisation." in invalid.content.decode()
    assert "Enter the name of your organisation." not in client.get(url).content.decode()
