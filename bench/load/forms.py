"""Reading a form page the way a respondent fills it in: the first option of each question,
a sentence in each text box, the honeypot left empty. No locust import (it patches the
standard library), so the same code can walk the journey through Django's test client."""

from __future__ import annotations

from html.parser import HTMLParser

# Hidden from people; a bot fills it. A respondent leaves it empty.
HONEYPOT = "website"


class FormParser(HTMLParser):
    """The fields of the page's first POST form that is not the language switcher."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.done = False
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.radios: dict[str, str] = {}
        self.checkboxes: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("method", "").lower() == "post":
            if "/i18n/" not in a.get("action", ""):
                self.in_form, self.action = True, a.get("action") or None
            return
        if not self.in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name and name != HONEYPOT:
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self.fields[name] = a.get("value", "")
            elif kind == "radio":
                self.radios.setdefault(name, a.get("value", ""))
            elif kind == "checkbox":
                self.checkboxes.setdefault(name, a.get("value", "on"))
            elif kind == "number" or a.get("inputmode") in {"numeric", "decimal"}:
                self.fields[name] = a.get("min") or "100"
            elif kind == "email":
                self.fields[name] = "respondent@example.com"
            elif name == "licence_number":
                # The first register offered is the SFC's: a central entity number in its format.
                self.fields[name] = "ABC123"
            elif kind in {"text", "tel", "url"}:
                self.fields[name] = "Load Test Respondent"
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and a.get("value"):
            self.fields.setdefault(self.select, a["value"])
        elif tag == "textarea" and name and name != HONEYPOT:
            self.fields[name] = (
                "Retail investors need clear risk warnings and a proportionate licensing regime."
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True

    def data(self) -> dict[str, str]:
        return {**self.fields, **self.radios, **self.checkboxes}


def form_fields(html: str) -> FormParser:
    """The page's first POST form (not the language switcher), filled in."""
    parser = FormParser()
    parser.feed(html)
    return parser
