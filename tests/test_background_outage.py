"""A broker outage never turns a member's action into an error page, and the work is not lost.

khub_plugin.common.tasks.enqueue sends a task after the change commits. When the broker is down (nothing
listening), hangs (accepts connections, never answers) or its client library is missing, the request answers
normally, a warning names the task, and the periodic task finds the same work on its next run.

These tests point the test process's Celery app at a broker for a moment; tests/test_broker_outage_redis.py
(postgres env) does the same with a real Redis that is stopped and started again, and a real worker.
"""

import logging
import socket
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from khub_plugin.common import tasks as common_tasks
from khub_plugin.news import services, tasks
from khub_plugin.news.models import FeedItem, FeedSource
from tests import factories, test_news

RSS = "https://news.example/rss"

# The News tests' fixtures: a stub web that serves RSS, the stub DNS the source forms resolve through (autouse
# there, so here too), and communities with members and sources.
web = test_news.web
dns = test_news.dns
world = test_news.world


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def broker(url):
    """The test process sends khub's tasks to ``url`` instead of running them in-process."""
    conf = current_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    conf.update(broker_url=url, task_always_eager=False)
    try:
        assert not common_tasks.runs_in_process(tasks.fetch_feed)
        yield
    finally:
        conf.update(saved)


@pytest.fixture
def broker_down():
    """A Redis broker URL on a loopback port where nothing listens: every connection is refused at once."""
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        yield


@pytest.fixture
def broker_hanging():
    """A broker that accepts connections and never answers (overloaded, half-dead, behind a bad firewall)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(50)  # the kernel completes connections; nobody ever reads or writes
        with broker(f"redis://127.0.0.1:{listener.getsockname()[1]}/0"):
            yield


def queue_warnings(caplog, task_name="khub.news.fetch_feed"):
    return [
        r
        for r in caplog.records
        if r.name == "khub_plugin.common.tasks"
        and r.levelno == logging.WARNING
        and task_name in r.getMessage()
    ]


def add_source(client, community, person, on_commit, name="Sector news"):
    client.force_login(person)
    with on_commit(execute=True):
        return client.post(community.url + "news/sources/", {"name": name, "url": RSS})


def test_adding_a_source_with_the_broker_down_answers_normally_and_the_beat_fetches_it(
    client, world, web, broker_down, caplog, django_capture_on_commit_callbacks
):
    community = world["communities"]["restricted"]
    with caplog.at_level(logging.WARNING, logger="khub_plugin.common.tasks"):
        response = add_source(client, community, world["member"], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    source = FeedSource.objects.get(name="Sector news")
    [warning] = queue_warnings(caplog)
    assert f"({source.pk},)" in warning.getMessage()
    assert web.requests == []  # nothing ran in-process behind the worker's back
    # Not lost: it is due, so the next run of the beat task fetches it.
    assert source.pk in services.due_sources()

    current_app.conf.task_always_eager = True  # the broker is back (here: the beat's work runs in-process)
    tasks.fetch_due_feeds.apply()
    assert [url for url, _ in web.requests].count(RSS) == 1
    source.refresh_from_db()
    assert source.item_count == FeedItem.objects.filter(source=source).count() > 0
    assert source.pk not in services.due_sources()  # done once: the next beat leaves it alone


def test_refresh_now_with_the_broker_down_answers_normally_and_leaves_the_source_due(
    client, world, web, broker_down, caplog, django_capture_on_commit_callbacks
):
    community = world["communities"]["open"]
    source = FeedSource.objects.get(community=community)
    FeedSource.objects.filter(pk=source.pk).update(next_fetch_at=timezone.now() + timezone.timedelta(hours=1))
    assert source.pk not in services.due_sources()
    client.force_login(world["fac"])
    with (
        caplog.at_level(logging.WARNING, logger="khub_plugin.common.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(community.url + f"news/sources/{source.pk}/refresh/")
    assert response.status_code == 302
    assert len(queue_warnings(caplog)) == 1
    assert source.pk in services.due_sources()


def test_refresh_now_in_wagtail_admin_with_the_broker_down_answers_normally(
    client, db, broker_down, caplog, django_capture_on_commit_callbacks, django_user_model
):
    source = FeedSource.objects.create(name="Site-wide", url=RSS, next_fetch_at=timezone.now())
    admin = factories.superuser("admin")
    client.force_login(admin)
    with (
        caplog.at_level(logging.WARNING, logger="khub_plugin.common.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("khub_news_sources:refresh", args=[source.pk]))
    assert response.status_code == 302, response
    assert len(queue_warnings(caplog)) == 1
    assert source.pk in services.due_sources()


def test_a_broker_that_never_answers_does_not_hold_the_request(
    client, world, web, broker_hanging, caplog, settings, django_capture_on_commit_callbacks
):
    # Without socket timeouts, Redis's client waits for ever here. Each attempt now waits at most this long.
    settings.KHUB_TASK_PUBLISH_TIMEOUT = 0.2
    community = world["communities"]["open"]
    with caplog.at_level(logging.WARNING, logger="khub_plugin.common.tasks"):
        response = add_source(client, community, world["member"], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [warning] = queue_warnings(caplog)
    assert "Timeout" in warning.getMessage() or "timed out" in warning.getMessage()
    assert FeedSource.objects.get(name="Sector news").pk in services.due_sources()


def test_a_missing_redis_client_library_does_not_fail_the_request(
    client, world, web, broker_down, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    # What kombu does when `redis` is not installed (pip install khub-plugin without the [redis] extra).
    monkeypatch.setattr("kombu.transport.redis.redis", None)
    with caplog.at_level(logging.WARNING, logger="khub_plugin.common.tasks"):
        response = add_source(
            client, world["communities"]["open"], world["member"], django_capture_on_commit_callbacks
        )
    assert response.status_code == 302
    [warning] = queue_warnings(caplog)
    assert "redis" in warning.getMessage().lower()


def test_without_a_broker_the_work_still_runs_in_process(
    client, world, web, django_capture_on_commit_callbacks
):
    assert common_tasks.runs_in_process(tasks.fetch_feed)
    add_source(client, world["communities"]["open"], world["member"], django_capture_on_commit_callbacks)
    assert [url for url, _ in web.requests] == [RSS]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("redis://cache:6379/0", {"socket_connect_timeout": 2, "socket_timeout": 2}),
        ("rediss://cache:6380/0", {"socket_connect_timeout": 2, "socket_timeout": 2}),
        ("sentinel://a:26379;sentinel://b:26379", {"socket_connect_timeout": 2, "socket_timeout": 2}),
        ("amqp://guest@rabbit//", {"read_timeout": 2, "write_timeout": 2}),
        ("pyamqp://guest@rabbit//", {"read_timeout": 2, "write_timeout": 2}),
        ("sqs://", {}),
    ],
)
def test_publishing_bounds_every_socket_wait(url, expected):
    assert common_tasks.publish_timeouts(url, 2) == expected


def test_the_sites_own_transport_options_win():
    seen = {}

    @contextmanager
    def connection_for_write(**kwargs):
        seen.update(kwargs)
        yield "connection"

    conf = SimpleNamespace(
        broker_write_url=None,
        broker_url="redis://cache:6379/0",
        broker_transport_options={"socket_timeout": 30, "visibility_timeout": 3600},
    )
    task = SimpleNamespace(
        app=SimpleNamespace(conf=conf, connection_for_write=connection_for_write),
        apply_async=lambda **kwargs: seen.update(sent=kwargs),
    )
    common_tasks.publish(task, (7,))
    assert seen["transport_options"] == {
        "socket_connect_timeout": 2.0,
        "socket_timeout": 30,
        "visibility_timeout": 3600,
    }
    assert seen["connect_timeout"] == 2.0
    assert seen["sent"]["args"] == (7,) and seen["sent"]["connection"] == "connection"
    assert seen["sent"]["retry_policy"]["max_retries"] == 1
