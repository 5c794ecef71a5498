"""Each respondent page runs a fixed, small number of queries, however far the response has got:
the pages every respondent loads many times must not grow a query per question or per answer."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from bench.load.forms import form_fields

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"

# Queries per request. A section page reads the browser's response with its consultation (one
# query) and the response's answers (one); saving it stores the furthest step reached, which
# locks the response if no other tab has saved since (one statement), then writes the changed
# answers and records who changed them (one insert, for drafting together). The form's
# structure is cached per process. Sessions
# kept in the database alone (no shared cache configured, as here) add a read of their own; a
# write's transaction adds two statements here (a savepoint inside the test's transaction).
SESSION = 0 if "cache" in settings.SESSION_ENGINE else 1
TRANSACTION = 2
SECTION_GET = 2 + SESSION
SECTION_POST = 5 + TRANSACTION + SESSION
# Submitting locks, reads and numbers the response, stores it with a fresh resume link, and keeps
# a revision of its answers and files and of the colleagues who drafted it, and queues the
# receipt in the outbox (rendered and sent by a worker, not in the request). A licence number
# given (as here) is looked up in the register (one query).
SUBMIT = 11 + TRANSACTION + SESSION
# The check-your-answers page of a draft also reads its colleagues and its change history.
REVIEW_GET = 5 + SESSION


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def step_url(number):
    return reverse("surveys:step", args=[SLUG, number])


def test_every_step_stays_within_its_query_budget(
    client, demo_consultations, django_assert_max_num_queries, sent
):
    # The consultation with its documents; no conclusions were ever published, so no query
    # looks for them.
    with django_assert_max_num_queries(2 + SESSION):
        client.get(reverse("surveys:detail", args=[SLUG]))
    assert client.get(reverse("surveys:respond", args=[SLUG])).url == step_url(1)
    page = client.get(step_url(1)).content.decode()
    client.post(step_url(1), form_fields(page).data())
    for number in range(2, 7):  # the sections of the OTC paper
        with django_assert_max_num_queries(SECTION_GET):
            page = client.get(step_url(number)).content.decode()
        answers = form_fields(page).data()
        assert answers, f"step {number} has questions to answer"
        with django_assert_max_num_queries(SECTION_POST):
            assert client.post(step_url(number), answers).status_code == 302
        # Coming back to a page that holds answers costs no more than a blank one.
        with django_assert_max_num_queries(SECTION_GET):
            assert client.get(step_url(number)).status_code == 200
    with django_assert_max_num_queries(3 + SESSION):
        client.get(step_url(7))
    client.post(step_url(7), {})
    with django_assert_max_num_queries(REVIEW_GET):
        assert client.get(step_url(8)).status_code == 200
    with django_assert_max_num_queries(SUBMIT):
        response = client.post(reverse("surveys:submit", args=[SLUG]))
    assert response.url == reverse("surveys:done", args=[SLUG])
    assert len(sent()) == 2
