"""Locust users for the load test: respondents answering a consultation, and a trivial check.

``Respondent`` opens the consultation, starts a response, fills every step of the form the way a
person would (the first option of each question, a sentence in each text box) and submits it,
then starts again with a fresh session. Between pages it pauses for a think time drawn from
``LOAD_THINK`` ("1-3": one to three seconds; "0", the default: none, every request as soon as the
last is answered, which measures the most the server can do). ``Ceiling`` requests ``/healthz``
only: what the server stack serves when no page work is done. The consultation's slug comes from
``LOAD_SLUG``.
"""

from __future__ import annotations

import os
import random
import re

import gevent
from locust import HttpUser, constant, task

from bench.load.forms import form_fields as _form

SLUG = os.environ.get("LOAD_SLUG", "va-otc-dealing")
MAX_STEPS = 20
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0").split("-"))


_STEP = re.compile(r"/respond/step/(\d+)/$")
# Each page's own: the CSRF token (from the cookie) and the "About you" page's start key, which
# a page sent again uses to find its draft (a shared one would make every user one respondent).
_OWN = ("csrfmiddlewaretoken", "start_key")
_START_KEY = re.compile(r'name="start_key" value="([^"]+)"')
# Step URL -> (form action, field values without the CSRF token). Every virtual respondent
# answers the same way, so each step's form is parsed once per locust process: parsing HTML in
# Python costs about as much CPU as serving the page, and the load generator shares the server's
# cores. Every page is still requested and checked; the token comes from the CSRF cookie.
_FORMS: dict[str, tuple[str | None, dict[str, str]]] = {}


class Respondent(HttpUser):
    wait_time = constant(0)

    def _think(self) -> None:
        """A respondent reads the page and answers before sending it."""
        if THINK[-1] > 0:
            gevent.sleep(random.uniform(THINK[0], THINK[-1]))  # noqa: S311 - not security

    def _follow(self, response):  # noqa: ANN001, ANN202 - locust's response objects
        """GET the page a POST redirected to, recorded as its own request."""
        location = response.headers.get("Location", "")
        if response.status_code not in (301, 302, 303) or not location:
            return response, None
        name = "form step (GET)" if _STEP.search(location) else "after submit (GET)"
        return self.client.get(location, name=name), location

    def _fail(self, message: str) -> None:
        self.environment.events.request.fire(
            request_type="JOURNEY",
            name="complete response",
            response_time=0,
            response_length=0,
            exception=AssertionError(message),
            context={},
        )

    @task
    def respond(self) -> None:
        self.client.cookies.clear()
        base = f"/consultations/{SLUG}/"
        self.client.get(base, name="consultation page")
        self._think()
        start = self.client.get(f"{base}respond/", name="start", allow_redirects=False)
        response, url = self._follow(start)
        for _ in range(MAX_STEPS):
            if url is None or not _STEP.search(url):
                break
            if response.status_code != 200:
                self._fail(f"{url} answered {response.status_code}")
                return
            if url not in _FORMS:
                form = _form(response.text)
                fields = {k: v for k, v in form.data().items() if k not in _OWN}
                _FORMS[url] = (form.action, fields)
            action, fields = _FORMS[url]
            action = action or url
            data = {**fields, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
            if key := _START_KEY.search(response.text):
                data["start_key"] = key.group(1)
            name = "submit (POST)" if "/submit/" in action else "form step (POST)"
            self._think()
            posted = self.client.post(action, data=data, name=name, allow_redirects=False)
            if posted.status_code != 302:
                self._fail(f"{action} answered {posted.status_code}, not a redirect")
                return
            response, url = self._follow(posted)
        if url is None or "/done/" not in url:
            self._fail(f"the journey ended at {url}")


class Ceiling(HttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
