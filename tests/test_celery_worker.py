"""A real Celery worker fetches feeds end to end (postgres tox env: PostgreSQL, Redis, `celery worker`).

The test process serves a feed from a loopback HTTP server, commits a news source, and sends tasks through
Redis; a worker process (same settings, same test database) fetches the feed through the safe fetcher and
stores the items.
"""

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from khub_plugin.news.models import FeedItem, FeedSource
from tests import factories
from tests.test_services import need

FEED = (Path(__file__).resolve().parent / "fixtures" / "feeds" / "rss20.xml").read_bytes()


class FeedHandler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def worker(feed_server, transactional_db, django_db_serialized_rollback):
    need("REDIS_URL")
    need("DATABASE_URL")
    if connection.vendor != "postgresql":
        pytest.fail("the real-worker test needs PostgreSQL: the worker shares the test database")
    settings_dict = connection.settings_dict
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{k: settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "KHUB_TEST_FETCH_ALLOWED_HOSTS": "127.0.0.1",
        "KHUB_TEST_FETCH_ALLOWED_PORTS": str(feed_server.server_address[1]),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.celery_app",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"khub-test-{os.getpid()}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.services
def test_a_real_worker_fetches_a_feed_end_to_end(worker, feed_server, directory):
    from tests.celery_app import app

    community = factories.community(directory, "Social", "open")
    port = feed_server.server_address[1]
    source = FeedSource.objects.create(
        community=community, name="Loopback", url=f"http://127.0.0.1:{port}/feed"
    )
    app.send_task("khub.news.fetch_feed", args=[source.pk])
    ok = wait_for(lambda: FeedSource.objects.get(pk=source.pk).last_fetched_at is not None)
    output = "" if ok else worker.stdout.read1() if hasattr(worker.stdout, "read1") else ""
    assert ok, f"the worker did not fetch the feed: {output}"
    source.refresh_from_db()
    assert source.last_error == "" and source.item_count == FeedItem.objects.filter(source=source).count() > 0
    assert FeedHandler.hits >= 1

    # The beat task, through the worker too: a due source is fetched.
    second = FeedSource.objects.create(
        community=community, name="Again", url=f"http://127.0.0.1:{port}/other"
    )
    app.send_task("khub.news.fetch_due_feeds")
    assert wait_for(lambda: FeedSource.objects.get(pk=second.pk).item_count > 0)
