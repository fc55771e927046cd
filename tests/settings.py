"""Settings for the package's test suite: a minimal Wagtail site with every khub app installed.

SQLite in memory by default. The ``postgres`` tox env sets DATABASE_URL and REDIS_URL to real services.
"""

import os
from pathlib import Path

import dj_database_url
import django

from khub_plugin import KHUB_APPS

TESTS_DIR = Path(__file__).resolve().parent

SECRET_KEY = "tests-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/London"
LANGUAGE_CODE = "en-gb"

INSTALLED_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    *KHUB_APPS,
    "tests.testapp",
]

# KHUB_TEST_USER_MODEL=email (the `customuser` tox env) runs the whole suite with an email-login user model
# that has no username, first or last name and no get_full_name(), as many councils' intranets do.
KHUB_TEST_USER_MODEL = os.environ.get("KHUB_TEST_USER_MODEL", "")
if KHUB_TEST_USER_MODEL == "email":
    INSTALLED_APPS.append("tests.customuser")
    AUTH_USER_MODEL = "khub_customuser.EmailUser"
elif KHUB_TEST_USER_MODEL:
    raise ValueError(f"KHUB_TEST_USER_MODEL must be 'email' or empty, not {KHUB_TEST_USER_MODEL!r}")

MIDDLEWARE = [
    "khub_plugin.common.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [TESTS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://:memory:"), conn_max_age=0),
}
# On PostgreSQL, Wagtail's search table has PostgreSQL search fields and indexes: from Django 6.0 the system
# checks refuse them unless django.contrib.postgres is installed (postgres.E005), as a host must do too.
if "postgresql" in DATABASES["default"]["ENGINE"]:
    INSTALLED_APPS += ["django.contrib.postgres"]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Fast hashing: the suite creates many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STATIC_URL = "/static/"
STATIC_ROOT = TESTS_DIR / ".static"
MEDIA_ROOT = TESTS_DIR / ".media"
MEDIA_URL = "/media/"

# Django 6.1 moves email configuration to MAILERS and deprecates EMAIL_BACKEND (and the other EMAIL_* settings
# of the connection); Django 5.2 and 6.0 know only EMAIL_BACKEND.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGIN_URL = "/accounts/login/"

WAGTAIL_SITE_NAME = "khub tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
DEFAULT_FROM_EMAIL = "khub tests <khub@testserver.invalid>"  # not Django's placeholder (check khub.W005)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# No broker by default: khub runs its tasks in-process (khub_plugin.common.tasks). The postgres env sets
# REDIS_URL, and its real-worker tests send tasks through Redis to a `celery worker` process.
CELERY_BROKER_URL = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL

# The real-worker tests serve feeds from a loopback server the worker must be allowed to reach.
KHUB_FETCH_ALLOWED_HOSTS = [
    host for host in os.environ.get("KHUB_TEST_FETCH_ALLOWED_HOSTS", "").split(",") if host
]
KHUB_FETCH_ALLOWED_PORTS = [80, 443] + [
    int(port) for port in os.environ.get("KHUB_TEST_FETCH_ALLOWED_PORTS", "").split(",") if port
]
# Never through a proxy the machine running the tests may have in its environment (the proxy tests set it).
KHUB_FETCH_PROXY = ""

KHUB_BASE_TEMPLATE = "base.html"

# Tests post many messages in a row; the rate-limit tests switch the limits back on.
KHUB_POST_MIN_INTERVAL_SECONDS = 0
KHUB_POSTS_PER_DAY = 0
