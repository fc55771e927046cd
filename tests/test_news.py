"""The News tool: sources, fetching through the safe fetcher, the news page, the panel, access."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khub_plugin.common import fetch
from khub_plugin.news import services, tasks
from khub_plugin.news.blocks import NewsPanelBlock
from khub_plugin.news.models import FeedItem, FeedSource
from tests import factories
from tests.fetcher_support import PUBLIC_IP, StubResolver

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"


class StubWeb:
    """Stands in for the safe fetcher: answers from a dict of url -> (status, bytes, content type)."""

    def __init__(self, pages):
        self.pages = pages
        self.requests = []

    def __call__(self, url, *, etag=None, last_modified=None, **kwargs):
        self.requests.append((url, etag))
        if url not in self.pages:
            raise fetch.ConnectionFailed(url, public_message="That address could not be reached.")
        status, content, content_type = self.pages[url]
        if etag and etag == "v1":
            return SimpleNamespace(
                url=url,
                status=304,
                content=b"",
                content_type=content_type,
                etag="v1",
                last_modified=None,
                headers={},
            )
        return SimpleNamespace(
            url=url,
            status=status,
            content=content,
            content_type=content_type,
            etag="v1",
            last_modified="Fri, 20 Nov 2026 09:00:00 GMT",
            headers={},
        )


@pytest.fixture
def web(monkeypatch):
    stub = StubWeb(
        {
            "https://news.example/rss": (200, (FEEDS / "rss20.xml").read_bytes(), "application/rss+xml"),
            "https://news.example/atom": (200, (FEEDS / "atom10.xml").read_bytes(), "application/atom+xml"),
            "https://news.example/page": (200, (FEEDS / "not_a_feed.html").read_bytes(), "text/html"),
        }
    )
    monkeypatch.setattr(services.fetch, "fetch", stub)
    return stub


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """The names the forms resolve before saving a source (never the real DNS in tests)."""
    resolver = StubResolver(
        {
            "news.example": [PUBLIC_IP],
            "localhost": ["127.0.0.1", "::1"],
            "metadata.example": ["169.254.169.254"],
            "intranet.council.local": ["10.0.0.5"],
        }
    )
    monkeypatch.setattr(fetch, "system_resolver", resolver)
    return resolver


@pytest.fixture
def world(directory):
    communities = {
        vis: factories.community(directory, f"{vis.capitalize()} community", vis, slug=vis)
        for vis in ("open", "restricted", "private")
    }
    fac, member, removed = factories.user("fac"), factories.user("member"), factories.user("removed")
    for community in communities.values():
        factories.membership(community, fac, "active", "facilitator")
        factories.membership(community, member, "active")
        factories.membership(community, removed, "removed")
        source = FeedSource.objects.create(
            community=community, name=f"{community.title} source", url=f"https://example.org/{community.slug}"
        )
        FeedItem.objects.create(
            source=source,
            community=community,
            guid_hash=FeedItem.hash_guid("g"),
            guid="g",
            title=f"secret-item-{community.slug}",
            published_at=timezone.now(),
        )
    return {"communities": communities, "fac": fac, "member": member, "removed": removed}


def test_a_new_community_offers_news(world):
    assert "news" in world["communities"]["open"].tools


ROLE_EXPECTATIONS = {
    # role: {visibility: (news page status, item shown)}
    "anonymous": {"open": (302, False), "restricted": (302, False), "private": (302, False)},
    "nonmember": {"open": (200, True), "restricted": (404, False), "private": (404, False)},
    "member": {"open": (200, True), "restricted": (200, True), "private": (200, True)},
    "facilitator": {"open": (200, True), "restricted": (200, True), "private": (200, True)},
    "moderator": {"open": (200, True), "restricted": (200, True), "private": (200, True)},
    "removed": {"open": (200, True), "restricted": (404, False), "private": (404, False)},
}


@pytest.mark.parametrize("role", list(ROLE_EXPECTATIONS))
def test_news_pages_follow_the_access_policy(client, world, role):
    people = {
        "nonmember": lambda: factories.user("nobody"),
        "moderator": lambda: factories.moderator(),
        "member": lambda: world["member"],
        "facilitator": lambda: world["fac"],
        "removed": lambda: world["removed"],
        "anonymous": lambda: None,
    }
    person = people[role]()
    if person:
        client.force_login(person)
    for visibility, (status, shown) in ROLE_EXPECTATIONS[role].items():
        community = world["communities"][visibility]
        for url in (community.url + "news/", community.url + "news/sources/"):
            response = client.get(url)
            assert response.status_code == status, (role, visibility, url)
        html = client.get(community.url + "news/").content.decode()
        assert (f"secret-item-{community.slug}" in html) is shown, (role, visibility)


@pytest.mark.parametrize(
    "role, shown", [("member", True), ("nonmember", False), ("removed", False), ("anonymous", False)]
)
def test_the_news_panel_shows_a_private_communitys_news_only_to_its_members(rf, world, role, shown):
    from django.contrib.auth.models import AnonymousUser

    community = world["communities"]["private"]
    block = NewsPanelBlock()
    value = block.to_python({"heading": "News", "community": community.pk, "count": 5})
    request = rf.get("/")
    request.user = {
        "member": world["member"],
        "removed": world["removed"],
        "nonmember": factories.user("nobody"),
        "anonymous": AnonymousUser(),
    }[role]
    html = block.render(value, context={"request": request})
    assert ("secret-item-private" in html) is shown


def test_a_member_adds_a_source_and_it_is_fetched(client, world, web, django_capture_on_commit_callbacks):
    community = world["communities"]["restricted"]
    client.force_login(world["member"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            community.url + "news/sources/", {"name": "Sector news", "url": "https://news.example/rss"}
        )
    assert response.status_code == 302
    source = FeedSource.objects.get(name="Sector news")
    assert source.item_count > 0 and source.last_error == "" and source.next_fetch_at > timezone.now()
    html = client.get(community.url + "news/").content.decode()
    first = FeedItem.objects.filter(source=source).order_by("-published_at").first()
    assert first.title in html
    assert "<script" not in html.split('class="khub-news-list"')[1]


def test_a_web_page_address_is_accepted_and_its_feed_discovered(world, web):
    source = FeedSource.objects.create(
        community=world["communities"]["open"], name="Page", url="https://news.example/page"
    )
    web.pages[_discovered_url()] = web.pages["https://news.example/rss"]
    services.refresh(source.pk)
    source.refresh_from_db()
    assert source.feed_url == _discovered_url()
    assert source.item_count > 0, source.last_error


def _discovered_url():
    from khub_plugin.news import parsing

    return parsing.discover_feed_url((FEEDS / "not_a_feed.html").read_bytes(), "https://news.example/page")


def test_refresh_is_a_conditional_get_and_deduplicates(world, web):
    source = FeedSource.objects.create(
        community=world["communities"]["open"], name="RSS", url="https://news.example/rss"
    )
    services.refresh(source.pk)
    count = FeedItem.objects.filter(source=source).count()
    services.refresh(source.pk)  # the stub answers 304 to the ETag it gave
    assert web.requests[-1] == ("https://news.example/rss", "v1")
    source.refresh_from_db()
    source.etag = ""
    source.save()
    services.refresh(source.pk)  # a full fetch again: the same items are not stored twice
    assert FeedItem.objects.filter(source=source).count() == count


def test_only_the_newest_items_are_kept(world, web, settings):
    settings.KHUB_NEWS_ITEMS_PER_SOURCE = 2
    source = FeedSource.objects.create(
        community=world["communities"]["open"], name="RSS", url="https://news.example/rss"
    )
    services.refresh(source.pk)
    assert FeedItem.objects.filter(source=source).count() == 2
    source.refresh_from_db()
    assert source.item_count == 2


def test_a_failing_source_backs_off_and_says_why(world, web):
    source = FeedSource.objects.create(
        community=world["communities"]["open"], name="Gone", url="https://gone.example/"
    )
    waits = []
    for _ in range(3):
        services.refresh(source.pk)
        source.refresh_from_db()
        waits.append(source.next_fetch_at - source.last_fetched_at)
    assert source.failure_count == 3
    assert source.last_error == "That address could not be reached."
    assert waits[0] < waits[1] < waits[2] <= timedelta(hours=24)


def test_the_beat_task_fetches_due_sources_in_process_without_a_broker(world, web):
    due = FeedSource.objects.create(
        community=world["communities"]["open"], name="Due", url="https://news.example/atom"
    )
    later = FeedSource.objects.create(
        community=world["communities"]["open"],
        name="Later",
        url="https://news.example/rss",
        next_fetch_at=timezone.now() + timedelta(hours=1),
    )
    assert tasks.fetch_due_feeds.apply().get() >= 1
    assert FeedSource.objects.get(pk=due.pk).item_count > 0
    assert FeedSource.objects.get(pk=later.pk).item_count == 0


def test_refused_addresses_are_explained_to_the_member(client, world):
    community = world["communities"]["open"]
    client.force_login(world["member"])
    response = client.post(community.url + "news/sources/", {"name": "Metadata", "url": "file:///etc/passwd"})
    assert response.status_code == 200
    assert not FeedSource.objects.filter(name="Metadata").exists()


def test_only_facilitators_remove_or_refresh_and_only_their_own_sources(client, world, web):
    open_c, restricted = world["communities"]["open"], world["communities"]["restricted"]
    theirs = FeedSource.objects.get(community=restricted)
    client.force_login(world["member"])
    assert (
        client.post(
            open_c.url + f"news/sources/{FeedSource.objects.get(community=open_c).pk}/remove/"
        ).status_code
        == 403
    )
    # A facilitator of "open" only tries the restricted community's source through their own community's URL.
    only_open = factories.user("openfac")
    factories.membership(open_c, only_open, "active", "facilitator")
    client.force_login(only_open)
    assert client.post(open_c.url + f"news/sources/{theirs.pk}/remove/").status_code == 403
    assert FeedSource.objects.filter(pk=theirs.pk).exists()
    client.force_login(world["fac"])
    client.post(restricted.url + f"news/sources/{theirs.pk}/remove/")
    assert not FeedSource.objects.filter(pk=theirs.pk).exists()


def test_news_page_queries_do_not_grow_with_items(client, world):
    community = world["communities"]["open"]
    source = FeedSource.objects.get(community=community)
    client.force_login(world["member"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(community.url + "news/?page=2").status_code == 200
        return len(captured)

    FeedItem.objects.bulk_create(
        FeedItem(
            source=source,
            community=community,
            guid_hash=FeedItem.hash_guid(f"a{i}"),
            guid=f"a{i}",
            title=f"Item {i}",
            published_at=timezone.now(),
        )
        for i in range(30)
    )
    queries()  # warm the caches a first request fills (Wagtail's site root paths)
    small = queries()
    FeedItem.objects.bulk_create(
        FeedItem(
            source=source,
            community=community,
            guid_hash=FeedItem.hash_guid(f"b{i}"),
            guid=f"b{i}",
            title=f"Item {i}",
            published_at=timezone.now(),
        )
        for i in range(500)
    )
    assert queries() == small


def test_editors_manage_site_wide_sources_in_admin(client, db, web, django_capture_on_commit_callbacks):
    admin = factories.superuser("boss")
    client.force_login(admin)
    assert client.get("/admin/communities/news-sources/").status_code == 200
    refused = client.post(
        "/admin/communities/news-sources/new/", {"name": "Passwords", "url": "file:///etc/passwd"}
    )
    assert refused.status_code == 200 and not FeedSource.objects.filter(name="Passwords").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/communities/news-sources/new/", {"name": "Sector", "url": "https://news.example/rss"}
        )
    source = FeedSource.objects.get(name="Sector")
    assert source.community is None and source.item_count > 0  # fetched as soon as it was added
    listing = client.get("/admin/communities/news-sources/").content.decode()
    assert "Sector" in listing and "Working" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/communities/news-sources/refresh/{source.pk}/")
    assert response.status_code == 302
    assert client.get(f"/admin/communities/news-sources/refresh/{source.pk}/").status_code == 405


def test_community_sources_are_not_listed_in_the_admin(client, world):
    client.force_login(factories.superuser("boss"))
    assert "Private community source" not in client.get("/admin/communities/news-sources/").content.decode()


def test_each_source_can_have_its_own_interval(world, web, settings):
    settings.KHUB_NEWS_FETCH_INTERVAL_MINUTES = 60
    fast = FeedSource.objects.create(
        community=world["communities"]["open"],
        name="Fast",
        url="https://news.example/rss",
        interval_minutes=15,
    )
    services.refresh(fast.pk)
    fast.refresh_from_db()
    assert fast.next_fetch_at - fast.last_fetched_at == timedelta(minutes=15)


# --- The news page's link to the sources -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "text"),
    [
        ("member", "Add or manage news sources"),
        ("fac", "Add or manage news sources"),
        ("nonmember", "See the news sources"),
        ("removed", "See the news sources"),
    ],
)
def test_the_news_page_offers_members_to_add_sources(client, world, person, text):
    user = factories.user("nobody") if person == "nonmember" else world[person]
    client.force_login(user)
    html = client.get(world["communities"]["open"].url + "news/").content.decode()
    assert text in html
    other = {"Add or manage news sources", "See the news sources"} - {text}
    assert other.pop() not in html


# --- The "Add a source" form checks addresses before saving -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost/feed", fetch.BlockedAddress.default_message),
        ("https://LOCALHOST/feed", fetch.BlockedAddress.default_message),
        ("http://metadata.example/latest/meta-data/", fetch.BlockedAddress.default_message),
        ("http://metadata.google.internal/computeMetadata/v1/", fetch.HostNotFound.default_message),
        ("http://127.0.0.1/feed", fetch.BlockedAddress.default_message),
        ("http://intranet.council.local/feed", fetch.BlockedAddress.default_message),
    ],
)
def test_the_form_refuses_local_addresses_before_saving(client, world, web, dns, url, message):
    community = world["communities"]["open"]
    client.force_login(world["member"])
    response = client.post(community.url + "news/sources/", {"name": "Inside", "url": url})
    assert response.status_code == 200
    assert str(message) in response.content.decode().replace("&#x27;", "'")
    assert not FeedSource.objects.filter(name="Inside").exists()
    assert web.requests == []  # nothing was fetched


def test_the_form_lets_allow_listed_intranet_hosts_through(client, world, web, dns, settings):
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["intranet.council.local"]
    community = world["communities"]["open"]
    client.force_login(world["member"])
    response = client.post(
        community.url + "news/sources/", {"name": "Intranet", "url": "http://intranet.council.local/feed"}
    )
    assert response.status_code == 302
    assert FeedSource.objects.filter(name="Intranet").exists()
    assert dns.calls_for("intranet.council.local")  # resolved and checked by the fetcher's own code


def test_the_admin_form_refuses_local_addresses_too(client, db, web):
    client.force_login(factories.superuser("boss"))
    response = client.post(
        "/admin/communities/news-sources/new/", {"name": "Inside", "url": "http://localhost/"}
    )
    assert response.status_code == 200
    assert not FeedSource.objects.filter(name="Inside").exists()


# --- Many sources: a cap per community, and pages ---------------------------------------------------------


def add_sources(community, count, prefix="s"):
    FeedSource.objects.bulk_create(
        FeedSource(community=community, name=f"{prefix} {i:03}", url=f"https://news.example/{prefix}{i}")
        for i in range(count)
    )


def test_a_community_follows_at_most_the_set_number_of_sources(client, world, web, settings):
    settings.KHUB_NEWS_SOURCES_PER_COMMUNITY = 3
    community = world["communities"]["open"]  # already follows one
    client.force_login(world["member"])
    for n in (1, 2):
        response = client.post(
            community.url + "news/sources/", {"name": f"Extra {n}", "url": f"https://news.example/{n}"}
        )
        assert response.status_code == 302
    response = client.post(
        community.url + "news/sources/", {"name": "One too many", "url": "https://news.example/3"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already follows 3 news sources, the most it can have" in html
    assert FeedSource.objects.filter(community=community).count() == 3
    assert "out of at most 3" in html
    # Other communities have their own allowance; 0 means no limit.
    assert services.add_source(
        access_policy(world["member"]),
        world["communities"]["restricted"],
        "Elsewhere",
        "https://news.example/4",
    )
    settings.KHUB_NEWS_SOURCES_PER_COMMUNITY = 0
    assert (
        client.post(
            community.url + "news/sources/", {"name": "Unlimited", "url": "https://news.example/5"}
        ).status_code
        == 302
    )


def access_policy(user):
    from khub_plugin.communities.access import Access

    return Access(user)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: run tox -e postgres")
# It really commits (another connection must see the lock), so it starts from the migrations' data and leaves
# the same behind, as the real-worker tests do.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cap_holds_under_concurrent_adds_on_postgresql(directory, settings, web):
    """add_source locks the community's row before counting: a second adder waits instead of also passing
    the count. Proved without timing: while this test holds the lock, an add with a lock_timeout fails."""
    import threading

    from django.db import (
        OperationalError,
        close_old_connections,
        transaction,
    )
    from django.db import (
        connection as default_connection,
    )
    from wagtail.models import Page

    settings.KHUB_NEWS_SOURCES_PER_COMMUNITY = 5
    community = factories.community(directory, "Locked community", "open", slug="locked")
    member = factories.user("locker")
    factories.membership(community, member, "active")
    outcome = {}

    def add():
        try:
            with transaction.atomic():
                with default_connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                services.add_source(access_policy(member), community, "Racer", "https://news.example/race")
            outcome["result"] = "added"
        except OperationalError as error:
            outcome["result"] = f"waited: {error}"
        finally:
            close_old_connections()
            default_connection.close()

    with transaction.atomic():
        list(Page.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True))
        thread = threading.Thread(target=add)
        thread.start()
        thread.join(30)
    assert outcome["result"].startswith("waited"), outcome
    assert not FeedSource.objects.filter(name="Racer").exists()

    # And for real: two adders at once with room for one.
    add_sources(community, 4)
    results = []
    barrier = threading.Barrier(2)

    def race(n):
        try:
            barrier.wait(10)
            services.add_source(access_policy(member), community, f"Racer {n}", f"https://news.example/r{n}")
            results.append("added")
        except services.MembershipError:
            results.append("refused")
        finally:
            default_connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["added", "refused"]
    assert FeedSource.objects.filter(community=community).count() == 5


def test_the_sources_page_is_paginated(client, world):
    community = world["communities"]["open"]
    add_sources(community, 44)  # 45 with the one it had
    client.force_login(world["fac"])
    first = client.get(community.url + "news/sources/").content.decode()
    assert first.count('<td class="khub-actions">') == 20
    assert "Page 1 of 3" in first and 'rel="next"' in first
    last = client.get(community.url + "news/sources/?page=3").content.decode()
    assert last.count('<td class="khub-actions">') == 5
    assert "s 043" in last and "s 000" not in last


def test_sources_page_queries_do_not_grow_with_sources(client, world):
    community = world["communities"]["open"]
    client.force_login(world["fac"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(community.url + "news/sources/?page=2").status_code == 200
        return len(captured)

    add_sources(community, 2, "a")  # 3 sources: one page (page 2 shows the last, the first)
    queries()  # warm the caches a first request fills (Wagtail's site root paths)
    small = queries()
    add_sources(community, 37, "b")  # 40 sources: two pages
    assert queries() == small
