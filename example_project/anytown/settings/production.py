"""Production: everything secret or site-specific comes from the environment.

Required: SECRET_KEY, ALLOWED_HOSTS (comma-separated), DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis).
Optional: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL,
WAGTAILADMIN_BASE_URL, SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, BEHIND_TLS_PROXY.
"""

import os

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable for production.")
    return value


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in env("ALLOWED_HOSTS").split(",") if host.strip()]

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=600, conn_health_checks=True)}
# Wagtail's search table uses PostgreSQL's search fields and indexes, which Django 6 refuses to check without
# django.contrib.postgres (postgres.E005). The app needs psycopg, so add it only on PostgreSQL.
if "postgresql" in DATABASES["default"]["ENGINE"] or "postgis" in DATABASES["default"]["ENGINE"]:
    INSTALLED_APPS += ["django.contrib.postgres"]  # noqa: F405

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

SMTP = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "25")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
}
# Django 6.1 configures email with MAILERS and deprecates the EMAIL_* connection settings (they may not be set
# alongside it); Django 5.2 and 6.0 know only the EMAIL_* settings.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": SMTP}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP["host"]
    EMAIL_PORT = SMTP["port"]
    EMAIL_HOST_USER = SMTP["username"]
    EMAIL_HOST_PASSWORD = SMTP["password"]
    EMAIL_USE_TLS = SMTP["use_tls"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "intranet@anytown.gov.uk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")

# HTTPS everywhere. Behind a TLS-terminating proxy, set BEHIND_TLS_PROXY=1 so Django trusts its header.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Only adds the "preload" directive; nothing is submitted to browsers' preload list unless you do so yourself.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Hashed file names so browsers never run stale CSS or JavaScript after an upgrade.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"  # noqa: F405

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

try:
    from .local import *  # noqa: F403
except ImportError:
    pass
