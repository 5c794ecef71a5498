"""The subscription pages fed hostile input (hypothesis): never a 500, nothing reflected
unescaped, and a subscription only for a valid address to a published consultation (or to all)."""

from __future__ import annotations

import pytest
from django.core.validators import validate_email
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import given
from hypothesis import strategies as st

from surveys.models import Subscription
from tests.factories import ConsultationFactory
from tests.security.hostile import (
    FUZZ,
    example_rolled_back,
    form_data,
    hostile_text,
    posted_markup,
    values_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def slugs(db) -> list[str]:
    ConsultationFactory(slug="draft", is_draft=True)
    return [ConsultationFactory(slug="open").slug, "draft", ""]


@FUZZ
@given(data=st.data())
def test_the_subscribe_form_never_fails_and_never_reflects_markup(slugs, data):
    fields = {
        "email": data.draw(values_for(["chan@example.com", "陳@例子.香港"])),
        "consultation": data.draw(values_for(slugs)),
        "website": data.draw(st.one_of(st.just(None), st.just(""), hostile_text())),
    }
    with example_rolled_back():
        response = Client().post(reverse("subscriptions:subscribe"), form_data(fields))
        assert response.status_code in (200, 400)
        body = response.content.decode()
        for marker in posted_markup(fields):
            assert marker not in body
        for subscription in Subscription.objects.select_related("consultation"):
            validate_email(subscription.email)
            assert subscription.consultation is None or not subscription.consultation.is_draft


@FUZZ
@given(token=hostile_text(), method=st.sampled_from(["get", "post"]))
def test_confirm_and_unsubscribe_links_never_fail(db, token, method):
    token = token.replace("/", "").strip() or "x"
    with example_rolled_back():
        for name in ("subscriptions:confirm", "subscriptions:unsubscribe"):
            try:
                url = reverse(name, args=[token])
            except NoReverseMatch:  # noqa: S112 - a token no URL can carry is not a request
                continue
            response = getattr(Client(), method)(url)
            assert response.status_code in (404, 400)
