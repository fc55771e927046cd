"""Every community page passes axe (WCAG 2.2 AA) for the roles that see it, and works without JavaScript."""

import pytest
from django.utils import timezone

from khub_plugin.communities import activity
from khub_plugin.communities.models import Membership
from khub_plugin.news.models import FeedItem, FeedSource
from tests import factories

from .conftest import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def world(site_url, directory):
    open_c = factories.community(directory, "Social Media and Online Collaboration", "open", slug="social")
    restricted = factories.community(
        directory, "Members' Services Network", "restricted", slug="members-services"
    )
    private = factories.community(directory, "Violence Against Women Network", "private", slug="vaw")
    factories.community(restricted, "GDPR baseline task group", "private", slug="gdpr")
    people = {
        name: factories.user(name, last_name="Example") for name in ["fac", "member", "newcomer", "invitee"]
    }
    for community in (open_c, restricted, private):
        factories.membership(community, people["fac"], "active", "facilitator")
        factories.membership(community, people["member"], "active")
        activity.record(people["member"], "joined", community)
    factories.membership(restricted, people["newcomer"], "requested").message = "I work in Fife."
    factories.membership(private, people["invitee"], "invited")
    source = FeedSource.objects.create(
        community=open_c,
        name="Sector news",
        url="https://news.example/rss",
        last_fetched_at=timezone.now(),
        item_count=1,
    )
    FeedItem.objects.create(
        source=source,
        community=open_c,
        guid="s1",
        guid_hash=FeedItem.hash_guid("s1"),
        link="https://news.example/1",
        title="Sector story",
        summary_html="<p>Summary</p>",
        published_at=timezone.now(),
    )
    return {"open": open_c, "restricted": restricted, "private": private, "directory": directory, **people}


PAGES = [
    # (who, where, what must be on the page)
    ("member", lambda w: w["directory"].url, "Social Media and Online Collaboration"),
    ("member", lambda w: w["directory"].url + "?q=zzz", "No communities match"),
    ("newcomer", lambda w: w["open"].url, "Join this community"),
    ("invitee", lambda w: w["restricted"].url, "Request to join"),
    ("newcomer", lambda w: w["restricted"].url, "You have asked to join"),
    ("invitee", lambda w: w["private"].url, "Accept invitation"),
    ("member", lambda w: w["restricted"].url, "Leave this community"),
    ("fac", lambda w: w["restricted"].url + "members/", "Make facilitator"),
    ("fac", lambda w: w["restricted"].url + "manage/", "Approve"),
    ("fac", lambda w: w["private"].url + "manage/", "Send invitation"),
    ("member", lambda w: "/khub/my-communities/", "Communities I belong to"),
    ("member", lambda w: "/khub/whats-happening/", "joined"),
    ("member", lambda w: "/khub/propose/", "Send proposal"),
    ("member", lambda w: w["open"].url + "news/", "Sector story"),
    ("fac", lambda w: w["open"].url + "news/sources/", "Refresh now"),
    ("member", lambda w: w["open"].url, "Latest news"),
]


@pytest.mark.parametrize("who, where, expected", PAGES, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAGES)])
def test_page_passes_axe(open_page, axe_check, world, who, where, expected):
    page = open_page(where(world), user=world[who])
    expect(page.get_by_text(expected).first).to_be_visible()
    axe_check(page)


def test_error_summary_passes_axe(open_page, axe_check, world):
    page = open_page("/khub/propose/", user=world["member"])
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe_check(page)


def test_joining_works_without_javascript(open_page, world, screenshot):
    page = open_page(world["open"].url, user=world["newcomer"], javascript=False)
    page.get_by_role("button", name="Join this community").click()
    expect(page.get_by_text("You have joined Social Media and Online Collaboration.")).to_be_visible()
    assert Membership.objects.get(community=world["open"], user=world["newcomer"]).state == "active"
    screenshot(page, "khub-community-joined")


def test_a_facilitator_declines_with_a_reason_without_javascript(open_page, world, screenshot):
    page = open_page(world["restricted"].url + "manage/", user=world["fac"], javascript=False)
    screenshot(page, "khub-manage")
    page.get_by_text("Decline", exact=False).first.click()  # <details> opens without JavaScript
    page.get_by_label("Reason (optional)").fill("This network is for members' services officers.")
    page.get_by_role("button", name="Decline request").click()
    expect(page.get_by_text("Request declined.")).to_be_visible()
    row = Membership.objects.get(community=world["restricted"], user=world["newcomer"])
    assert (row.state, row.decision_reason) == ("declined", "This network is for members' services officers.")
