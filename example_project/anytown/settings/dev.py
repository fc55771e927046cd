"""Development and demo: SQLite, console email, Celery tasks run in-process (no broker needed)."""

import os

import django

from .base import *  # noqa: F403

# SQLite by default; DATABASE_URL=postgres://postgres@127.0.0.1:5432/khub_seed runs the demo (and
# benchmarks/forum_pages.py) on PostgreSQL instead.
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    # As in production.py: Django 6 checks Wagtail's PostgreSQL search fields only with this app installed.
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        INSTALLED_APPS += ["django.contrib.postgres"]  # noqa: F405

DEBUG = True
# Demo only: never use this key anywhere else.
SECRET_KEY = "django-insecure-anytown-demo-only-key"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Django 6.1 configures email with MAILERS and deprecates EMAIL_BACKEND; 5.2 and 6.0 know only EMAIL_BACKEND.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Show SQL query counts and times in the browser's developer tools (Network > Timing) and `curl -sI`.
KHUB_SERVER_TIMING = True

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# The demo serves its own sample feeds (demo/feeds/): let the safe fetcher reach those, at the address
# `make demo` serves them from, and nothing else inside this machine (not the demo's other pages, not other
# ports). A URL prefix entry also opens its own port (8000) for that host alone.
KHUB_FETCH_ALLOWED_HOSTS = ["http://127.0.0.1:8000/demo/feeds/"]

try:
    from .local import *  # noqa: F403
except ImportError:
    pass
