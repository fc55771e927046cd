"""The intranet's Celery app. khub-plugin ships no Celery app of its own; its tasks run on the site's."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anytown.settings.dev")

app = Celery("anytown")
# All CELERY_* settings come from Django settings (base, dev, production).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
