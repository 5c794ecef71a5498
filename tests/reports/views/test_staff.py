"""Staff report pages, progress JSON, downloads and the admin: who gets in, what they see, and
how many queries the lists take."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from reports.display import snapshot_line
from reports.jobs.watchdog import WORKER_LOST_REQUEUED as REQUEUED_REASON
from reports.models import Report, ReportFile, ReportStatus
from surveys.roles import roles_sync
from tests.factories import ConsultationFactory
from tests.reports.report_data import report_storage

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n% a stand-in document for the download view\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    with report_storage(tmp_path / "private"):
        yield tmp_path / "private"


@pytest.fixture
def consultation():
    return ConsultationFactory(slug="va-otc-dealing", title_en="Licensing OTC dealing")


def _finished_report(consultation, *, language="en", user=None) -> Report:
    report = Report.objects.create(
        consultation=consultation,
        language=language,
        requested_by=user,
        status=ReportStatus.SUCCEEDED,
        progress=100,
        attempts=1,
        started_at=dt.datetime(2026, 11, 24, 9, 59, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 11, 24, 10, 0, 5, tzinfo=dt.UTC),
        snapshot_count=1234,
        snapshot_sha256="ab12" + "0" * 60,
        snapshot_as_of=dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC),  # 18:00 HKT
        snapshot_excluded={"spam": 12, "withdrawn": 3, "duplicate": 0},
    )
    for fmt, content in (
        ("pdf", PDF_BYTES),
        ("json", b'{"consultation": "va-otc-dealing"}'),
        ("csv", b"code,choice,count\n"),
        ("xlsx", b"PK\x03\x04"),
    ):
        report_file = ReportFile(report=report, format=fmt, size=len(content))
        report_file.file.save(f"report-{report.pk}.{fmt}", ContentFile(content), save=True)
    return report


def _user(django_user_model, name, *, perms=(), groups=(), **flags):
    user = django_user_model.objects.create_user(name, password="a-long-test-password", **flags)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for group_name in groups:
        # The groups come from a data migration; a transactional test's flush earlier on the
        # same worker removes them (as tests/factories.py does).
        if not Group.objects.filter(name=group_name).exists():
            roles_sync()
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def reader(django_user_model):
    return _user(django_user_model, "reader", perms=["reports.view_report"], is_staff=True)


@pytest.fixture
def requester(django_user_model):
    return _user(
        django_user_model,
        "requester",
        perms=["reports.view_report", "reports.add_report"],
        is_staff=True,
    )


def _get_urls(report: Report) -> list[str]:
    return [
        reverse("reports:index"),
        reverse("reports:consultation", args=[report.consultation.slug]),
        reverse("reports:progress", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "pdf"]),
        reverse("reports:download", args=[report.pk, "json"]),
    ]


# Access


def test_anonymous_visitors_are_sent_to_the_staff_login(client, consultation):
    report = _finished_report(consultation)
    for url in _get_urls(report):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login") + "?next="), url
    for url in (
        reverse("reports:request", args=[consultation.slug]),
        reverse("reports:retry", args=[report.pk]),
    ):
        assert client.post(url, {"language": "en"}).status_code == 302
    assert Report.objects.count() == 1


def test_staff_without_the_permission_are_refused(client, django_user_model, consultation):
    report = _finished_report(consultation)
    client.force_login(_user(django_user_model, "clerk", is_staff=True))
    for url in _get_urls(report):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("reports:request", args=[consultation.slug]), {"language": "en"})
    ).status_code == 403
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(
            lambda m: _user(m, "r", perms=["reports.view_report"], is_staff=True), id="permission"
        ),
        pytest.param(
            lambda m: _user(m, "r", groups=["Report readers"], is_staff=True), id="readers"
        ),
        pytest.param(lambda m: _user(m, "r", groups=["Reviewers"], is_staff=True), id="reviewers"),
        pytest.param(
            lambda m: _user(m, "r", groups=["Consultation editors"], is_staff=True),
            id="editors",
        ),
        pytest.param(
            lambda m: m.objects.create_superuser("r", "r@example.hk", "a-long-test-password"),
            id="superuser",
        ),
    ],
)
def test_report_readers_see_every_page_and_file(client, django_user_model, consultation, make_user):
    report = _finished_report(consultation)
    client.force_login(make_user(django_user_model))
    for url in _get_urls(report):
        assert client.get(url).status_code == 200, url


def test_readers_cannot_request_or_retry_reports(client, reader, consultation):
    failed = Report.objects.create(consultation=consultation, status=ReportStatus.FAILED)
    client.force_login(reader)
    assert (
        client.post(reverse("reports:request", args=[consultation.slug]), {"language": "en"})
    ).status_code == 403
    assert client.post(reverse("reports:retry", args=[failed.pk])).status_code == 403
    assert Report.objects.get(pk=failed.pk).status == ReportStatus.FAILED
    assert Report.objects.count() == 1


# Downloads


def test_a_download_is_an_attachment_with_a_readable_name(client, reader, consultation):
    report = _finished_report(consultation, language="zh-hant")
    client.force_login(reader)
    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="va-otc-dealing-summary-zh-hant-20261124.pdf"'
    )
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("fmt", ["docx", "PDF", ".."])
def test_an_unknown_format_is_not_found(client, reader, consultation, fmt):
    report = _finished_report(consultation)
    client.force_login(reader)
    assert client.get(f"/reports/{report.pk}/files/{fmt}/").status_code == 404


def test_files_of_an_unfinished_or_missing_report_are_not_found(client, reader, consultation):
    report = _finished_report(consultation)
    client.force_login(reader)
    assert client.get(reverse("reports:download", args=[report.pk + 1, "pdf"])).status_code == 404
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING)
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


def test_a_file_gone_from_storage_is_not_found_rather_than_an_error(client, reader, consultation):
    report = _finished_report(consultation)
    pdf = ReportFile.objects.get(report=report, format="pdf")
    pdf.file.storage.delete(pdf.file.name)
    client.force_login(reader)
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


# Progress


def test_progress_json_reports_status_percent_and_translated_step(client, reader, consultation):
    report = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.RUNNING,
        progress=72,
        step="Writing the Excel workbook",
    )
    client.force_login(reader)
    response = client.get(reverse("reports:progress", args=[report.pk]))
    assert response.status_code == 200
    assert response.json() == {
        "id": report.pk,
        "status": "running",
        "status_label": "Running",
        "progress": 72,
        "step": "Writing the Excel workbook",
        "reason": "",
        "finished": False,
    }
    assert "no-cache" in response["Cache-Control"]
    # The watchdog queued it again: the page learns why without a reload.
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.QUEUED,
        error=REQUEUED_REASON,
        heartbeat_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC),
    )
    reason = client.get(reverse("reports:progress", args=[report.pk])).json()["reason"]
    assert reason.startswith(REQUEUED_REASON)
    assert "Last heartbeat from its worker: 24 Nov 2026 18:00" in reason
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)
    assert client.get(reverse("reports:progress", args=[report.pk])).json()["finished"] is True
    assert client.get(reverse("reports:progress", args=[report.pk + 1])).status_code == 404


# The consultation's report page


def test_the_page_lists_reports_newest_first_with_snapshot_and_downloads(
    client, reader, consultation
):
    older = _finished_report(consultation)
    newer = _finished_report(consultation, language="zh-hant")
    Report.objects.filter(pk=older.pk).update(queued_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(reader)
    response = client.get(reverse("reports:consultation", args=[consultation.slug]))
    html = response.content.decode()
    assert [r.pk for r in response.context["reports"]] == [newer.pk, older.pk]
    assert html.index(f"Report #{newer.pk}") < html.index(f"Report #{older.pk}")
    assert (
        "Counted 1,234 submissions as of 24 Nov 2026 18:00 HKT; left out: "
        "12 excluded as spam, 3 withdrawn; SHA-256 ab1200000000…" in html
    )
    for fmt in ("pdf", "json", "csv", "xlsx"):
        assert reverse("reports:download", args=[newer.pk, fmt]) in html
    # Readers see no request form and no retry button.
    assert reverse("reports:request", args=[consultation.slug]) not in html


def test_a_running_report_shows_an_accessible_bar_polled_by_a_static_script(
    client, reader, consultation
):
    report = Report.objects.create(
        consultation=consultation, status=ReportStatus.RUNNING, progress=45, step="Counting"
    )
    client.force_login(reader)
    html = client.get(reverse("reports:consultation", args=[consultation.slug])).content.decode()
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="45"' in html
    assert 'aria-valuemin="0"' in html and 'aria-valuemax="100"' in html
    assert f'data-url="{reverse("reports:progress", args=[report.pk])}"' in html
    assert '<script src="/static/reports/progress.js" defer></script>' in html
    assert "<script>" not in html
    assert reverse("reports:download", args=[report.pk, "pdf"]) not in html


def test_a_failed_report_shows_its_error_and_a_try_again_button(client, requester, consultation):
    report = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.FAILED,
        error="Building the report failed: disk full",
    )
    client.force_login(requester)
    html = client.get(reverse("reports:consultation", args=[consultation.slug])).content.decode()
    assert "Building the report failed: disk full" in html
    assert f'action="{reverse("reports:retry", args=[report.pk])}"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_page_is_translated(client, reader, consultation):
    _finished_report(consultation)
    client.force_login(reader)
    with translation.override("zh-hant"):
        url = reverse("reports:consultation", args=[consultation.slug])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hant")
    html = response.content.decode()
    assert consultation.title_zh in html
    assert "2026年11月24日 18:00 HKT" in html


def test_an_unknown_consultation_is_not_found(client, reader):
    client.force_login(reader)
    assert client.get(reverse("reports:consultation", args=["no-such-thing"])).status_code == 404


def test_the_list_page_takes_the_same_queries_for_many_reports(
    client, reader, consultation, django_assert_max_num_queries
):
    client.force_login(reader)
    url = reverse("reports:consultation", args=[consultation.slug])
    _finished_report(consultation, user=reader)
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for _ in range(12):
        _finished_report(consultation, user=reader)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_index_lists_consultations_with_their_report_counts(
    client, reader, consultation, django_assert_max_num_queries
):
    _finished_report(consultation)
    _finished_report(consultation)
    ConsultationFactory.create_batch(3)
    client.force_login(reader)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reports:index"))
    counts = {c.slug: c.report_count for c in response.context["consultations"]}
    assert counts["va-otc-dealing"] == 2
    assert len(counts) == 4


# Requesting and retrying from the page


def test_requesting_a_report_queues_it_and_returns_to_the_page(client, requester, consultation):
    client.force_login(requester)
    response = client.post(
        reverse("reports:request", args=[consultation.slug]), {"language": "zh-hant"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:consultation", args=[consultation.slug])
    report = Report.objects.get()
    assert (report.language, report.status, report.requested_by) == (
        "zh-hant",
        ReportStatus.QUEUED,
        requester,
    )


@pytest.mark.parametrize("data", [{"language": "fr"}, {}])
def test_a_bad_request_says_why_and_creates_nothing(client, requester, consultation, data):
    client.force_login(requester)
    response = client.post(reverse("reports:request", args=[consultation.slug]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["language"]
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not Report.objects.exists()


def test_requests_and_retries_must_be_posted(client, requester, consultation):
    failed = Report.objects.create(consultation=consultation, status=ReportStatus.FAILED)
    client.force_login(requester)
    assert client.get(reverse("reports:request", args=[consultation.slug])).status_code == 405
    assert client.get(reverse("reports:retry", args=[failed.pk])).status_code == 405


def test_try_again_requeues_the_same_row(client, requester, consultation):
    failed = Report.objects.create(
        consultation=consultation, status=ReportStatus.FAILED, error="boom", attempts=1
    )
    client.force_login(requester)
    response = client.post(reverse("reports:retry", args=[failed.pk]), follow=True)
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (ReportStatus.QUEUED, "")
    assert Report.objects.count() == 1
    assert f"Report #{failed.pk} is queued again." in response.content.decode()


def test_try_again_on_a_succeeded_report_explains_and_changes_nothing(
    client, requester, consultation
):
    report = _finished_report(consultation)
    client.force_login(requester)
    response = client.post(reverse("reports:retry", args=[report.pk]), follow=True)
    assert "Only a report that failed can be tried again." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED


# What the snapshot line says


def test_snapshot_line_in_both_languages(consultation):
    report = _finished_report(consultation)
    assert snapshot_line(report) == (
        "Counted 1,234 submissions as of 24 Nov 2026 18:00 HKT; "
        "left out: 12 excluded as spam, 3 withdrawn; SHA-256 ab1200000000…"
    )
    with translation.override("zh-hant"):
        assert "2026年11月24日 18:00 HKT" in snapshot_line(report)
    assert snapshot_line(Report(consultation=consultation)) == ""
    report.snapshot_excluded = {}
    assert "none left out" in snapshot_line(report)
    report.snapshot_excluded = {"after_cutoff": 1}
    assert "1 received after the cut-off" in snapshot_line(report)


# Admin


def test_report_admin_is_read_only_for_readers(
    client, reader, consultation, django_assert_max_num_queries
):
    report = _finished_report(consultation)
    for _ in range(5):
        _finished_report(consultation)
    client.force_login(reader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:reports_report_changelist"))
    assert response.status_code == 200
    assert reverse("reports:download", args=[report.pk, "pdf"]) in response.content.decode()
    detail = client.get(reverse("admin:reports_report_change", args=[report.pk]))
    assert detail.status_code == 200
    assert "Counted 1,234 submissions" in detail.content.decode()
    assert client.get(reverse("admin:reports_report_add")).status_code == 403
    assert client.post(reverse("admin:reports_report_delete", args=[report.pk])).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def _consultation_admin_user(django_user_model, *perms):
    return _user(
        django_user_model, "admin-user", perms=["surveys.view_consultation", *perms], is_staff=True
    )


def test_admin_action_requests_both_editions_and_links_to_the_report_page(
    client, django_user_model, consultation
):
    user = _consultation_admin_user(django_user_model, "reports.view_report", "reports.add_report")
    other = ConsultationFactory()
    client.force_login(user)
    response = client.post(
        reverse("admin:surveys_consultation_changelist"),
        {"action": "build_summary_report", "_selected_action": [consultation.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert sorted(
        Report.objects.values_list("consultation__slug", "language", "status", "requested_by")
    ) == sorted(
        (c.slug, language, ReportStatus.QUEUED, user.pk)
        for c in (consultation, other)
        for language in ("en", "zh-hant")
    )
    html = response.content.decode()
    assert "Summary reports in English and Traditional Chinese are queued." in html
    assert f'href="{reverse("reports:consultation", args=[consultation.slug])}"' in html


def test_admin_action_needs_the_permission_to_build(client, django_user_model, consultation):
    client.force_login(_consultation_admin_user(django_user_model, "reports.view_report"))
    response = client.post(
        reverse("admin:surveys_consultation_changelist"),
        {"action": "build_summary_report", "_selected_action": [consultation.pk]},
        follow=True,
    )
    assert "You do not have permission to build summary reports." in response.content.decode()
    assert not Report.objects.exists()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once closed: Redis is "down"


def _assert_unavailable_page(response) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    return response.content.decode()


def test_a_report_asked_for_while_the_job_queue_is_down_fails_with_a_reason_not_a_500(
    transactional_db, client, reviewer, consultation
):
    # Real commits (transactional_db): the job is sent as the request commits, as in production.
    from tests.reports.celery_support import broker_url

    client.force_login(reviewer)
    with broker_url(f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.post(
            reverse("reports:request", args=[consultation.slug]), {"language": "en"}
        )
    page = _assert_unavailable_page(response)
    assert "Reports are unavailable just now" in page
    assert "the job queue could not be reached" in page
    assert f'href="{reverse("reports:consultation", args=[consultation.slug])}"' in page
    report = Report.objects.get()
    assert report.status == ReportStatus.FAILED and report.finished_at is not None

    # "Try again" while the queue is still down: the same clear page, in the visitor's language.
    with broker_url(f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.post(
            reverse("reports:retry", args=[report.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
        )
    page = _assert_unavailable_page(response)
    assert "未有開始：無法連接工作佇列" in page
    assert Report.objects.get().status == ReportStatus.FAILED

    # Once the queue is back, "Try again" queues it.
    from tests.reports.celery_support import memory_broker

    with memory_broker() as inbox:
        client.post(reverse("reports:retry", args=[report.pk]))
        assert [name for name, _ in inbox.take()] == ["reports.tasks.build_report"]
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED


def test_every_reading_page_works_while_redis_is_down(
    transactional_db, client, reader, consultation, settings
):
    """Broker and a Redis cache (sessions, as in production) both unreachable: the list, the
    report page, its progress and the downloads answer as usual."""
    from tests.reports.celery_support import broker_url

    report = _finished_report(consultation)
    running = Report.objects.create(consultation=consultation, status=ReportStatus.RUNNING)
    client.force_login(reader)
    # What settings.py makes of CACHE_URL=redis://... (tests/consultation/test_session_cache.py).
    redis_down = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_down,
        },
        "sessions": {
            "BACKEND": "consultation.cache.OutageTolerantRedisCache",
            "LOCATION": redis_down,
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    with broker_url(f"redis://127.0.0.1:{_closed_port()}/0"):
        for url in [*_get_urls(report), reverse("reports:progress", args=[running.pk])]:
            response = client.get(url)
            assert response.status_code == 200, url


def test_a_page_that_meets_a_redis_outage_answers_the_unavailable_page(
    client, reader, consultation, monkeypatch
):
    import redis.exceptions

    from reports.views import staff

    def unreachable(**kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(staff, "_reports_page", lambda *args, **kwargs: unreachable())
    client.force_login(reader)
    response = client.get(reverse("reports:consultation", args=[consultation.slug]))
    assert "Reports are unavailable just now" in _assert_unavailable_page(response)


def test_a_requeued_report_says_why_with_its_last_heartbeat(client, reader, consultation):
    from reports.jobs import watchdog

    last_beat = dt.datetime(2026, 11, 24, 10, 41, 7, tzinfo=dt.UTC)  # 18:41 HKT
    queued = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.QUEUED,
        attempts=1,
        error=watchdog.WORKER_LOST_REQUEUED,
        heartbeat_at=last_beat,
    )
    failed = Report.objects.create(
        consultation=consultation,
        status=ReportStatus.FAILED,
        attempts=3,
        error=watchdog.WORKER_LOST_FAILED,
        heartbeat_at=last_beat,
    )
    client.force_login(reader)
    page = client.get(reverse("reports:consultation", args=[consultation.slug])).content.decode()
    assert "the report was queued again and will be built from the start." in page
    assert "Stopped: the worker building this report stopped (its heartbeat stopped)" in page
    assert page.count("Last heartbeat from its worker: 24 Nov 2026 18:41 HKT.") == 2
    assert f'action="{reverse("reports:retry", args=[failed.pk])}"' not in page  # reader only
    assert queued.pk


def test_the_admin_lists_why_a_report_was_requeued_or_failed(client, consultation, admin_user):
    from reports.jobs import watchdog

    Report.objects.create(
        consultation=consultation,
        status=ReportStatus.FAILED,
        attempts=3,
        error=watchdog.WORKER_LOST_FAILED,
        heartbeat_at=dt.datetime(2026, 11, 24, 10, 41, 7, tzinfo=dt.UTC),
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:reports_report_changelist")).content.decode()
    assert "stopped (its heartbeat stopped) on every attempt" in listing
    assert "Last heartbeat from its worker: 24 Nov 2026 18:41 HKT." in listing
    report = Report.objects.get()
    detail = client.get(reverse("admin:reports_report_change", args=[report.pk])).content.decode()
    assert "Last heartbeat from its worker: 24 Nov 2026 18:41 HKT." in detail
