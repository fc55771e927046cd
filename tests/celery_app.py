"""The test site's Celery app, for the real-worker tests of the postgres tox env (the package ships none)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

# Not the current app of the test process: only the worker (`celery -A tests.celery_app`) makes it current,
# so the rest of the suite keeps running khub tasks in-process.
app = Celery("khub_tests", set_as_current=False)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
