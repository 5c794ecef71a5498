"""Requests no browser sends from our pages: bodies in other character sets, odd header values,
admin query strings with NUL characters and junk, over-long staff usernames. Each gets a clear
4xx page and changes nothing; none reaches a 500 (the test client re-raises any exception a view
lets through, and the CSRF check is on, as in a browser)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from surveys.models import Submission
from tests.security.hostile import FUZZ, example_rolled_back, hostile_text

pytestmark = pytest.mark.django_db

SLUG = "va-otc-dealing"
ABOUT = {
    "respondent_type": "individual",
    "category": "public",
    "contact_name": "Chan Tai Man",
    "email": "chan@example.com",
    "consent": "response_only",
    "privacy_acknowledged": "on",
}
CHARSETS = ["latin-1", "iso-8859-1", "utf-16", "utf-32", "big5", "gb18030", "cp1252", "ascii"]


@pytest.fixture
def otc(demo_consultations):
    return demo_consultations[SLUG]


def _browser() -> tuple[Client, str]:
    """A browser with the CSRF check on, its token read from the first page."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("surveys:step", args=[SLUG, 1]))
    return browser, browser.cookies["csrftoken"].value


@pytest.mark.parametrize("charset", [*CHARSETS, "no-such-charset", "utf-7", "utf8", '"latin-1"'])
def test_a_form_in_another_character_set_is_refused_with_a_clear_page(otc, charset):
    browser, token = _browser()
    body = f"csrfmiddlewaretoken={token}&contact_name=Ch%E9n&email=chan%40example.com"
    response = browser.generic(
        "POST",
        reverse("surveys:step", args=[SLUG, 1]),
        body.encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "Forms must be sent in UTF-8." in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_a_form_declared_in_utf8_is_read_as_usual(otc, charset):
    browser, token = _browser()
    data = {**ABOUT, "csrfmiddlewaretoken": token, "contact_name": "陳大文"}
    body = "&".join(f"{k}={v}" for k, v in data.items())
    response = browser.generic(
        "POST",
        reverse("surveys:step", args=[SLUG, 1]),
        body.encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 302
    assert Submission.objects.get().contact_name == "陳大文"


@FUZZ
@given(
    # What an HTTP header can carry (a server refuses control characters in one).
    charset=st.one_of(
        st.sampled_from(CHARSETS),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
    text=hostile_text(),
    multipart=st.booleans(),
)
def test_no_body_encoding_reaches_a_server_error(otc, charset, text, multipart):
    with example_rolled_back():
        browser, token = _browser()
        kind = (
            "multipart/form-data; boundary=BoUnDaRy"
            if multipart
            else "application/x-www-form-urlencoded"
        )
        if multipart:
            body = (
                f'--BoUnDaRy\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{token}\r\n--BoUnDaRy\r\nContent-Disposition: form-data; "
                f'name="contact_name"\r\n\r\n{text}\r\n--BoUnDaRy--\r\n'
            )
        else:
            body = f"csrfmiddlewaretoken={token}&contact_name={text}"
        # generic(): the bytes as they are (post() would re-encode them in the declared set).
        response = browser.generic(
            "POST",
            reverse("surveys:step", args=[SLUG, 1]),
            body.encode("utf-8", "surrogatepass"),
            content_type=f"{kind}; charset={charset}",
        )
        assert 200 <= response.status_code < 500, response.status_code
        # Refused (400), or the form shown again with its errors: nothing stored either way.
        assert not Submission.objects.exists()


@FUZZ
@given(
    header=st.sampled_from(
        ["HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE", "HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_HOST"]
    ),
    # As a WSGI server hands them over: the bytes sent, read as Latin-1, without the control
    # characters a server refuses in a header.
    value=st.one_of(hostile_text(), st.text(alphabet=st.characters(max_codepoint=255))).map(
        lambda text: "".join(
            c
            for c in text.encode("utf-8", "surrogatepass").decode("latin-1")
            if c >= " " and c != "\x7f"
        )
    ),
)
def test_no_header_value_reaches_a_server_error(otc, header, value):
    with example_rolled_back():
        for url in (
            reverse("surveys:detail", args=[SLUG]),
            reverse("surveys:step", args=[SLUG, 1]),
        ):
            response = Client(**{header: value}).get(url)
            assert response.status_code < 500, (header, value, response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        "state__exact=%00",
        "review_status__exact=%00",
        "q=%00",
        "q=a%00b",
        "%00=1",
        "consultation__id__exact=%00",
    ],
)
def test_a_nul_in_an_admin_address_is_refused_with_a_clear_page(superuser, query):
    client = Client()
    client.force_login(superuser)
    response = client.get(f"{reverse('admin:surveys_submission_changelist')}?{query}")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@FUZZ
@given(
    key=st.sampled_from(
        [
            "state__exact",
            "review_status__exact",
            "q",
            "consultation__id__exact",
            "submitted_at__gte",
            "is_late__exact",
            "o",
            "p",
            "e",
            "all",
        ]
    ),
    value=st.one_of(hostile_text(), st.text(max_size=30)),
)
def test_no_admin_query_string_reaches_a_server_error(superuser, key, value):
    with example_rolled_back():
        client = Client()
        client.force_login(superuser)
        for name in ("surveys_submission", "surveys_consultation", "outbox_email"):
            response = client.get(reverse(f"admin:{name}_changelist"), {key: value})
            assert response.status_code in (200, 302, 400), (name, key, value)


@pytest.mark.parametrize("length", [151, 256, 300, 5000])
def test_an_overlong_staff_username_is_a_wrong_login_not_a_server_error(db, length):
    response = Client().post(
        reverse("admin:login"), {"username": "u" * length, "password": "any password"}
    )
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


def test_the_refusal_page_speaks_the_visitors_language(db):
    from django.utils import translation

    url = f"{reverse('surveys:index')}?q=%00"
    chinese = Client()
    chinese.cookies["django_language"] = "zh-hant"
    assert "網址含有不允許的 NUL 字元。" in chinese.get(url).content.decode()
    # Whatever language was last active in this thread, a visitor without a choice reads English.
    with translation.override("zh-hant"):
        page = Client().get(url).content.decode()
    assert "The address contains a NUL character" in page and 'lang="en-HK"' in page
