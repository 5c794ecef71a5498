"""The database connection lost in the middle of a submit, on a real gunicorn and PostgreSQL.

The test holds back the submit's last write (its revision row) with a conflicting insert in an
open transaction of its own, so the server's request is caught waiting *inside* its transaction,
after it has allocated the reference and marked the response submitted. It then kills that
request's database backend with ``pg_terminate_backend``. The respondent must get a clear page,
the draft must be exactly as it was, the reference counter untouched, and a second try must
submit normally.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, connection

from consultation.errors import database_unavailable
from surveys.models import Answer, Consultation, Submission, SubmissionRevision, SubmissionState
from tests.processes import running_database_url
from tests.reliability.respondent import Respondent, about_you, form_spec, plan_answers, run_async
from tests.reliability.servers import gunicorn, production_env

pytestmark = pytest.mark.integration

WAITING_SUBMIT = """
    SELECT pid, backend_xid IS NOT NULL FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO "surveys_submissionrevision"%%'
"""


def _browse(respondent: Respondent, url: str, action: Callable[[Respondent], Awaitable[Any]]):
    """Run ``action`` with the respondent's browser (its cookies survive between calls)."""

    async def run() -> Any:
        async with httpx.AsyncClient(
            base_url=url, timeout=60, cookies=respondent.client.cookies
        ) as client:
            respondent.client = client
            return await action(respondent)

    return run_async(run())


def _state(submission: Submission) -> dict[str, Any]:
    fresh = Submission.objects.get(pk=submission.pk)
    return {
        "state": fresh.state,
        "reference": fresh.reference,
        "submitted_at": fresh.submitted_at,
        "answers": sorted(
            Answer.objects.filter(submission=fresh).values_list(
                "question__code", "choice__value", "text", "number"
            ),
            key=repr,
        ),
        "revisions": SubmissionRevision.objects.filter(submission=fresh).count(),
        "counter": Consultation.objects.get(pk=fresh.consultation_id).last_reference_number,
    }


def test_a_connection_lost_mid_submit_stores_nothing_and_says_so(
    transactional_db, demo_consultations, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_terminate_backend)")
    consultation = demo_consultations["va-otc-dealing"]
    spec = form_spec(consultation)
    rng = random.Random(3)
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=running_database_url(),
        HTTPS_ONLY="0",
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    with gunicorn(log_dir=tmp_path, env=env, workers=1, threads=2) as server:
        respondent = Respondent(
            client=httpx.AsyncClient(),
            spec=spec,
            about=about_you(1, rng),
            answers=plan_answers(spec, rng),
        )
        _browse(respondent, server.url, lambda r: r.fill_in())
        submission = Submission.objects.get(email=respondent.about["email"])
        before = _state(submission)
        assert before["state"] == SubmissionState.DRAFT

        response = _submit_while_the_connection_is_killed(respondent, server.url, submission)

        assert response.status_code == 503
        assert response.headers["retry-after"] == "30"
        page = response.text
        assert "Your response has not been submitted yet." in page
        assert "the answers you saved before are still in your draft" in page
        assert f'href="/consultations/{spec.slug}/respond/"' in page
        assert "Traceback" not in page
        # Nothing half-written: no reference, no revision, the counter rolled back, answers intact.
        assert _state(submission) == before

        # The draft is still there for the respondent, and the next try goes through.
        review = _browse(respondent, server.url, lambda r: r.get(r.step_url(spec.review_step)))
        assert review.status_code == 200
        assert respondent.about["contact_name"] in review.text

        async def submit_again(r: Respondent) -> tuple[httpx.Response, str | None]:
            return await r.submit(), await r.acknowledged_reference()

        again, reference = _browse(respondent, server.url, submit_again)
        assert again.status_code == 302
        assert reference == f"{spec.prefix}-000001"
        after = _state(submission)
        assert after["state"] == SubmissionState.SUBMITTED
        assert after["answers"] == before["answers"]
        assert after["revisions"] == 1
        assert after["counter"] == 1
        submit_path = f"/consultations/{spec.slug}/respond/submit/"
        assert f'"POST {submit_path} HTTP/1.1" 503' in server.log_text()


def _submit_while_the_connection_is_killed(
    respondent: Respondent, url: str, submission: Submission
) -> httpx.Response:
    database = running_database_url()
    with psycopg.connect(database) as blocker, psycopg.connect(database, autocommit=True) as admin:
        # An uncommitted revision number 1 makes the server's own insert of it wait on the index.
        blocker.execute(
            "INSERT INTO surveys_submissionrevision "
            "(submission_id, number, created_at, state, respondent, answers) "
            "VALUES (%s, 1, now(), 'draft', '{}', '{}')",
            [submission.pk],
        )
        result: dict[str, httpx.Response] = {}
        thread = threading.Thread(
            target=lambda: result.update(response=_browse(respondent, url, lambda r: r.submit()))
        )
        thread.start()
        try:
            pid, wrote = _wait_for_waiting_submit(admin)
            # The request is inside its transaction and has already written (it holds an xid).
            assert wrote
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            blocker.rollback()
            thread.join(timeout=60)
    assert not thread.is_alive()
    return result["response"]


def _wait_for_waiting_submit(admin: psycopg.Connection) -> tuple[int, bool]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row = admin.execute(WAITING_SUBMIT).fetchone()
        if row:
            return row[0], row[1]
        time.sleep(0.05)
    raise AssertionError("the submit never reached its revision insert")


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("terminating connection due to administrator command"), True),
        (OperationalError('connection failed: could not connect to server "db"'), True),
        (InterfaceError("connection already closed"), True),
        # A database too busy to answer in the time allowed: "try again" too.
        (OperationalError("canceling statement due to statement timeout"), True),
        (IntegrityError("duplicate key value violates unique constraint"), False),
        (DataError("value too long for type character varying(20)"), False),
    ],
)
def test_only_a_lost_database_is_answered_with_the_try_again_page(error, unavailable):
    # Bugs in a query stay server errors, reported as such; only an outage or a statement
    # given up in time says "try again".
    assert database_unavailable(error) is unavailable


def test_a_statement_timeout_and_dropped_connections_give_the_try_again_page_then_recover(
    transactional_db, demo_consultations, tmp_path
):
    """With the statement timeout the README recommends (short here), a page whose query waits
    too long answers 503 with ``Retry-After``; with persistent connections, every connection
    terminated between two requests is replaced by the next request (``CONN_HEALTH_CHECKS``)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (statement_timeout, pg_terminate_backend)")
    slug = demo_consultations["va-otc-dealing"].slug
    timeout = "options=-c%20statement_timeout%3D300"
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{running_database_url()}?{timeout}",
        CONN_MAX_AGE="60",
        HTTPS_ONLY="0",
        ALLOWED_HOSTS="127.0.0.1",
    )
    page = f"/consultations/{slug}/"
    with gunicorn(log_dir=tmp_path, env=env, workers=1, threads=2) as server:
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            assert browser.get(page).status_code == 200
            # Another session holds the consultations' table: the page's read waits, then gives up.
            with psycopg.connect(running_database_url(), autocommit=False) as holder:
                holder.execute("LOCK TABLE surveys_consultation IN ACCESS EXCLUSIVE MODE")
                busy = browser.get(page)
                holder.rollback()
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "30"
            assert "Please try again in a few minutes." in busy.text
            assert browser.get(page).status_code == 200

            # Every connection the server keeps is terminated between two requests.
            with psycopg.connect(running_database_url(), autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND application_name NOT LIKE 'pytest%%' AND backend_type = 'client backend'"
                    " AND pid <> %s",
                    [connection.connection.info.backend_pid],
                ).fetchone()[0]
            assert killed >= 1
            assert [browser.get(page).status_code for _ in range(4)] == [200] * 4
        log = server.log_text()
    assert "Traceback" not in log, log[-3000:]
