"""Running background work: on a Celery worker when the site has one, in-process when it has none.

khub ships no Celery app (DESIGN.md section 6). A site that configured Celery with a broker gets real
background tasks; a site without a broker (the demo, the default test suite, a small intranet) gets the same
work done in-process after the request's transaction commits, so nothing needs a server to work.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def runs_in_process(task):
    """Whether ``task`` would run here rather than on a worker."""
    conf = task.app.conf
    return bool(conf.task_always_eager) or not conf.broker_url


def enqueue(task, *args):
    """Queue ``task(*args)`` once the current transaction commits (at once if there is none)."""

    def send():
        if runs_in_process(task):
            result = task.apply(args=args)
            if result.failed():
                logger.error("khub task %s%r failed in-process", task.name, args, exc_info=result.result)
        else:
            task.delay(*args)

    transaction.on_commit(send)
