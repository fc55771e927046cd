"""A real Redis broker stops, members carry on, the broker comes back and a real worker does the work once.

postgres tox env (PostgreSQL, `redis-server`, `celery worker`). The test starts its own `redis-server` on a
free loopback port, never the shared one, so it can stop it. While it is stopped, members join, post, add a
news source and ask for a refresh through the test client: every answer is the normal one. When Redis is back
(empty: nothing was kept from before), a worker runs the beat task, which fetches each source exactly once.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery import current_app
from django.db import connection
from django.utils import timezone

from khub_plugin.news import services
from khub_plugin.news.models import FeedSource
from tests import factories
from tests.test_background_outage import broker, free_port
from tests.test_services import need

FEED = (Path(__file__).resolve().parent / "fixtures" / "feeds" / "rss20.xml").read_bytes()


class CountingFeedHandler(BaseHTTPRequestHandler):
    hits = Counter()

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits[self.path] += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    CountingFeedHandler.hits.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingFeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


class RedisServer:
    """A throw-away `redis-server` on a free loopback port that keeps nothing on disk."""

    def __init__(self, directory):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.directory = directory
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)

    def up(self):
        try:
            return self.client().ping()
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.up, 20), "redis-server did not start"

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None
        assert not self.up()


@pytest.fixture
def redis_server(tmp_path):
    need("REDIS_URL")
    need("DATABASE_URL")
    server = RedisServer(tmp_path)
    if not server.binary:
        pytest.fail("the broker-outage test needs the redis-server binary (apt-get install redis-server)")
    yield server
    server.stop()


def start_worker(broker_url, feed_port):
    """A `celery worker` on the test database and ``broker_url``, as tests/test_celery_worker.py runs one."""
    settings_dict = connection.settings_dict
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{k: settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,  # tests/settings.py: CELERY_BROKER_URL = REDIS_URL
        "KHUB_TEST_FETCH_ALLOWED_HOSTS": "127.0.0.1",
        "KHUB_TEST_FETCH_ALLOWED_PORTS": str(feed_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.celery_app", "worker", "--pool=solo", "--loglevel=INFO"]
        + [
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"khub-outage-{os.getpid()}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.services
def test_with_the_broker_stopped_members_carry_on_and_the_work_is_done_once_it_returns(
    client,
    transactional_db,
    django_db_serialized_rollback,
    directory,
    redis_server,
    feed_server,
    settings,
    caplog,
):
    if connection.vendor != "postgresql":
        pytest.fail("the outage test needs PostgreSQL: the worker shares the test database")
    port = feed_server.server_address[1]
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.KHUB_FETCH_ALLOWED_PORTS = [80, 443, port]
    open_community = factories.community(directory, "Social media", "open", slug="social")
    restricted = factories.community(directory, "Member services", "restricted", slug="services")
    fac, member = factories.user("fac"), factories.user("member")
    for community in (open_community, restricted):
        factories.membership(community, fac, "active", "facilitator")
    factories.membership(open_community, member, "active")
    # A source fetched a moment ago: not due until a facilitator asks for it.
    known = FeedSource.objects.create(
        community=open_community,
        name="Known",
        url=f"http://127.0.0.1:{port}/known",
        next_fetch_at=timezone.now() + timezone.timedelta(hours=1),
    )

    redis_server.start()
    with broker(redis_server.url):
        redis_server.stop()  # the outage

        newcomer = factories.user("newcomer")
        client.force_login(newcomer)
        assert client.post(open_community.url + "join/").status_code == 302
        assert client.post(restricted.url + "request/", {"message": "Hello"}).status_code == 302
        new_topic = client.post(
            open_community.url + "forum/new/",
            {"title": "During the outage", "body": "Still here?", "tags": ""},
        )
        assert new_topic.status_code == 302, new_topic.content.decode()[:500]
        assert client.post(new_topic["Location"] + "reply/", {"body": "Yes."}).status_code in (200, 302)
        client.force_login(member)
        added = client.post(
            open_community.url + "news/sources/", {"name": "Added", "url": f"http://127.0.0.1:{port}/added"}
        )
        assert added.status_code == 302
        assert client.get(open_community.url + "news/sources/").status_code == 200
        client.force_login(fac)
        refreshed = client.post(open_community.url + f"news/sources/{known.pk}/refresh/")
        assert refreshed.status_code == 302
        assert client.get(open_community.url + "news/").status_code == 200

        warned = [r.getMessage() for r in caplog.records if r.name == "khub_plugin.common.tasks"]
        assert len(warned) == 2 and all("khub.news.fetch_feed" in m for m in warned), warned
        added_source = FeedSource.objects.get(name="Added")
        assert set(services.due_sources()) == {known.pk, added_source.pk}
        assert CountingFeedHandler.hits == {}

        redis_server.start()  # the broker returns, empty: the failed sends were not kept anywhere
        assert redis_server.client().llen("celery") == 0
        worker = start_worker(redis_server.url, port)
        try:
            current_app.send_task("khub.news.fetch_due_feeds")  # what beat sends every five minutes
            done = wait_for(
                lambda: (
                    FeedSource.objects.filter(
                        pk__in=[known.pk, added_source.pk], last_success_at__isnull=False
                    ).count()
                    == 2
                ),
                seconds=90,
            )
            if not done:
                stop_worker(worker)
                pytest.fail("the worker did not fetch the sources:\n" + worker.stdout.read())
            # The beat's next run finds nothing due, so nothing is fetched twice.
            assert services.due_sources() == []
            current_app.send_task("khub.news.fetch_due_feeds")
            assert wait_for(lambda: redis_server.client().llen("celery") == 0, seconds=30)
        finally:
            stop_worker(worker)
    assert CountingFeedHandler.hits == {"/known": 1, "/added": 1}
    for source in FeedSource.objects.filter(pk__in=[known.pk, added_source.pk]):
        assert source.item_count > 0 and source.last_error == ""
