"""Pages cost the same number of SQL queries however much data there is (DESIGN.md section 9)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from khub_plugin.communities.models import CommunityPage
from tests import factories


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_communities(directory, start, stop, person):
    # Plain add_child (no revisions) keeps the large size quick to build; serving is the same.
    for i in range(start, stop):
        page = CommunityPage(
            title=f"Community {i:04}",
            slug=f"c-{i}",
            purpose="A community.",
            visibility=["open", "restricted", "private"][i % 3],
            tools=["notes"],
        )
        directory.add_child(instance=page)
        page.tags.add(f"tag-{i % 7}", "shared")
        page.save()
        if i % 2:
            factories.membership(page, person, "active")


DIRECTORY_QUERIES = ["", "?q=community", "?q=shared", "?mine=on", "?stage=planning&visibility=open&page=2"]


def test_directory_queries_do_not_grow_with_communities(client, directory):
    small_person, large_person = factories.user("small"), factories.user("large")
    add_communities(directory, 0, 10, small_person)
    client.force_login(small_person)
    small = [queries_for(client, directory.url + suffix) for suffix in DIRECTORY_QUERIES]
    add_communities(directory, 10, 300, large_person)
    client.force_login(large_person)
    large = [queries_for(client, directory.url + suffix) for suffix in DIRECTORY_QUERIES]
    assert small == large
    assert max(large) <= 15


def test_members_page_queries_do_not_grow_with_members(client, directory):
    community = factories.community(directory, "Big", "restricted")
    viewer = factories.user("viewer")
    factories.membership(community, viewer, "active", "facilitator")
    for i in range(9):
        factories.membership(community, factories.user(f"m{i}"), "active")
    client.force_login(viewer)
    small = queries_for(client, community.url + "members/")
    small_search = queries_for(client, community.url + "members/?q=m&page=1")
    for i in range(9, 300):
        factories.membership(community, factories.user(f"m{i}"), "active")
    large = queries_for(client, community.url + "members/")
    large_search = queries_for(client, community.url + "members/?q=m&page=2")
    assert (small, small_search) == (large, large_search)
    assert large <= 15


def test_landing_and_activity_pages_do_not_grow(client, directory):
    community = factories.community(directory, "Big", "open")
    viewer = factories.user("viewer")
    factories.membership(community, viewer, "active")
    from khub_plugin.communities import activity

    for i in range(3):
        activity.record(viewer, "joined", factories.community(community, f"Sub {i}", "open"))
    client.force_login(viewer)
    small = (queries_for(client, community.url), queries_for(client, "/khub/whats-happening/"))

    for i in range(3, 40):
        child = factories.community(community, f"Sub {i}", "open")
        activity.record(viewer, "joined", child)
        factories.membership(community, factories.user(f"f{i}"), "active", "facilitator")
    large = (queries_for(client, community.url), queries_for(client, "/khub/whats-happening/"))
    assert small == large


def test_moderation_log_queries_do_not_grow_with_actions(client, directory):
    from khub_plugin.communities import moderation

    community = factories.community(directory, "Busy", "restricted", tools=["forum"])
    facilitator = factories.user("facil")
    factories.membership(community, facilitator, "active", "facilitator")

    def log(start, stop):
        for i in range(start, stop):
            actor = factories.user(f"actor{i}")  # a different actor per row: select_related must hold
            moderation.log(actor, "pin", community, None, f"Reason {i}", label=f"Topic {i}")

    url = community.url + "manage/moderation/"
    client.force_login(facilitator)
    log(0, 3)
    small = (queries_for(client, url), queries_for(client, url + "?page=1"))
    log(3, 45)
    large = (queries_for(client, url), queries_for(client, url + "?page=2"))
    assert small == large
    assert max(large) <= 15
