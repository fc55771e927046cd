"""The intranet's Celery app. khub-plugin ships no Celery app of its own; its tasks run on the site's."""

import os

from celery import Celery

# A worker is a production process: without DJANGO_SETTINGS_MODULE it must not quietly take the dev settings
# (which run every task in-process and never read the broker). Set DJANGO_SETTINGS_MODULE for it explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anytown.settings.production")

app = Celery("anytown")
# All CELERY_* settings come from Django settings (base, dev, production).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
