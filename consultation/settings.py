"""Settings for Consult HK.

Every difference between a laptop and production is an environment variable (see .env.example).
The defaults need no server: a SQLite file and a filesystem message broker under ``var/``.
"""

from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from consultation.security import content_security_policy

# Lets the admin, forms and querysets be written with their type parameters
# (``admin.ModelAdmin[Theme]``), as the type checker (django-stubs) reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A development key only when DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS, cookies and browser protections: on whenever DEBUG is off (``check --deploy`` is clean).
# HTTPS_ONLY=0 turns the HTTPS parts off for a server reached over plain HTTP on this machine.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (and strips it from
# clients' requests): without this, every request looks like plain HTTP and is redirected.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Where the visitor's own address is, behind the proxy (consultation.security.client_ip): rate
# limits, login lockouts and stored responses would otherwise all see the proxy's address.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="HTTP_X_REAL_IP" if BEHIND_PROXY else "")
RATELIMIT_IP_META_KEY = "consultation.security.client_ip"
AXES_CLIENT_IP_CALLABLE = "consultation.security.client_ip"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: scripts and styles from our own static files only (see consultation/security.py).
CONTENT_SECURITY_POLICY = content_security_policy(report_uri=env("CSP_REPORT_URI", default=""))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "outbox",
    "surveys",
    "reports",
    # The read API under /api/v1/ (api/): Django REST framework, its OpenAPI schema
    # (drf-spectacular) and the schema's docs page from local static files (the sidecar).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: a NUL in the address, a form in another charset (400).
    "consultation.hostile.HostileRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A lost database connection shows a clear "try again" page (503), not a bare server error.
    "consultation.errors.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "consultation.urls"
WSGI_APPLICATION = "consultation.wsgi.application"
ASGI_APPLICATION = "consultation.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "consultation" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'consultation.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked before a request reuses it: after a database restart or blip the
# next request on each thread reconnects instead of failing on the dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] != 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by PostgreSQL, and a statement run twice on a connection prepared: the
    # respondent pages' few fixed statements are then not parsed and planned on every request
    # (PostgreSQL's CPU per page fell by two fifths). Set it to 0 behind a pooler in transaction
    # mode that cannot carry prepared statements from one client to the next.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://consult-hk"),
    # Markup the same for every visitor in a language (a blank form), kept in each process:
    # {% cache ... using="fragments" %}. Five minutes, so that an edited template shows soon
    # even in a process that is not restarted.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "consult-hk-fragments",
        "TIMEOUT": 300,
    },
}

# With a shared cache (Redis), sessions are read from it and written through to the database:
# respondent pages then read no session row per request. Without one, each process would keep its
# own stale copy, so sessions stay in the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env("CACHE_URL", default="")
    else "django.contrib.sessions.backends.db"
)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same Redis for sessions, read as a miss while it is down (consultation.cache): a Redis
    # outage must not turn every signed-in page into a 500.
    CACHES["sessions"] = {
        **CACHES["default"],
        "BACKEND": "consultation.cache.OutageTolerantRedisCache",
        "OPTIONS": {
            **CACHES["default"].get("OPTIONS", {}),
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
        },
    }
    SESSION_CACHE_ALIAS = "sessions"

# Rate limits per client address (django-ratelimit) count in the default cache: Redis in
# production (CACHE_URL), so that every web process shares the counters.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_SUBMIT = env("RATELIMIT_SUBMIT", default="20/h")
RATELIMIT_RESUME = env("RATELIMIT_RESUME", default="10/h")
RATELIMIT_SUBSCRIBE = env("RATELIMIT_SUBSCRIBE", default="10/h")

# A respondent's draft is found through the session: keep it for the length of a consultation.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 90)
SESSION_COOKIE_HTTPONLY = True

SESSION_COOKIE_SAMESITE = "Lax"

# Respondents' personal data is erased this many days after a consultation's conclusions are
# published (``manage.py erase_personal_data``); the privacy statement promises 12 months.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365)
# A theme coded on the answers of at least this many respondents to a question is a point raised
# that the conclusions must answer with a recorded disposition before they are published.
DISPOSITION_MIN_RESPONDENTS = env.int("DISPOSITION_MIN_RESPONDENTS", default=5)
# The key that signs an audit pack's manifest (HMAC-SHA256): base64 of at least 32 bytes. Empty:
# no pack can be exported or verified. The regulator's records office keeps it.
AUDIT_PACK_SIGNING_KEY = env("AUDIT_PACK_SIGNING_KEY", default="")

# Subscriptions by email (surveys.subscriptions). The address where the site is served, for the
# links in notices that beat sends without a request to take it from.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000/")
# A confirmation link works this long; an unconfirmed subscription is then deleted.
SUBSCRIPTION_CONFIRM_HOURS = env.int("SUBSCRIPTION_CONFIRM_HOURS", default=48)
# A second request for the same unconfirmed subscription sends no new email within this time:
# nobody can use the form to flood an address.
SUBSCRIPTION_RESEND_MINUTES = env.int("SUBSCRIPTION_RESEND_MINUTES", default=15)
# An event (opened, closes in 7 days, closed, conclusions) older than this is not announced:
# a beat stopped for a month does not send a month of stale notices when it starts again.
SUBSCRIPTION_NOTICE_LOOKBACK_DAYS = env.int("SUBSCRIPTION_NOTICE_LOOKBACK_DAYS", default=3)
SUBSCRIPTION_NOTICE_SECONDS = env.float("SUBSCRIPTION_NOTICE_SECONDS", default=300.0)

# Lockout first: it refuses a locked-out login before any password is checked (django-axes).
AUTHENTICATION_BACKENDS = [
    "consultation.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed staff logins: five in a row from one address for one username lock that pair out for
# 30 minutes; keying on the pair stops a guesser from locking every colleague out from one place.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Behind a proxy the client's address comes from CLIENT_IP_HEADER (see AXES_CLIENT_IP_CALLABLE).

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "consultation" / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Attachments and report files are never served from MEDIA_URL: views check access first.
PRIVATE_ROOT = env.path("PRIVATE_ROOT", default=VAR_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Consult HK <no-reply@consult.example.hk>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# Celery: one app, CELERY_ namespace. Defaults to kombu's filesystem transport (no server needed).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Above the longest report job, so a running job is not delivered twice (see STACK-NOTES).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600),
    "unacked_restore_interval": 30,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("in", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(BROKER_DIR / "in"),
            "data_folder_out": str(BROKER_DIR / "in"),
            "processed_folder": str(BROKER_DIR / "processed"),
            "store_processed": False,
            # The exchanges' bindings (the workers' remote-control queues among them): in var/,
            # not in a "control" folder of whichever directory a process started in.
            "control_folder": str(BROKER_DIR / "control"),
        }
    )
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Job state lives in our own rows (reports.Report), not in a result backend. The one exception:
# the chord of a chunked report needs a backend to know when every chunk is done (Redis, e.g.
# redis://127.0.0.1:6379/1). Without one, chunks run one after the other in a single worker.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_RESULT_EXPIRES = 24 * 3600
# Reports of more counted submissions than this are summarised in chunks of REPORT_CHUNK_SIZE
# (reports.jobs.chunked): memory per process follows the chunk size, not the consultation's size.
REPORT_CHUNKED_ABOVE: int = env.int("REPORT_CHUNKED_ABOVE", default=150_000)
REPORT_CHUNK_SIZE = env.int("REPORT_CHUNK_SIZE", default=100_000)
# A report's PDF is typeset by a forked child while its build writes the other formats (a second
# core shortens a build by the other formats' time); off, the build typesets it itself.
REPORT_PDF_ASIDE = env.bool("REPORT_PDF_ASIDE", default=True)
# The PDF's charts are kept here by the hash of their data (reports.render.chart_cache): the next
# report with the same figures, or the other language where the chart's words are the same,
# reads them instead of drawing them again. Empty: no cache, every chart drawn.
REPORT_CHART_CACHE_DIR = env("REPORT_CHART_CACHE_DIR", default=str(VAR_DIR / "cache" / "charts"))
# Charts not in the cache drawn half by a forked child. Measured on the 100,000 bench job (2
# cores, quiet): 35.1 s and 1,126 MiB with its children in parallel, 33.9 s and 1,095 MiB without
# (bench/README.md, round 2): no gain here, so off by default.
REPORT_CHARTS_IN_PARALLEL = env.bool("REPORT_CHARTS_IN_PARALLEL", default=False)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3000)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_TIMEZONE = TIME_ZONE
# A running build touches its report's heartbeat this often, from a thread of its own (a long
# pandas step calls no progress). A heartbeat older than REPORT_HEARTBEAT_STALE_SECONDS means its
# worker is gone; the watchdog runs every REPORT_WATCHDOG_SECONDS, so a lost build is requeued or
# failed within STALE + WATCHDOG = 75 + 30 s, under the 2 minutes promised to staff. Stale is five
# beats: a busy machine or a slow database write does not look like a dead worker.
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=15.0)
REPORT_HEARTBEAT_STALE_SECONDS = env.float("REPORT_HEARTBEAT_STALE_SECONDS", default=75.0)
REPORT_WATCHDOG_SECONDS = env.float("REPORT_WATCHDOG_SECONDS", default=30.0)
# A report whose worker was lost this many times in a row is failed rather than queued again.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# The chunks of a chunked report wait in the queue between the tasks that build them: the
# heartbeat is moved this far ahead when the work is handed to the queue.
REPORT_QUEUE_GRACE_SECONDS = env.float("REPORT_QUEUE_GRACE_SECONDS", default=600.0)
# While a report waits in that grace, the watchdog pings the workers (Celery's remote control),
# waiting at most REPORT_WORKER_PING_SECONDS for the first answer (0: never ping, the grace
# holds). When none has answered for REPORT_NO_WORKER_SECONDS (two watchdog runs in a row), the
# grace is void and the report is requeued or failed: within 30 + 30 + 2 x 3 s of losing every
# worker, not 600 s. One ping unanswered (a slow broker, a busy machine) requeues nothing.
REPORT_WORKER_PING_SECONDS = env.float("REPORT_WORKER_PING_SECONDS", default=3.0)
REPORT_NO_WORKER_SECONDS = env.float("REPORT_NO_WORKER_SECONDS", default=20.0)
# Builds write their files in report-<id>-attempt-<n> folders under this root before storing them;
# the folders of a killed build are deleted by the next attempt and by the watchdog.
REPORT_TEMP_ROOT = env.path("REPORT_TEMP_ROOT", default=VAR_DIR / "tmp" / "reports")
# How often beat sends the emails that are due: a respondent waits at most this long (plus the
# mail server) for a receipt, and no page ever waits for the mail server or the broker.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Crontab times are in CELERY_TIMEZONE (HKT): every night, fresh reports of open consultations.
    "rebuild-open-consultation-reports": {
        "task": "reports.tasks.rebuild_open_reports",
        "schedule": crontab(hour=2, minute=30),
    },
    # Queued emails (receipts, resume links) are sent by this sweep, retries included.
    "send-due-emails": {
        "task": "outbox.tasks.send_due",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    # Notices to subscribers: a consultation opened, closes in 7 days, closed or concluded.
    "send-subscription-notices": {
        "task": "surveys.subscriptions.tasks.send_notices",
        "schedule": SUBSCRIPTION_NOTICE_SECONDS,
    },
    # A report whose build stopped beating is queued again or failed, saying why
    # (reports.jobs.watchdog); so is one whose message was lost.
    "report-watchdog": {
        "task": "reports.tasks.watch_reports",
        "schedule": REPORT_WATCHDOG_SECONDS,
        # Run by beat itself (consultation.beat): sent to the workers it would wait behind the
        # builds it watches, or for ever once every worker is lost.
        "options": {"in_beat": True},
    },
}
# An email is tried this many times (pausing 1, 2, 4 ... 60 minutes between tries, about five
# hours in all) before it is left failed for staff to see and send again.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)

CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "consultation.beat:Scheduler"

# The API (api/). Anonymous clients are counted per address, token clients per token, in the
# default cache (Redis in production, shared by every web process).
API_RATE_ANONYMOUS = env("API_RATE_ANONYMOUS", default="1200/h")
API_RATE_TOKEN = env("API_RATE_TOKEN", default="6000/h")
# How long a new personal API token lives unless its maker says otherwise.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.DenyByDefault"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # ?format= would be taken by content negotiation; nothing here needs it.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Consult HK API",
    "DESCRIPTION": (
        "The published record of Hong Kong's virtual-asset licensing consultations, readable by "
        "programs: consultations, conclusions, published figures and the responses whose "
        "respondents agreed to publication. Staff endpoints need a personal token "
        "(`Authorization: Bearer ...`)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ConsultationStatusEnum": "surveys.choices.ConsultationStatus",
        "ReportStatusEnum": "reports.models.ReportStatus",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
