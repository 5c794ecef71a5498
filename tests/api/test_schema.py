"""The OpenAPI schema: checked into the repository (api/openapi.json) and equal to what the code
generates; and fuzzed with schemathesis against the running application: no answer is a server
error, and every answer matches the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def test_the_checked_in_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(generated))
    assert json.loads(generated.read_text()) == json.loads(SCHEMA_FILE.read_text()), (
        "api/openapi.json is out of date: run `make openapi` and commit it."
    )


@pytest.mark.django_db
def test_the_schema_is_served_as_openapi_3_1(client):
    body = client.get(reverse("api:schema")).json()
    assert body["openapi"].startswith("3.1")
    assert "/api/v1/consultations/{slug}/responses/" in body["paths"]


@pytest.fixture
def wsgi_schema(published, db):
    """The served schema, loaded through the WSGI application itself."""
    from consultation.wsgi import application

    # Django's test client keeps the test's transaction open across a request; the WSGI
    # application called directly would close the connection at each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(reverse("api:schema"), application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_every_request_as_its_schema_says(wsgi_schema, mode):
    """Every operation, with valid (positive) or invalid (negative) input: no 5xx, the status,
    content type, headers and body documented, invalid input refused. A few examples each, so
    that the suite stays quick (schemathesis' pytest plugin is not used: its 4.32 release reads a
    pytest attribute that pytest 9 no longer has)."""
    operations = [result.ok() for result in wsgi_schema.get_all_operations()]
    assert len(operations) >= 11
    checked = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            cache.clear()  # the rate limit is tested elsewhere
            case.call_and_validate()

        try:
            check()
        except Unsatisfiable:
            # No invalid input exists for this operation (all its parameters are optional
            # free text, say): nothing to refuse.
            assert mode == GenerationMode.NEGATIVE
            continue
        checked += 1
    assert checked >= 8
