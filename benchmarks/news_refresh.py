"""Benchmark: refresh 1,000 news sources from a loopback server, changed and unchanged.

    .venv/bin/python benchmarks/news_refresh.py [--sources 1000] [--items 20] [--database-url URL]

Serves one RSS feed per source from a threaded HTTP server on 127.0.0.1 (with ETags), creates the sources,
then times three passes through ``news.services.refresh`` (the Celery task's body), one after another:

1. first fetch: every feed is new (200, parse, store items);
2. unchanged: every feed answers 304 to the conditional GET;
3. half changed: half the feeds have a new item.

It prints sources per second and the requests the server saw for each pass. SQLite in memory by default; pass
--database-url postgres://postgres@127.0.0.1:5432/khub_bench to measure on PostgreSQL (the database is created
by the test runner machinery and dropped at the end).
"""

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Feeds:
    """The feeds the loopback server serves: feed i has ``items`` entries and a version."""

    def __init__(self, count, items):
        self.items = items
        self.versions = [1] * count
        self.requests = {"200": 0, "304": 0}
        self.lock = threading.Lock()

    def body(self, index):
        version = self.versions[index]
        now = datetime(2026, 11, 1, tzinfo=UTC)
        entries = "".join(
            f"<item><title>Feed {index} story {n}</title><link>https://example.org/{index}/{n}</link>"
            f"<guid>feed-{index}-{n}</guid><pubDate>{format_datetime(now + timedelta(hours=n))}</pubDate>"
            f"<description>&lt;p&gt;Story {n} of feed {index}, with &lt;b&gt;some&lt;/b&gt; HTML.&lt;/p&gt;"
            f"</description></item>"
            for n in range(version - 1, version - 1 + self.items)
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {index}</title>'
            f"<link>https://example.org/{index}</link><description>Benchmark</description>{entries}"
            f"</channel></rss>"
        ).encode()


def make_handler(feeds):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's naming
            index = int(self.path.rsplit("/", 1)[1])
            etag = f'"v{feeds.versions[index]}"'
            if self.headers.get("If-None-Match") == etag:
                with feeds.lock:
                    feeds.requests["304"] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = feeds.body(index)
            with feeds.lock:
                feeds.requests["200"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    feeds = Feeds(args.sources, args.items)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(feeds))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["KHUB_TEST_FETCH_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["KHUB_TEST_FETCH_ALLOWED_PORTS"] = str(port)
    os.environ.pop("REDIS_URL", None)  # tasks in-process: this measures the work, not a queue
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        run(args, feeds, port, connection)
    finally:
        teardown_databases(old_config, verbosity=0)
        server.shutdown()


def run(args, feeds, port, connection):
    from django.utils import timezone

    from khub_plugin.news import services
    from khub_plugin.news.models import FeedItem, FeedSource

    sources = FeedSource.objects.bulk_create(
        FeedSource(name=f"Feed {i}", url=f"http://127.0.0.1:{port}/feed/{i}") for i in range(args.sources)
    )
    ids = [source.pk for source in sources]
    print(f"{args.sources} sources, {args.items} items each, database: {connection.vendor}")

    def timed_pass(label):
        before = dict(feeds.requests)
        FeedSource.objects.update(next_fetch_at=timezone.now())
        start = time.perf_counter()
        for source_id in ids:
            services.refresh(source_id)
        elapsed = time.perf_counter() - start
        made = {key: feeds.requests[key] - before[key] for key in feeds.requests}
        errors = FeedSource.objects.exclude(last_error="").count()
        print(
            f"{label:<14} {elapsed:7.2f} s  {len(ids) / elapsed:7.1f} sources/s  "
            f"requests: {made['200']} x 200, {made['304']} x 304  errors: {errors}  "
            f"items stored: {FeedItem.objects.count()}"
        )

    timed_pass("first fetch")
    timed_pass("unchanged")
    for index in range(0, args.sources, 2):
        feeds.versions[index] += 1
    timed_pass("half changed")


if __name__ == "__main__":
    main()
