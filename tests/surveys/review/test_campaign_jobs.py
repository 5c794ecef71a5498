"""Campaign detection as a background job: the service, the task and the admin pages that queue
it and follow it, in English and Chinese."""

import pytest
from django.urls import reverse
from django.utils import translation

from consultation.celery import app
from surveys import roles
from surveys.models import CampaignDetectionJob, CampaignGroup, DetectionState, ReviewEvent
from surveys.review import campaign_jobs
from surveys.tasks import detect_campaigns
from tests.factories import UserFactory
from tests.reports.celery_support import broker_url
from tests.surveys.review.test_campaigns import consultation, respond  # noqa: F401
from tests.textkit.texts import (
    EN_CAMPAIGN,
    EN_WORDS,
    ZH_CAMPAIGN,
    ZH_WORDS,
    campaign_texts,
    individual_texts,
)

pytestmark = pytest.mark.django_db
# Nothing listens on port 1: a broker that is down.
BROKER_DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture
def answered(consultation):  # noqa: F811
    for text in campaign_texts(EN_CAMPAIGN, EN_WORDS, 12, 5):
        respond(consultation, text)
    for text in campaign_texts(ZH_CAMPAIGN, ZH_WORDS, 9, 6):
        respond(consultation, text)
    for text in individual_texts(20, seed=7):
        respond(consultation, text)
    return consultation


@pytest.fixture
def eager():
    """The task runs in this process when its transaction commits (the real task)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def reviewer(client):
    user = UserFactory(username="rev", roles=[roles.REVIEWERS])
    client.force_login(user)
    return client


def test_a_job_runs_records_its_progress_and_result(answered):
    job = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    stages = []
    original = campaign_jobs._update

    def spy(job_, **values):
        if "stage" in values:
            stages.append(values["stage"])
        original(job_, **values)

    campaign_jobs._update = spy
    try:
        campaign_jobs.campaign_job_run(job=job)
    finally:
        campaign_jobs._update = original
    job.refresh_from_db()
    assert job.state == DetectionState.DONE
    assert (job.submissions, job.groups, job.grouped, job.kept) == (41, 2, 21, 0)
    assert {"read", "compare", "write"} <= set(stages)
    sizes = sorted(CampaignGroup.objects.values_list("size", flat=True))
    assert sizes == [9, 12]
    chinese = CampaignGroup.objects.get(size=9)
    assert "政府盡快實施制度" in chinese.representative_text


def test_a_second_job_for_the_same_consultation_is_refused_while_one_is_active(answered):
    first = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    with pytest.raises(campaign_jobs.DetectionRefused):
        campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    campaign_jobs.campaign_job_run(job=first)
    second = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    campaign_jobs.campaign_job_run(job=second)
    second.refresh_from_db()
    assert (second.state, second.kept, second.removed) == (DetectionState.DONE, 2, 0)


def test_the_task_takes_the_job_id_and_a_finished_job_is_not_run_again(answered):
    job = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    detect_campaigns.apply(args=[job.pk, "zh-hant"])
    job.refresh_from_db()
    assert job.state == DetectionState.DONE
    events = ReviewEvent.objects.count()
    assert events == 21
    assert ReviewEvent.objects.filter(reason__contains="相似度").count() == events
    detect_campaigns.apply(args=[job.pk, "en"])  # delivered twice
    assert ReviewEvent.objects.count() == events
    detect_campaigns.apply(args=[job.pk + 1000, "en"])  # no such job: nothing to do


def test_a_failure_is_recorded_with_a_clear_message(answered, monkeypatch):
    job = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(campaign_jobs, "campaign_detect", broken)
    campaign_jobs.campaign_job_run(job=job)
    job.refresh_from_db()
    assert job.state == DetectionState.FAILED
    assert "nothing was changed" in job.error
    # The consultation can be detected again at once.
    campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)


@pytest.mark.parametrize(
    ("language", "done", "summary"),
    [
        ("en", "Done", "2 campaign groups covering 21 of 41 sent submissions"),
        ("zh-hant", "完成", "2 個聯署組別，涵蓋 41 份已提交並有自由填寫答案的意見書中的 21 份"),
    ],
)
def test_the_admin_page_queues_the_job_and_shows_its_result(
    reviewer, answered, eager, django_capture_on_commit_callbacks, language, done, summary
):
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            reverse("admin:surveys_campaigngroup_detect"),
            {"consultation": answered.pk, "threshold": "0.8"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    job = CampaignDetectionJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:surveys_campaigngroup_detection", args=[job.pk])
    page = reviewer.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert page.status_code == 200
    assert done in text and summary in text
    assert "data-job-running" not in text


def test_a_running_job_page_follows_the_progress(reviewer, answered):
    job = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    CampaignDetectionJob.objects.filter(pk=job.pk).update(
        state=DetectionState.RUNNING, stage="compare", done=5, total=16
    )
    page = reviewer.get(reverse("admin:surveys_campaigngroup_detection", args=[job.pk]))
    text = page.content.decode()
    assert "data-job-running" in text
    assert "5 of 16" in text and 'value="5"' in text
    # A second request while it runs is refused with a message, not an error page.
    response = reviewer.post(
        reverse("admin:surveys_campaigngroup_detect"),
        {"consultation": answered.pk, "threshold": "0.8"},
    )
    assert response.status_code == 200
    assert "already queued or running" in response.content.decode()
    assert CampaignDetectionJob.objects.count() == 1


def test_with_the_broker_down_the_job_fails_with_a_message(
    reviewer, answered, django_capture_on_commit_callbacks
):
    with broker_url(BROKER_DOWN), django_capture_on_commit_callbacks(execute=True):
        app.conf.broker_connection_retry = False
        response = reviewer.post(
            reverse("admin:surveys_campaigngroup_detect"),
            {"consultation": answered.pk, "threshold": "0.8"},
        )
    assert response.status_code == 302
    job = CampaignDetectionJob.objects.get()
    assert job.state == DetectionState.FAILED
    page = reviewer.get(response["Location"])
    assert "background job service is unavailable" in page.content.decode()
    assert not CampaignGroup.objects.exists()


def test_staff_without_the_review_permission_are_refused(client, answered):
    client.force_login(UserFactory(username="ed", roles=[roles.EDITORS]))
    job = campaign_jobs.campaign_job_start(consultation=answered, threshold=0.8, user=None)
    url = reverse("admin:surveys_campaigngroup_detection", args=[job.pk])
    assert client.get(url).status_code == 403
