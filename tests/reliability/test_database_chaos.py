"""Database trouble under load: respondents answer while their server's connections are cut.

Several respondents fill in and submit the form at once on gunicorn (two processes, persistent
connections, the short statement timeout the README recommends, here 300 ms) while another
thread terminates every connection the server holds, again and again, and now and then locks the
responses' table long enough for writes to give up. Each respondent retries a page that answered
"try again", as a person would. Every answer must be a page, a redirect or the 503 "try again"
page with ``Retry-After``, never a bare 500; every respondent ends with exactly one submitted
response, the one whose reference they were shown.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from surveys.models import Submission, SubmissionState
from tests.processes import running_database_url
from tests.reliability.respondent import (
    REFERENCE,
    TOKEN,
    FormSpec,
    about_you,
    form_data,
    form_spec,
    plan_answers,
)
from tests.reliability.servers import gunicorn, production_env

pytestmark = pytest.mark.integration

START_KEY = re.compile(r'name="start_key" value="([^"]+)"')
RESPONDENTS = 12
# A page that keeps answering "try again" for this long fails the test.
PATIENCE_SECONDS = 60
TERMINATE_EVERY = 0.25
LOCK_EVERY = 4  # one lock of the responses' table every this many terminations
LOCK_HOLD = 0.6  # longer than the statement timeout (0.3 s)
KILL_OTHERS = """
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s
      AND backend_type = 'client backend' AND application_name NOT LIKE 'pytest%%'
"""


@dataclass
class Browser:
    """One respondent's browser that presses again when a page says "try again"."""

    client: httpx.Client
    seen: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    token: str = ""

    def send(self, method: str, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            payload = {"csrfmiddlewaretoken": self.token, **data} if data is not None else None
            response = self.client.request(method, url, data=payload)
            self.seen.append(
                (method, url, response.status_code, response.headers.get("retry-after"))
            )
            if response.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if found := TOKEN.search(response.text):
            self.token = found.group(1)
        return response


def _respond(url: str, spec: FormSpec, index: int, results: dict[int, Any]) -> None:
    rng = random.Random(index)
    about = about_you(index, rng)
    answers = plan_answers(spec, rng)
    with httpx.Client(base_url=url, timeout=60) as client:
        browser = Browser(client=client)
        step = lambda number: reverse("surveys:step", args=[spec.slug, number])  # noqa: E731
        first = browser.send("GET", step(1))
        # The page's own key, which the browser sends back with the form each time it is sent.
        start_key = START_KEY.search(first.text)
        assert start_key is not None
        pages: list[dict[str, Any]] = [{**about, "start_key": start_key.group(1)}]
        for section in spec.sections:
            pages.append(
                {f"q_{q.code}": form_data(q, answers[q.code]) for q in section if q.code in answers}
            )
        pages.append({})  # the attachments page, without files
        for number, data in enumerate(pages, start=1):
            response = browser.send("POST", step(number), data)
            assert response.status_code == 302, (number, response.status_code)
        browser.send("GET", step(spec.review_step))
        submitted = browser.send(
            "POST", reverse("surveys:submit", args=[spec.slug]), {"website": ""}
        )
        assert submitted.status_code == 302, submitted.status_code
        done = browser.send("GET", reverse("surveys:done", args=[spec.slug]))
        found = REFERENCE.search(done.text)
        results[index] = {
            "email": about["email"],
            "reference": found.group(1) if found else None,
            "seen": browser.seen,
        }


def _chaos(stop: threading.Event, counts: dict[str, int], own: int) -> None:
    """Until ``stop``: terminate the server's connections (not the test's own, ``own``), and
    now and then hold the responses' table."""
    database = running_database_url()
    with psycopg.connect(database, autocommit=True) as admin:
        rounds = 0
        while not stop.is_set():
            rounds += 1
            counts["terminated"] += admin.execute(KILL_OTHERS, [own]).fetchone()[0]
            if rounds % LOCK_EVERY == 0:
                with psycopg.connect(database) as holder:
                    holder.execute("LOCK TABLE surveys_submission IN EXCLUSIVE MODE")
                    counts["locks"] += 1
                    stop.wait(LOCK_HOLD)
                    holder.rollback()
            stop.wait(TERMINATE_EVERY)


def test_respondents_get_try_again_pages_never_a_500_and_lose_nothing(
    transactional_db, demo_consultations, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (statement_timeout, pg_terminate_backend)")
    spec = form_spec(demo_consultations["va-otc-dealing"])
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{running_database_url()}?options=-c%20statement_timeout%3D300",
        CONN_MAX_AGE="60",
        HTTPS_ONLY="0",
        ALLOWED_HOSTS="127.0.0.1",
        RATELIMIT_SUBMIT="1000/h",
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    results: dict[int, Any] = {}
    counts = {"terminated": 0, "locks": 0}
    with gunicorn(log_dir=tmp_path, env=env, workers=2, threads=4) as server:
        stop = threading.Event()
        connection.ensure_connection()
        own = connection.connection.info.backend_pid
        chaos = threading.Thread(target=_chaos, args=(stop, counts, own))
        respondents = [
            threading.Thread(target=_respond, args=(server.url, spec, index, results))
            for index in range(RESPONDENTS)
        ]
        chaos.start()
        for thread in respondents:
            thread.start()
        for thread in respondents:
            thread.join(timeout=PATIENCE_SECONDS * 4)
        stop.set()
        chaos.join(timeout=10)
        log = server.log_text()
    assert not any(thread.is_alive() for thread in respondents + [chaos])
    assert counts["terminated"] > RESPONDENTS and counts["locks"] >= 1, counts

    seen = [entry for index in sorted(results) for entry in results[index]["seen"]]
    statuses = {status for _, _, status, _ in seen}
    assert statuses <= {200, 302, 503}, sorted(statuses)
    # The chaos was felt, and every "try again" said when.
    unavailable = [entry for entry in seen if entry[2] == 503]
    assert unavailable, "no request met the trouble: the test proved nothing"
    assert {retry for *_, retry in unavailable} == {"30"}
    # Each trouble is logged as such (a lost database met outside a view with its traceback),
    # never as an internal server error.
    at = log.find("Internal Server Error")
    assert at < 0, log[at : at + 4000]
    assert '" 500 ' not in log

    # Everyone finished, with exactly one submitted response: the one they were shown.
    assert len(results) == RESPONDENTS
    for outcome in results.values():
        stored = Submission.objects.filter(email=outcome["email"])
        assert stored.count() == 1, outcome["email"]
        assert stored.get().state == SubmissionState.SUBMITTED
        assert stored.get().reference == outcome["reference"]
