"""``python -m bench.pages``: the CPU a respondent's pages cost, request by request, in one process.

Walks whole responses through Django's test client (no server, no network, no load generator:
only the application's own work) against the bench database with the production settings the
load test uses (DEBUG off, a Redis cache holding sessions, persistent connections), and prints
the process CPU time (``time.process_time``) each kind of request took on average, over
``--journeys`` responses after a few unrecorded ones. ``/healthz`` is measured the same way, for
scale. Uses only URLs and pages, so the same command measures any version of the code:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \\
        .venv/bin/python -m bench.pages --journeys 40
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from bench.data import broker_empty, consultation_ensure, database_ensure
from bench.load.forms import form_fields

SIZE = 10_000
BROKER_URL = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/6")
_STEP = re.compile(r"/respond/step/(\d+)/$")


def _kind(method: str, number: int, text: str) -> str:
    """What kind of page a step is, from its number and its form."""
    if number == 1:
        return f"{method} about you"
    if "/submit/" in text and 'name="continue"' not in text:
        return f"{method} review"
    if 'enctype="multipart/form-data"' in text:
        return f"{method} attachments"
    return f"{method} section"


def _post(client: Any, url: str | None, data: dict[str, Any]) -> Any:
    # As a browser sends a form without files (the test client's default is multipart).
    return client.post(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
    )


def _journey(client: Any, slug: str, timings: dict[str, list[float]] | None) -> None:
    """One whole response, from the consultation's page to the page after submitting it."""

    def timed(kind: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        response = call(*args, **kwargs)
        if timings is not None:
            timings[kind].append(time.process_time() - started)
        return response

    client.cookies.clear()
    base = f"/consultations/{slug}/"
    timed("GET consultation page", client.get, base)
    url = timed("GET start", client.get, f"{base}respond/")["Location"]
    while (step := _STEP.search(url)) is not None:
        number = int(step.group(1))
        # The page's kind shows in its form, so it is timed under a provisional name first.
        started = time.process_time()
        page = client.get(url)
        spent = time.process_time() - started
        assert page.status_code == 200, (url, page.status_code)
        text = page.content.decode()
        kind = _kind("GET", number, text)
        if timings is not None:
            timings[kind].append(spent)
        form = form_fields(text)
        if kind == "GET review":
            response = timed("POST submit", _post, client, form.action, form.data())
            timed("GET after submit", client.get, response["Location"])
            return
        response = timed(_kind("POST", number, text), _post, client, url, form.data())
        assert response.status_code == 302, (url, response.status_code)
        url = response["Location"]
    raise AssertionError(f"the journey ended at {url}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=40, help="Recorded responses.")
    parser.add_argument("--warm-up", type=int, default=5, help="Unrecorded responses first.")
    parser.add_argument("--json", action="store_true", help="Print one JSON line instead.")
    args = parser.parse_args(argv)

    database_ensure(os.environ.get("DATABASE_URL", ""))
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    os.environ.update(
        {
            "DEBUG": "0",
            "HTTPS_ONLY": "0",
            "ALLOWED_HOSTS": "testserver",
            "RATELIMIT_SUBMIT": "1000000/h",
            "EMAIL_URL": "dummymail://",
            "CONN_MAX_AGE": "60",
            "CACHE_URL": os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/4"),
            # Emails are queued as in production: a row, and a message on a Redis broker (a
            # database of its own, emptied first; no worker sends them during the measurement).
            "CELERY_BROKER_URL": BROKER_URL,
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultation.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    slug, _ = consultation_ensure(size=SIZE, purpose="load", exact=False)
    broker_empty(BROKER_URL)
    client = Client()
    for _ in range(args.warm_up):
        _journey(client, slug, None)
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.journeys):
        _journey(client, slug, timings)
    for _ in range(200):
        started = time.process_time()
        client.get("/healthz")
        timings["GET /healthz"].append(time.process_time() - started)
    result = {kind: statistics.mean(values) * 1000 for kind, values in timings.items()}
    per_journey = (
        sum(sum(values) for kind, values in timings.items() if kind != "GET /healthz")
        / args.journeys
    )
    requests = sum(len(v) for k, v in timings.items() if k != "GET /healthz") / args.journeys
    result["journey (all requests)"] = per_journey * 1000
    result["requests per journey"] = requests
    if args.json:
        print(json.dumps(result))
        return
    for kind, milliseconds in result.items():
        unit = "" if kind == "requests per journey" else " ms"
        print(f"{kind:<28} {milliseconds:8.2f}{unit}")


if __name__ == "__main__":
    main()
