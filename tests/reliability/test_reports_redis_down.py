"""The staff report pages while Redis is down, on a real gunicorn with production settings.

The server's broker (CELERY_BROKER_URL) and cache (CACHE_URL: rate limits, and the sessions it
caches) are both a private ``redis-server`` on 127.0.0.1:6394 (6404 on the second xdist worker,
...), stopped in the middle of the
test. Reading pages keep working (the signed-in session comes from its database row), and
starting a report, or trying one again, answers "Reports are unavailable just now" (503 with
Retry-After), never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports.models import Report, ReportFile, ReportStatus
from tests import parallel
from tests.factories import ConsultationFactory
from tests.processes import running_database_url
from tests.reliability.servers import gunicorn, production_env, redis_server
from tests.reports.report_data import report_storage

pytestmark = pytest.mark.integration

# 6394, 6404 for the second xdist worker, ... (tests/parallel.py)
REDIS_PORT = parallel.ports(6391)[3]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def private_root(tmp_path) -> Iterator[Path]:
    root = tmp_path / "private"
    root.mkdir()
    with report_storage(root):
        yield root


def _staff_session(django_user_model) -> str:
    user = django_user_model.objects.create_user(
        "report-staff", password="a-long-test-password", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reports", codename__in=["view_report", "add_report"]
        )
    )
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _post(
    client: httpx.Client, page: str, url: str, data: dict[str, str], language: str = "en"
) -> httpx.Response:
    headers = {"Accept-Language": language}
    token = CSRF.search(client.get(page, headers=headers).text)
    assert token, "no CSRF token on the page"
    return client.post(url, data={**data, "csrfmiddlewaretoken": token[1]}, headers=headers)


def test_report_pages_while_redis_is_down_read_as_usual_and_starting_one_says_unavailable(
    transactional_db, tmp_path, private_root, django_user_model
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (shared by the test and the server)")
    consultation = ConsultationFactory(slug="va-otc-dealing")
    built = Report.objects.create(
        consultation=consultation, status=ReportStatus.SUCCEEDED, progress=100, attempts=1
    )
    pdf = ReportFile(report=built, format="pdf", size=9)
    pdf.file.save("built.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    failed = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.FAILED,
        attempts=1,
        error="Building the report failed: disk full",
    )
    session = _staff_session(django_user_model)
    page = reverse("reports:consultation", args=[consultation.slug])
    reading = [
        reverse("reports:index"),
        page,
        reverse("reports:progress", args=[built.pk]),
        reverse("reports:download", args=[built.pk, "pdf"]),
    ]

    with redis_server(tmp_path / "redis", port=REDIS_PORT, persistent=False) as redis:
        env = production_env(
            # The session was signed here: the server must share this process's key.
            SECRET_KEY=settings.SECRET_KEY,
            DATABASE_URL=running_database_url(),
            HTTPS_ONLY="0",
            ALLOWED_HOSTS="127.0.0.1",
            CELERY_BROKER_URL=redis.url,
            CACHE_URL=f"redis://127.0.0.1:{REDIS_PORT}/1",
            PRIVATE_ROOT=str(private_root),
            EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
        )
        with (
            gunicorn(log_dir=tmp_path, env=env, workers=1, threads=2) as server,
            httpx.Client(base_url=server.url, cookies={"sessionid": session}, timeout=30) as client,
        ):
            for url in reading:  # with Redis up: the session is now cached in Redis too
                assert client.get(url).status_code == 200, url

            redis.stop()
            assert not redis.ping()

            for url in reading:
                response = client.get(url)
                assert response.status_code == 200, (url, response.text[-2000:])
            assert client.get(reading[-1]).content == b"%PDF-1.7\n"

            requested = _post(
                client,
                page,
                reverse("reports:request", args=[consultation.slug]),
                {"language": "en"},
            )
            assert requested.status_code == 503, requested.text[-2000:]
            assert requested.headers["retry-after"] == "30"
            assert "Reports are unavailable just now" in requested.text
            assert "the job queue could not be reached" in requested.text

            # "Try again", by a reader of the Chinese pages: the same page, in Chinese.
            retried = _post(
                client, page, reverse("reports:retry", args=[failed.pk]), {}, language="zh-hant"
            )
            assert retried.status_code == 503, retried.text[-2000:]
            assert retried.headers["retry-after"] == "30"
            assert 'lang="zh-Hant-HK"' in retried.text
            assert "未有開始：無法連接工作佇列" in retried.text

    log = server.log_text()  # complete once the server stopped
    statuses = re.findall(r'" (\d{3}) ', log)  # the access log: address "request" status time
    assert statuses.count("503") == 2
    assert set(statuses) <= {"200", "302", "503"}, statuses
    new = Report.objects.exclude(pk__in=[built.pk, failed.pk]).get()
    assert new.status == ReportStatus.FAILED  # says why; staff try again once Redis is back
    assert Report.objects.get(pk=failed.pk).status == ReportStatus.FAILED
