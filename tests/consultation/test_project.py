"""Project wiring: settings that need no server, and the Celery app's reliability settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from consultation.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_clean_environment(tmp_path: Path, **extra: str) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
        "'name': str(settings.DATABASES['default']['NAME']), "
        "'broker': settings.CELERY_BROKER_URL, 'tz': settings.TIME_ZONE, 'debug': settings.DEBUG, "
        "'languages': [c for c, _ in settings.LANGUAGES]}))"
    )
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "consultation.settings", **extra}
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout)


def test_defaults_need_no_server(tmp_path):
    values = _settings_in_clean_environment(tmp_path, DEBUG="1")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("var/consultation.sqlite3")
    assert values["broker"] == "filesystem://"
    assert values["tz"] == "Asia/Hong_Kong"
    assert values["languages"] == ["en", "zh-hant"]


def test_environment_selects_postgres_and_redis(tmp_path):
    values = _settings_in_clean_environment(
        tmp_path,
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/elsewhere",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "elsewhere"
    assert values["broker"] == "redis://127.0.0.1:6379/3"
    assert values["debug"] is False


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "consultation.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_celery_does_not_lose_work_when_a_worker_dies():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    # A job still running past the visibility timeout would be delivered a second time.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_time_zone_and_languages():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Hong_Kong"
