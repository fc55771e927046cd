"""Benchmark: the forum's pages on a seeded database, each compared with a bare Django view.

    createdb -h 127.0.0.1 -U postgres khub_seed
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/khub_seed
    cd example_project
    ../.venv/bin/python manage.py migrate
    ../.venv/bin/python manage.py khub_seed --scale large
    cd ..
    .venv/bin/python benchmarks/forum_pages.py [--iterations 50] [--warmup 5] [--markdown]

It uses the example project's settings (``anytown.settings.dev``, which read ``DATABASE_URL``) in one process,
signs in as ``seed-member`` with ``django.test.Client.force_login`` (a plain member of the biggest forum: no
moderator shortcuts) and requests, in turn, round after round:

* **bare view**: a view in a tiny URLconf added by this script, which reads ``request.user`` (so the session
  and the user are loaded: 2 queries, as on every signed-in page) and returns ``HttpResponse("ok")``. It goes
  through the same middleware as the forum pages. This is the baseline of the ratios.
* **topic list, page 1**, **page 100** and **the last page** of the biggest forum the member can read;
* **a topic with exactly 50 replies** with ``?per_page=50`` (the whole thread on one page);
* **the last page of the biggest topic** with ``?per_page=50`` (the deepest OFFSET into a thread);
* with ``--search``, **forum search** in that forum and **site search**, for a common word, a rarer one
  and two words (the search index must be built first: ``manage.py update_index``).

For each it prints the SQL queries of one request (``CaptureQueriesContext``, counted on a separate request so
that the timed ones run without query logging), the median and 95th percentile of the wall time of the
``--iterations`` timed requests (after ``--warmup`` rounds), both as multiples of the bare view's, and the
median of the ``Server-Timing`` header's ``db`` and ``total`` figures when the site sends it. Every response
is checked (status 200 and the expected topics or replies in the HTML) so that an error page is never
measured.

DEBUG is switched off for the measurement (``--debug`` keeps the settings' value): with DEBUG on, Django logs
every query and renders templates in debug mode, which is not what a production site pays.
"""

import argparse
import contextlib
import math
import os
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCH_URLCONF = "khub_benchmark_urls"
BARE_PATH = "/__khub_benchmark__/bare/"


# -- the bare view ------------------------------------------------------------------------------------------


def bare_view(request):
    """The baseline: a signed-in request that loads the session and the user, and nothing else."""
    from django.http import HttpResponse

    return HttpResponse("ok" if request.user.is_authenticated else "anonymous", content_type="text/plain")


def install_urlconf():
    """A URLconf module: the bare view, then the site's own URLs. Returns its dotted name."""
    from django.conf import settings
    from django.urls import include, path

    module = types.ModuleType(BENCH_URLCONF)
    module.urlpatterns = [
        path(BARE_PATH.strip("/") + "/", bare_view),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[BENCH_URLCONF] = module
    return BENCH_URLCONF


# -- what to measure -----------------------------------------------------------------------------------------


class Case:
    """One URL to measure, and how to tell its response is the real page."""

    def __init__(self, label, url, expect, note=""):
        self.label = label
        self.url = url
        self.expect = expect  # byte strings that must all be in the body
        self.note = note
        self.queries = None
        self.times = []
        self.db_ms = []
        self.total_ms = []

    def check(self, response):
        if response.status_code != 200:
            raise BenchmarkError(f"{self.label}: {self.url} answered {response.status_code}, not 200")
        body = response.content
        missing = [item.decode() for item in self.expect if item not in body]
        if missing:
            raise BenchmarkError(f"{self.label}: {self.url} lacks {', '.join(missing[:3])}")


class BenchmarkError(Exception):
    pass


def find_cases(user):
    """The pages to measure, chosen from what ``user`` can read: the biggest forum, its deep pages, a topic
    with exactly 50 replies and the biggest topic."""
    from django.db.models import Count

    from khub_plugin.communities.access import Access
    from khub_plugin.communities.models import CommunityPage
    from khub_plugin.conf import khub_settings
    from khub_plugin.forums.models import Post, Topic

    policy = Access(user)
    member_of = [cid for cid, (state, _role) in policy.memberships.items() if state == "active"]
    forums = [
        c
        for c in CommunityPage.objects.live().filter(pk__in=member_of)
        if "forum" in c.tools and policy.can_view(c) and not policy.can_moderate(c)
    ]
    if not forums:
        raise BenchmarkError(
            f"{user} is not a plain member of any community with a forum: run khub_seed first."
        )
    sizes = dict(
        Topic.objects.filter(community__in=forums, is_hidden=False)
        .values_list("community")
        .annotate(n=Count("id"))
        .values_list("community", "n")
    )
    community = max(forums, key=lambda c: (sizes.get(c.pk, 0), -c.pk))
    visible = Topic.objects.filter(community=community, is_hidden=False)
    ordered = visible.order_by("-is_pinned", "-last_activity_at", "-id")
    per_page = khub_settings.FORUM_TOPICS_PER_PAGE
    topic_count = sizes.get(community.pk, 0)
    last_page = max(1, math.ceil(topic_count / per_page))
    index = community.url_for("forum:index")

    def topics_on(page):
        ids = list(ordered.values_list("id", flat=True)[(page - 1) * per_page : page * per_page])
        return [f'/forum/{pk}/"'.encode() for pk in (ids[:1] + ids[-1:])]

    cases = [
        Case("bare view (baseline)", BARE_PATH, [b"ok"], "session + user, HttpResponse"),
        Case("topic list, page 1", index, topics_on(1), f"{topic_count:,} topics, {per_page} a page"),
    ]
    if last_page >= 100:
        cases.append(
            Case("topic list, page 100", f"{index}?page=100", topics_on(100), f"OFFSET {99 * per_page:,}")
        )
    if last_page > 1:
        cases.append(
            Case(
                f"topic list, last page ({last_page:,})",
                f"{index}?page={last_page}",
                topics_on(last_page),
                f"OFFSET {(last_page - 1) * per_page:,}",
            )
        )

    readable = [c.pk for c in forums]
    fifty = (
        Topic.objects.filter(community__in=readable, is_hidden=False, reply_count=50)
        .annotate(total=Count("posts"))
        .filter(total=51)
        .order_by("id")
    )
    fifty = fifty.filter(community=community).first() or fifty.first()
    if fifty is not None:
        replies = Post.objects.filter(topic=fifty, is_opening=False).values_list("id", flat=True)
        cases.append(
            Case(
                "topic with 50 replies (per_page=50)",
                f"{fifty.get_url()}?per_page=50",
                [f'id="post-{pk}"'.encode() for pk in replies],
                f"topic {fifty.pk}, all 50 replies on one page",
            )
        )
    big = Topic.objects.filter(community__in=readable, is_hidden=False).order_by("-reply_count", "id").first()
    if big is not None and big.reply_count > 50:
        pages = math.ceil(big.posts.filter(is_opening=False).count() / 50)
        last_ids = list(
            Post.objects.filter(topic=big, is_opening=False)
            .order_by("thread_path")
            .values_list("id", flat=True)[(pages - 1) * 50 :]
        )
        cases.append(
            Case(
                f"topic with {big.reply_count:,} replies, last page",
                f"{big.get_url()}?per_page=50&page={pages}",
                [f'id="post-{pk}"'.encode() for pk in last_ids[:1] + last_ids[-1:]],
                f"topic {big.pk}, page {pages} of 50 replies",
            )
        )
    return community, cases


#: Words for --search: one in many seeded titles and posts, one rarer, and two that must both match.
SEARCH_QUERIES = ["council", "procurement", "waste collection"]


def search_cases(community):
    """Forum search in the biggest forum and the site-wide search, for each of :data:`SEARCH_QUERIES`. They
    need the search index (``manage.py update_index`` after seeding); a query that finds nothing fails the
    check, so an empty index is never measured."""
    from urllib.parse import urlencode

    index = community.url_for("forum:index")
    cases = []
    for query in SEARCH_QUERIES:
        q = urlencode({"q": query})
        cases.append(Case(f"forum search ‘{query}’", f"{index}?{q}", [b'class="khub-topic'], "in this forum"))
        cases.append(
            Case(f"site search ‘{query}’", f"/khub/search/?{q}", [b"results for"], "communities and forums")
        )
    return cases


# -- measuring -----------------------------------------------------------------------------------------------


def parse_server_timing(header):
    """``{"db": ms, "total": ms}`` from ``db;dur=1.2;desc="9 queries", total;dur=20.5``."""
    figures = {}
    for metric in (header or "").split(","):
        parts = [p.strip() for p in metric.split(";")]
        for part in parts[1:]:
            if part.startswith("dur="):
                with contextlib.suppress(ValueError):
                    figures[parts[0]] = float(part[4:])
    return figures


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_benchmark(iterations=50, warmup=5, username="seed-member", debug=None, search=False):
    """Measure the cases (and the search cases with ``search``); return ``(community, cases)``. Django must
    be set up already."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from khub_plugin.communities.seeding import login_name

    # "seed-member", or "seed-member@seed.example" with an email-login user model.
    user = get_user_model()._default_manager.get_by_natural_key(
        username if "@" in username else login_name(username)
    )
    overrides = {"ROOT_URLCONF": install_urlconf()}
    if debug is not None:
        overrides["DEBUG"] = debug
    with override_settings(**overrides):
        community, cases = find_cases(user)
        if search:
            cases += search_cases(community)
        client = Client()
        client.force_login(user)
        for _ in range(warmup):
            for case in cases:
                case.check(client.get(case.url))
        for case in cases:
            with CaptureQueriesContext(connection) as queries:
                case.check(client.get(case.url))
            case.queries = len(queries.captured_queries)
        # Round-robin, so that a burst of load from elsewhere on the machine hits every case alike.
        for _ in range(iterations):
            for case in cases:
                start = time.perf_counter()
                response = client.get(case.url)
                case.times.append((time.perf_counter() - start) * 1000)
                case.check(response)
                timing = parse_server_timing(response.get("Server-Timing"))
                if "db" in timing:
                    case.db_ms.append(timing["db"])
                if "total" in timing:
                    case.total_ms.append(timing["total"])
    return community, cases


def table(cases, markdown=False):
    """The results as lines of text (aligned columns, or a Markdown table)."""
    base = cases[0]
    base_median, base_p95 = statistics.median(base.times), percentile(base.times, 0.95)
    header = [
        "page",
        "SQL queries",
        "median ms",
        "p95 ms",
        "median × bare",
        "p95 × bare",
        "Server-Timing db ms",
        "Server-Timing total ms",
    ]
    rows = []
    for case in cases:
        median, p95 = statistics.median(case.times), percentile(case.times, 0.95)
        rows.append(
            [
                case.label,
                str(case.queries),
                f"{median:.1f}",
                f"{p95:.1f}",
                f"{median / base_median:.1f}",
                f"{p95 / base_p95:.1f}",
                f"{statistics.median(case.db_ms):.1f}" if case.db_ms else "–",
                f"{statistics.median(case.total_ms):.1f}" if case.total_ms else "–",
            ]
        )
    if markdown:
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return lines
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda row: "  ".join(  # noqa: E731
        cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
    )
    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(row) for row in rows)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first (default 5)")
    parser.add_argument("--user", default="seed-member", help="who signs in (default seed-member)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    parser.add_argument("--debug", action="store_true", help="keep the settings' DEBUG (default: DEBUG off)")
    parser.add_argument(
        "--search", action="store_true", help="also forum and site search (run update_index first)"
    )
    args = parser.parse_args()

    # The example project's settings and apps, as `manage.py` in example_project/ would find them.
    for entry in (ROOT, ROOT / "example_project"):
        if str(entry) not in sys.path:
            sys.path.insert(0, str(entry))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anytown.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    debug = None if args.debug else False
    started = time.perf_counter()
    community, cases = run_benchmark(args.iterations, args.warmup, args.user, debug=debug, search=args.search)
    elapsed = time.perf_counter() - started
    database = connection.settings_dict.get("NAME")
    print(
        f"khub forum pages: {args.iterations} timed requests per page after {args.warmup} warm-up rounds, "
        f"as {args.user}; {connection.vendor} ({database}); "
        f"DEBUG={settings.DEBUG if debug is None else debug}; "
        f"{os.cpu_count()} CPUs; {elapsed:.0f} s"
    )
    print(f"forum: {community.title} ({community.url_for('forum:index')})")
    print()
    for line in table(cases):
        print(line)
    print()
    for case in cases:
        print(f"  {case.label}: {case.url}  [{case.note}]")
    if args.markdown:
        print()
        for line in table(cases, markdown=True):
            print(line)


if __name__ == "__main__":
    main()
