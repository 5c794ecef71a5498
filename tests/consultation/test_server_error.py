"""The server-error handler: a lost database met outside a view (a middleware saving the session)
answers the "try again" page; every other error stays a server error."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory

from consultation.errors import server_error


def _handled(error: Exception):
    request = RequestFactory().post("/consultations/va-otc-dealing/respond/step/1/")
    try:
        raise error
    except Exception:  # as Django calls handler500: inside the except block
        return server_error(request)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command"),
        OperationalError("canceling statement due to statement timeout"),
    ],
)
def test_a_lost_database_outside_a_view_gets_the_try_again_page(error):
    response = _handled(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Please try again in a few minutes." in response.content.decode()


@pytest.mark.parametrize(
    "error",
    [IntegrityError("duplicate key value"), ValueError("a bug"), OperationalError("syntax")],
)
def test_any_other_error_is_a_server_error(error):
    assert _handled(error).status_code == 500
