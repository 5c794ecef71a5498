"""Deployment hardening, checked on processes started with production environment variables.

``manage.py check --deploy`` must be clean; a gunicorn started the way production starts it must
send HSTS, a Content Security Policy without inline script, X-Frame-Options DENY, a referrer
policy and Secure cookies; secrets come only from the environment and DEBUG is off unless asked.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from http.cookies import SimpleCookie

import httpx
import pytest
from django.db import connection
from django.urls import reverse

from surveys.journey import services
from surveys.models import Submission
from tests.processes import ROOT, running_database_url
from tests.reliability.servers import gunicorn, production_env

HOST = "consult.example.hk"


def production(**overrides: str) -> dict[str, str]:
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DATABASE_URL": "postgres://consult@db.internal:5432/consult_hk",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/7",
        "CACHE_URL": "redis://127.0.0.1:6379/7",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.hk:587",
    }
    return production_env(**{**values, **overrides})


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("DEBUG", "1", "security.W018"),
        ("HTTPS_ONLY", "0", "security.W004"),
        ("SESSION_COOKIE_SECURE", "0", "security.W012"),
    ],
)
def test_check_deploy_fails_when_a_protection_is_switched_off(variable, value, warning):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production(**{variable: value})
    )
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_defaults_without_debug_are_the_production_ones():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'LANGUAGE_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'X_FRAME_OPTIONS',"
        " 'SECURE_REFERRER_POLICY', 'SESSION_COOKIE_HTTPONLY']}))"
    )
    env = production()
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SESSION_COOKIE_HTTPONLY": True,
    }


def test_the_secret_key_comes_only_from_the_environment():
    env = production()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    # No secret is written in the settings: every credential is read through django-environ.
    source = (ROOT / "consultation" / "settings.py").read_text()
    assert not re.search(r"(?i)(password|secret_key|token)\s*=\s*['\"]", source)
    assert "dev-only-insecure-key" in source  # the only literal key, used when DEBUG is on


def _cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header of ``response`` by cookie name, as sent."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name = SimpleCookie(header).keys()
        found[next(iter(name))] = header
    return found


def _assert_secure_cookie(header: str, *, http_only: bool) -> None:
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert "secure" in attributes, header
    assert "samesite=lax" in header.lower(), header
    assert ("httponly" in attributes) is http_only, header


def _policy(response: httpx.Response) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.fixture
def production_server(transactional_db, demo_consultations, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn shares the test database only on PostgreSQL (set DATABASE_URL)")
    env = production(
        DATABASE_URL=running_database_url(),
        BEHIND_PROXY="1",
        CACHE_URL="locmemcache://deploy-test",
        EMAIL_URL="dummymail://",
        RATELIMIT_RESUME="2/h",
    )
    with gunicorn(log_dir=tmp_path, env=env, workers=1, threads=2) as server:
        yield server


def test_production_server_sends_the_security_headers_and_secure_cookies(production_server):
    base = production_server.url
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=base, headers=https, timeout=30) as client:
        plain = httpx.get(f"{base}/", headers={"Host": HOST}, timeout=30)
        assert plain.status_code == 301
        assert plain.headers["location"] == f"https://{HOST}/"

        step = reverse("surveys:step", args=["va-otc-dealing", 1])
        form = client.get(step)
        assert form.status_code == 200
        headers = form.headers
        assert (
            headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cross-origin-opener-policy"] == "same-origin"
        policy = _policy(form)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert "unsafe" not in headers["content-security-policy"]
        assert "<script>" not in form.text and "style=" not in form.text
        _assert_secure_cookie(_cookies(form)["csrftoken"], http_only=False)

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        # The client talks plain HTTP to the "proxy side", so it would hold back Secure cookies.
        csrf_cookie = SimpleCookie(_cookies(form)["csrftoken"])["csrftoken"].value
        started = client.post(
            step,
            headers={
                "Referer": f"https://{HOST}{step}",
                "Cookie": f"csrftoken={csrf_cookie}",
                "X-Real-IP": "203.0.113.9",
            },
            data={
                "csrfmiddlewaretoken": token,
                "respondent_type": "individual",
                "category": "public",
                "contact_name": "Chan Tai Man",
                "email": "chan@example.com",
                "consent": "response_only",
                "privacy_acknowledged": "on",
            },
        )
        assert started.status_code == 302, started.text[:2000]
        _assert_secure_cookie(_cookies(started)["sessionid"], http_only=True)
        # Behind the proxy, the visitor's own address is recorded, not the proxy's.
        assert Submission.objects.get(email="chan@example.com").client_address == "203.0.113.9"

        login = client.get(reverse("admin:login"))
        assert login.status_code == 200
        assert "unsafe" not in login.headers["content-security-policy"]
        assert login.headers["x-frame-options"] == "DENY"

        missing = client.get("/no-such-page/")
        assert missing.status_code == 404
        assert "Traceback" not in missing.text and "URLconf" not in missing.text


def test_the_resume_link_sets_only_secure_cookies(production_server, demo_consultations):
    consultation = demo_consultations["va-otc-dealing"]
    _, token = services.draft_start(
        consultation=consultation,
        respondent={
            "contact_name": "Chan",
            "email": "chan@example.com",
            "consent": "response_only",
        },
        language="zh-hant",
    )
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}
    response = httpx.get(
        f"{production_server.url}{reverse('surveys:resume', args=[token])}",
        headers=https,
        timeout=30,
    )
    assert response.status_code == 302
    cookies = _cookies(response)
    assert set(cookies) >= {"sessionid", "django_language"}
    _assert_secure_cookie(cookies["sessionid"], http_only=True)
    _assert_secure_cookie(cookies["django_language"], http_only=False)


def test_behind_the_proxy_each_visitor_has_their_own_rate_limit(production_server):
    url = reverse("surveys:resume_request", args=["va-otc-dealing"])

    def ask(address: str) -> int:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Real-IP": address}
        with httpx.Client(base_url=production_server.url, headers=headers, timeout=30) as client:
            form = client.get(url)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            cookie = SimpleCookie(_cookies(form)["csrftoken"])["csrftoken"].value
            return client.post(
                url,
                data={"csrfmiddlewaretoken": token, "email": "chan@example.com"},
                headers={"Referer": f"https://{HOST}{url}", "Cookie": f"csrftoken={cookie}"},
            ).status_code

    # RATELIMIT_RESUME is 2/h here: the third request from one visitor is refused ...
    assert [ask("198.51.100.7") for _ in range(3)] == [200, 200, 429]
    # ... and other visitors, who reach the server through the same proxy, are not.
    assert [ask("198.51.100.8"), ask("2001:db8::1")] == [200, 200]
