"""The bench's data: its own database, and one copy of the OTC demo consultation per size.

Each size gets its own consultation (slug ``bench-otc-<size>``, reference prefix ``B<size>``
shortened) with the OTC demo's sections, questions and choices, filled with exactly ``size``
synthetic submitted responses from ``surveys.demo.synthetic``. A consultation that already holds the
right number of responses is reused, so a second ``make bench`` measures without regenerating.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "surveys" / "demo" / "va-otc-dealing.json"
SEED = 2026


def slug_for(size: int, purpose: str = "otc") -> str:
    return f"bench-{purpose}-{size}"


def prefix_for(size: int, purpose: str = "otc") -> str:
    """A reference prefix unique to the size and purpose (references are unique across
    consultations): BK10 for 10,000 of the reports' bench, LK10 for the load test's."""
    letter = "B" if purpose == "otc" else purpose[0].upper()
    if size % 1_000_000 == 0:
        return f"{letter}M{size // 1_000_000}"[:6]
    if size % 1000 == 0:
        return f"{letter}K{size // 1000}"[:6]
    return f"{letter}{size}"[:6]


def database_ensure(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (PostgreSQL only)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("The bench needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 - our own setting


def consultation_ensure(
    *, size: int, purpose: str = "otc", exact: bool = True
) -> tuple[str, float | None]:
    """The slug of a consultation with exactly ``size`` responses (at least ``size`` when not
    ``exact``: the load test adds its own), and how long generating took (None when an earlier
    run's data was reused). Needs Django set up."""
    from django.core.management import call_command
    from django.db import connection

    from surveys.demo.loader import demo_load
    from surveys.models import Consultation, Submission

    slug = slug_for(size, purpose)
    existing = Consultation.objects.filter(slug=slug).first()
    if existing is not None:
        have = Submission.objects.filter(consultation=existing).count()
        if have == size or (not exact and have >= size):
            return slug, None
        _consultation_retire(connection, existing.pk)
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["slug"] = slug
    data["reference_prefix"] = prefix_for(size, purpose)
    data["title"] = {
        "en": f"{data['title']['en']} (benchmark, {size:,} responses)",
        "zh-hant": f"{data['title']['zh-hant']}（基準測試，{size:,} 份回應）",
    }
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as directory:
        path = Path(directory) / f"{slug}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        demo_load(path=path)
    started = time.perf_counter()
    call_command("generate_responses", slug, count=size, seed=SEED)
    seconds = time.perf_counter() - started
    _settle(connection)
    return slug, seconds


def _settle(connection) -> None:
    """After a bulk load, what autovacuum does to a live database before long: mark the new rows
    visible (VACUUM) and gather the planner's statistics (ANALYZE). Without it the first
    measured read of fresh data pays for setting every row's hint bits and is planned from
    statistics taken mid-load (bench/README.md, round 4). PostgreSQL only; outside a
    transaction (VACUUM needs it)."""
    if connection.vendor != "postgresql":
        return
    from surveys.models import Answer, Submission

    tables = [model._meta.db_table for model in (Submission, Answer, Answer.themes.through)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')


def _consultation_retire(connection, consultation_id: int) -> None:
    """Move a partly generated bench consultation out of the way: its answers are deleted (they
    are most of its size) and its slug renamed, so the next run starts a clean copy."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM surveys_answer_themes WHERE answer_id IN"
            " (SELECT id FROM surveys_answer WHERE consultation_id = %s)",
            [consultation_id],
        )
        cursor.execute("DELETE FROM surveys_answer WHERE consultation_id = %s", [consultation_id])
        # References are unique across consultations: free them for the new copy.
        cursor.execute(
            "UPDATE surveys_submission SET reference = 'Z' || id WHERE consultation_id = %s",
            [consultation_id],
        )
        cursor.execute(
            "UPDATE surveys_consultation SET slug = 'stale-' || id || '-' || slug,"
            " reference_prefix = 'X' WHERE id = %s",
            [consultation_id],
        )


def broker_empty(url: str) -> None:
    """Empty the Redis database the measured pages queue their emails in (it is theirs alone)."""
    import redis

    redis.Redis.from_url(url).flushdb()
