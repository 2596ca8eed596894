"""Settings for the 金城镇 设岗定责 site.

One file for every environment: production differs only through environment variables
(DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS). The defaults are safe for a local machine.
"""

import datetime
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "local-development-only-not-secret"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "import_export",
    "grids",
    "members",
    "posts",
    "commitments",
]

# Failed logins are counted first (django-axes); then Django's model backend, loading each request's user
# with their role in the same query (grids/access.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "grids.access.RoleBackend",
    "posts.onpost.MemberBackend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jinchen.security.IdleTimeoutMiddleware",
    "posts.onpost.FirstUseMiddleware",
    "grids.audit.DownloadAuditMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "jinchen.errors.OwnErrorPagesMiddleware",
]
# With DEBUG on, "own" shows the Chinese 404/500 pages (the demo); "django" shows Django's debug pages.
DEBUG_ERROR_PAGES = os.environ.get("DEBUG_ERROR_PAGES", "own")

ROOT_URLCONF = "jinchen.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grids.context_processors.role",
            ],
        },
    },
]

WSGI_APPLICATION = "jinchen.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
# A request that fails half-way leaves the data as it was.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and `db_worker` share one file. Write-ahead logging lets pages read while the worker
    # writes (a large import's save would otherwise lock its own progress page out: "database is locked"), and
    # a writer waits up to 20 s for the other rather than failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(init_command="PRAGMA journal_mode=WAL", timeout=20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: at least 8 characters, letters and digits, not the user name nor like it, not a common one.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jinchen.security.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jinchen.security.LettersAndDigitsValidator"},
    {"NAME": "jinchen.security.NotUsernameValidator"},
    {"NAME": "jinchen.security.NotDemoPasswordValidator"},
]

# Five failed logins for a user name from one address lock that name at that address for 15 minutes
# (django-axes): someone guessing elsewhere cannot lock the real secretary out of their own office, and a
# shared office address does not lock everyone behind it. The town unlocks an account by setting a new password
# or by 解除锁定 in 账号管理; the page says so in Chinese. The address is the client's (jinchen.ratelimit).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A member on post signs in by their slip's code or their phone number: failures count once for both.
AXES_USERNAME_CALLABLE = "posts.onpost.lockout_name"
AXES_CLIENT_IP_CALLABLE = "jinchen.ratelimit.client_address"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# A session ends after this many idle minutes (jinchen.security.IdleTimeoutMiddleware keeps active ones alive).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Chinese dates everywhere a person looks: 2026年11月28日.
FORMAT_MODULE_PATH = ["jinchen.formats"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "posts:home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # messages.ERROR → Bootstrap's alert-danger
# A refused form (CSRF) shows templates/403_csrf.html, in Chinese, by Django's default template name.

# No page may be framed by another site; browsers get no chance to guess content types.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Every script and style comes from the site itself (no CDN, no inline script). Inline style attributes are
# allowed: progress bars and ECharts set widths that way, and they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Behind HTTPS (HTTPS=1): cookies only over HTTPS, HSTS, redirect plain HTTP, and trust the proxy's header.
# Intranets often run plain HTTP, so this is not the default.
if env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# 设岗定责 rules that the town may tune without a code change.
NOTICE_MIN_DAYS = int(os.environ.get("NOTICE_MIN_DAYS", "5"))  # shortest public notice (公示) period, in days
# How much the branch's (组织评), fellow members' (党员评) and residents' (群众评) scores weigh in a rating.
RATING_WEIGHTS = {"org": 0.4, "peer": 0.3, "resident": 0.3}

# Uploaded and generated files; the archive of issued PDFs lives under MEDIA_ROOT/archive and is never overwritten.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# A cache every app server and worker shares without another service to run: a table in the project's
# database (`manage.py createcachetable`, run by `make migrate`). The dashboard keeps its figures there.
CACHES = {
    # Pages are kept per person: room for a county's people, the expired ones culled first.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jinchen_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    # Rate limits of the public pages: a table of their own, so that every web process counts the same requests
    # (jinchen/ratelimit.py) and the pages' cache never pushes a count out.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jinchen_ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 50000},
    },
}
# The reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client: with
# nginx on the same machine, TRUSTED_PROXIES=127.0.0.1. Without it the address counted is the connection's.
TRUSTED_PROXIES = [p for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
# Residents' public pages: views per address per minute; feedback per address per 10 minutes and per grid per hour.
# An objection to a notice that is running is never refused by these (it is what the notice is for).
PUBLIC_VIEWS_PER_MINUTE = int(os.environ.get("PUBLIC_VIEWS_PER_MINUTE", "120"))
FEEDBACK_PER_ADDRESS = int(os.environ.get("FEEDBACK_PER_ADDRESS", "5"))
FEEDBACK_PER_GRID = int(os.environ.get("FEEDBACK_PER_GRID", "30"))
# Residents' requests (群众点单): submissions per address in ten minutes and per grid in an hour, and lookups by
# receipt code per address in ten minutes (a resident checks a few times; guessing codes needs thousands).
REQUESTS_PER_ADDRESS = int(os.environ.get("REQUESTS_PER_ADDRESS", "5"))
REQUESTS_PER_GRID = int(os.environ.get("REQUESTS_PER_GRID", "30"))
REQUEST_LOOKUPS_PER_ADDRESS = int(os.environ.get("REQUEST_LOOKUPS_PER_ADDRESS", "30"))
# 履职纪实 photos: at most this many per entry, each upload at most this many MB; stored re-encoded as JPEG at most
# DUTY_PHOTO_PIXELS on the long side, with no metadata (a phone's photo carries where it was taken).
DUTY_PHOTOS_PER_RECORD = int(os.environ.get("DUTY_PHOTOS_PER_RECORD", "4"))
DUTY_PHOTO_MAX_MB = int(os.environ.get("DUTY_PHOTO_MAX_MB", "10"))
DUTY_PHOTO_PIXELS = int(os.environ.get("DUTY_PHOTO_PIXELS", "1600"))
# The county or town named at the head of every page before anyone signs in (and for administrators); a
# signed-in person sees their own county's or town's name.
SITE_UNIT = os.environ.get("SITE_UNIT", "金城镇")

# How long the dashboard's rendered figures are kept at most; any change to what they count shows at once
# (posts/dashboard.py, grids/figures.py). 0 computes them on every request.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "600"))

# An uploaded file with more rows than this is checked and imported by the worker, with a progress page.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "1000"))
# An upload is refused, with the reason, before it is read when it is larger than this or has more rows (the other
# bounds of members/uploads.py follow from what a roster is). Set the reverse proxy's body limit a little above it.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 2**20)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
# Uploads hold whole ID numbers: one not imported within this many hours is deleted (manage.py clean_uploads).
UPLOAD_KEEP_HOURS = int(os.environ.get("UPLOAD_KEEP_HOURS", "24"))
# The worker records how far a background import's check has come every so many rows.
IMPORT_PROGRESS_ROWS = int(os.environ.get("IMPORT_PROGRESS_ROWS", "500"))

# Logs go to standard output (gunicorn, db_worker and the container or systemd collect them there).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {process} {message}", "style": "{"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Background work (village- and town-wide PDFs). `manage.py db_worker` runs the queue; tests run tasks at once.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Letters (or grids) in one part of a batch print: each part is one worker's task, so several workers share a batch.
PRINT_PART_SIZE = int(os.environ.get("PRINT_PART_SIZE", "50"))
# A worker renews its claim on a batch part or an import job every quarter of this; a claim not renewed for this
# long (its worker killed, or cut off from the database) is taken again by another worker (jinchen/leases.py).
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "60"))

# The address residents reach the site at (scheme and host, e.g. https://jinchen.example.gov.cn), printed as the QR
# code on notices and wall sheets. Unset, each print uses the address the secretary opened the site at
# (commitments.documents.public_base_url); the print pages warn when that is this machine (127.0.0.1, localhost).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")

# Messages (消息): where each one is delivered besides the app itself (grids/inbox.py). SMS or WeChat would be
# another class with deliver(messages) added here.
MESSAGE_BACKENDS = ["grids.inbox.InAppBackend"]
# The days the town expects a village to spend at each stage, until the town sets its own (镇党委 · 预期天数).
STAGE_EXPECTED_DAYS = {"survey": 30, "application": 14, "deliberation": 21, "confirmation": 14, "evaluation": 330}
# How many days before the village plan's end date the evaluation's gaps (no contact, no rating) are reminded.
EVALUATION_REMINDER_DAYS = int(os.environ.get("EVALUATION_REMINDER_DAYS", "7"))
# The application window's close is reminded this many days ahead.
WINDOW_REMINDER_DAYS = 3
