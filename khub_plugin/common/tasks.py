"""Running background work: on a Celery worker when the site has one, in-process when it has none.

khub ships no Celery app (DESIGN.md section 6). A site that configured Celery with a broker gets real
background tasks; a site without a broker (the demo, the default test suite, a small intranet) gets the same
work done in-process after the request's transaction commits, so nothing needs a server to work.

Queueing never fails a request. The change the person made is saved before anything is queued, so when the
broker is down, unreachable, or its client library is missing, :func:`enqueue` logs a warning naming the
task and returns; it waits at most ``KHUB_TASK_PUBLISH_TIMEOUT`` seconds per attempt, two attempts. Work
queued this way must therefore also be findable by a periodic task (every call site says how): a message that
could not be sent delays the work until the next run of that task; it never loses it.
"""

import logging
from urllib.parse import urlsplit

from django.db import transaction

from khub_plugin.conf import khub_settings

logger = logging.getLogger(__name__)

#: One quick retry (a broker restarting, a dropped pooled connection), then give up: a person is waiting.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

#: Broker URL schemes whose transport reads socket timeouts from these transport options.
REDIS_SCHEMES = {"redis", "rediss", "redis+socket", "sentinel"}
AMQP_SCHEMES = {"amqp", "amqps", "pyamqp"}


def runs_in_process(task):
    """Whether ``task`` would run here rather than on a worker."""
    conf = task.app.conf
    return bool(conf.task_always_eager) or not conf.broker_url


def publish_timeouts(broker_url, timeout):
    """Transport options that bound every socket wait of one publish to ``timeout`` seconds.

    Without them a broker that accepts the connection but never answers (overloaded, half-dead, a firewall
    that drops packets) holds the request for ever: Redis's client waits without limit by default.
    """
    urls = broker_url if isinstance(broker_url, list | tuple) else str(broker_url or "").split(";")
    schemes = {urlsplit(url.strip()).scheme.lower() for url in urls if url.strip()}
    options = {}
    if schemes & REDIS_SCHEMES:
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    if schemes & AMQP_SCHEMES:
        options.update(read_timeout=timeout, write_timeout=timeout)
    return options


def publish(task, args):
    """Send ``task(*args)`` to the broker, failing fast: raises if it cannot be queued within the bound."""
    app = task.app
    timeout = khub_settings.TASK_PUBLISH_TIMEOUT
    # The site's own transport options win: a site that tuned its timeouts knows its broker.
    options = {
        **publish_timeouts(app.conf.broker_write_url or app.conf.broker_url, timeout),
        **(app.conf.broker_transport_options or {}),
    }
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection:
        task.apply_async(args=args, connection=connection, retry=True, retry_policy=PUBLISH_RETRY_POLICY)


def enqueue(task, *args):
    """Queue ``task(*args)`` once the current transaction commits (at once if there is none).

    Never raises: if the broker cannot take the task, a warning is logged and the periodic task that finds
    the same work (the call site names it) does it on its next run.
    """

    def send():
        if runs_in_process(task):
            result = task.apply(args=args)
            if result.failed():
                logger.error("khub task %s%r failed in-process", task.name, args, exc_info=result.result)
            return
        try:
            publish(task, args)
        except Exception as error:  # noqa: BLE001 - broker down, unreachable or its client library missing
            logger.warning(
                "Could not queue khub task %s%r (%s: %s); the work is left for the periodic task to pick up",
                task.name,
                args,
                type(error).__name__,
                error,
            )

    transaction.on_commit(send)
