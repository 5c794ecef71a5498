"""``/healthz``: a liveness check for load balancers, and the load test's throughput ceiling.

It touches neither the database nor the session, so it measures what the server stack itself
(gunicorn, Django's middleware) can serve: the respondent pages are compared with it.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
