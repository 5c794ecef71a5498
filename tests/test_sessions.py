"""The session engines: a new session is stored without first asking whether its key is taken,
and a key that is taken all the same never overwrites the session that holds it."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

import consultation.sessions

pytestmark = pytest.mark.django_db

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def test_creating_a_session_only_inserts_it():
    store = SessionStore()
    store["responses"] = {"1": 2}
    with CaptureQueriesContext(connection) as queries:
        store.save()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements
    assert statements.count("INSERT") == 1
    assert SessionStore(store.session_key)["responses"] == {"1": 2}


def test_a_key_already_taken_is_replaced_and_the_other_session_kept(monkeypatch):
    first = SessionStore()
    first["who"] = "first"
    first.save()
    drawn = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(consultation.sessions, "get_random_string", lambda *args: next(drawn))
    second = SessionStore()
    second["who"] = "second"
    second.save()
    assert second.session_key == "k" * 32
    assert SessionStore(first.session_key)["who"] == "first"
    assert SessionStore(second.session_key)["who"] == "second"
    assert Session.objects.count() == 2
