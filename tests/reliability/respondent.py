"""A scripted respondent: fills in a consultation's whole form over HTTP, as a browser would.

The form's shape is read from the database once (``form_spec``); each ``Respondent`` then plans
its answers from a seeded random generator, keeps its own cookies and CSRF token, and records
every status it received, so that a test can prove afterwards what was acknowledged to whom.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from django.urls import reverse

from surveys.models import Consultation, QuestionKind

T = TypeVar("T")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERENCE = re.compile(r'id="reference">\s*([A-Z]+-\d{6})\s*<')

# Free text with the things real answers contain: both languages, punctuation, markup-like text.
PHRASES = (
    "We support a single regulator for all VA dealing.",
    "The capital requirement is too high for small shops.",
    "持牌人應於香港設立辦事處。",
    "過渡期應延長至十二個月。",
    "Fees must be shown <before> a trade & after it.",
    "Cash limits of HK$8,000 per day seem reasonable.",
    "Wallet proof should accept signed messages (EIP-191).",
    "客戶身分核實應適用於所有交易。",
)


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    kind: str
    required: bool
    choices: tuple[str, ...]
    min_value: int | None
    max_value: int | None
    max_length: int
    condition: tuple[str, str] | None  # (question code, choice value)
    exclusive: tuple[str, ...] = ()  # choices ticked alone ("None of these")


@dataclass(frozen=True)
class FormSpec:
    slug: str
    prefix: str
    sections: tuple[tuple[QuestionSpec, ...], ...]  # in page order: step 2, 3, ...

    @property
    def attachments_step(self) -> int:
        return len(self.sections) + 2

    @property
    def review_step(self) -> int:
        return len(self.sections) + 3


def form_spec(consultation: Consultation) -> FormSpec:
    sections = []
    for section in consultation.sections.order_by("order"):
        questions = []
        for question in section.questions.order_by("order").select_related(
            "condition_question", "condition_choice"
        ):
            condition = None
            if question.condition_question_id:
                condition = (question.condition_question.code, question.condition_choice.value)
            questions.append(
                QuestionSpec(
                    code=question.code,
                    kind=question.kind,
                    required=question.required,
                    choices=tuple(
                        question.choices.order_by("order").values_list("value", flat=True)
                    ),
                    min_value=question.min_value,
                    max_value=question.max_value,
                    max_length=question.max_length,
                    condition=condition,
                    exclusive=tuple(
                        question.choices.filter(exclusive=True).values_list("value", flat=True)
                    ),
                )
            )
        sections.append(tuple(questions))
    return FormSpec(
        slug=consultation.slug, prefix=consultation.reference_prefix, sections=tuple(sections)
    )


def _shown(question: QuestionSpec, answers: dict[str, Any], asked: set[str]) -> bool:
    if question.condition is None:
        return True
    parent, wanted = question.condition
    if parent not in asked:
        return False
    given = answers.get(parent)
    return wanted in given if isinstance(given, list) else given == wanted


def plan_answers(spec: FormSpec, rng: random.Random) -> dict[str, Any]:
    """Answers to every required question and most others, respecting the form's conditions."""
    answers: dict[str, Any] = {}
    asked: set[str] = set()
    for section in spec.sections:
        for question in section:
            if not _shown(question, answers, asked):
                continue
            asked.add(question.code)
            if not question.required and rng.random() < 0.25:
                continue
            answers[question.code] = _answer(question, rng)
    return answers


def _answer(question: QuestionSpec, rng: random.Random) -> Any:
    if question.kind == QuestionKind.MULTIPLE:
        picked = rng.sample(question.choices, rng.randint(1, min(3, len(question.choices))))
        alone = [value for value in picked if value in question.exclusive]
        # As a person does: "None of these" alone, or only the others.
        return (
            alone[:1]
            if alone and rng.random() < 0.5
            else sorted(value for value in picked if value not in question.exclusive) or alone[:1]
        )
    if question.choices:
        return rng.choice(question.choices)
    if question.kind == QuestionKind.NUMBER:
        low = question.min_value if question.min_value is not None else 0
        high = question.max_value if question.max_value is not None else 10**9
        return rng.randint(low, high)
    text = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 4)))
    return text[: question.max_length].strip()


def about_you(index: int, rng: random.Random) -> dict[str, str]:
    organisation = rng.random() < 0.5
    return {
        "respondent_type": "organisation" if organisation else "individual",
        "organisation_name": f"Harbour Digital {index} Ltd" if organisation else "",
        "category": "online_platform" if organisation else "public",
        "contact_name": rng.choice(["Chan Tai Man", "陳大文", "Lee Siu Ming", "黃美玲"]),
        "email": f"respondent{index}@load.example",
        "consent": rng.choice(["name_and_response", "response_only", "confidential"]),
        "privacy_acknowledged": "on",
    }


def form_data(question: QuestionSpec, value: Any) -> Any:
    return [str(v) for v in value] if isinstance(value, list) else str(value)


class JourneyFailed(AssertionError):
    pass


@dataclass
class Respondent:
    """One browser: its own cookies, the CSRF token of the last page, every status it saw."""

    client: httpx.AsyncClient
    spec: FormSpec
    about: dict[str, str]
    answers: dict[str, Any]
    statuses: list[tuple[str, str, int]] = field(default_factory=list)
    token: str = ""

    def step_url(self, number: int) -> str:
        return reverse("surveys:step", args=[self.spec.slug, number])

    async def get(self, url: str) -> httpx.Response:
        response = await self.client.get(url)
        self.statuses.append(("GET", url, response.status_code))
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, Any]) -> httpx.Response:
        response = await self.client.post(url, data={"csrfmiddlewaretoken": self.token, **data})
        self.statuses.append(("POST", url, response.status_code))
        return response

    async def _expect_redirect(self, url: str, data: dict[str, Any]) -> str:
        response = await self.post(url, data)
        if response.status_code != 302:
            raise JourneyFailed(f"POST {url} -> {response.status_code}: {response.text[:3000]}")
        return response.headers["location"]

    async def fill_in(self) -> None:
        """Every page up to the review page, with this respondent's answers."""
        page = await self.get(self.step_url(1))
        if page.status_code != 200:
            raise JourneyFailed(f"step 1 -> {page.status_code}")
        await self._expect_redirect(self.step_url(1), self.about)
        for number, section in enumerate(self.spec.sections, start=2):
            data = {
                f"q_{q.code}": form_data(q, self.answers[q.code])
                for q in section
                if q.code in self.answers
            }
            await self._expect_redirect(self.step_url(number), data)
        await self._expect_redirect(self.step_url(self.spec.attachments_step), {})
        review = await self.get(self.step_url(self.spec.review_step))
        if review.status_code != 200:
            raise JourneyFailed(f"review -> {review.status_code}")

    async def submit(self) -> httpx.Response:
        return await self.post(reverse("surveys:submit", args=[self.spec.slug]), {"website": ""})

    async def acknowledged_reference(self) -> str | None:
        """The reference the "Response submitted" page shows this browser, or None."""
        page = await self.get(reverse("surveys:done", args=[self.spec.slug]))
        found = REFERENCE.search(page.text) if page.status_code == 200 else None
        return found.group(1) if found else None


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end in an event loop of its own, in a thread of its own.

    The test's own thread may already run an event loop (pytest-playwright's, once a browser
    test has run in the session), and ``asyncio.run`` refuses to start a second one there.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
