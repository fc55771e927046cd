"""The forum's RSS/Atom feeds, private feed keys and the "My feeds" page (docs/feeds.md).

The matrix below is the feeds' row of the access matrix (tests/test_access_matrix.py): for every visibility
and every role, what the forum feed and a topic feed give with the person's session and with their personal
feed key.

Cells: ``yes`` = 200 and the topic is in the feed; ``login`` = sent to sign in; ``404``; ``-`` = no key to try
(anonymous visitors have none).
"""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from khub_plugin.communities import access, privacy, tokens
from khub_plugin.communities import services as membership_services
from khub_plugin.communities.models import FeedToken, Membership
from khub_plugin.forums import feeds, services
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"

EXPECTED_TABLE = """
visibility   role         session token
open         anonymous    login   -
open         nonmember    yes     yes
open         requested    yes     yes
open         invited      yes     yes
open         member       yes     yes
open         facilitator  yes     yes
open         moderator    yes     yes
open         removed      yes     yes
restricted   anonymous    login   -
restricted   nonmember    404     404
restricted   requested    404     404
restricted   invited      404     404
restricted   member       yes     yes
restricted   facilitator  yes     yes
restricted   moderator    yes     yes
restricted   removed      404     404
private      anonymous    login   -
private      nonmember    404     404
private      requested    404     404
private      invited      404     404
private      member       yes     yes
private      facilitator  yes     yes
private      moderator    yes     yes
private      removed      404     404
private-sub  anonymous    login   -
private-sub  nonmember    404     404
private-sub  requested    404     404
private-sub  invited      404     404
private-sub  member       yes     yes
private-sub  facilitator  yes     yes
private-sub  moderator    yes     yes
private-sub  removed      404     404
"""

# Signed-out feed readers with KHUB_ALLOW_ANONYMOUS = True: only what anyone may read, and never with a key.
ANONYMOUS_ALLOWED_TABLE = """
visibility   role         session token
open         anonymous    yes     -
restricted   anonymous    404     -
private      anonymous    404     -
private-sub  anonymous    404     -
"""


EXPECTED = factories.parse_table(EXPECTED_TABLE)
ANONYMOUS_ALLOWED = factories.parse_table(ANONYMOUS_ALLOWED_TABLE)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.KHUB_POST_MIN_INTERVAL_SECONDS = 0


@pytest.fixture
def world(directory):
    """The targets of tests/test_access_matrix.py, each with a topic and a reply in its forum."""
    privacy.sync(directory)
    world = factories.role_world(directory)
    author = factories.moderator("author")  # site moderators may post anywhere and are not rate limited
    policy = access.Access(author)
    world["topics"] = {}
    for name, target in world["targets"].items():
        topic = services.start_topic(policy, target, f"Quokka topic {name}", "<p>Opening words.</p>")
        services.reply(policy, topic, "<p>A reply.</p>")
        world["topics"][name] = topic
    return world


def forum_feed_url(community, kind="rss"):
    return f"{community.url}forum/feed/{kind}/"


def topic_feed_url(topic, kind="atom"):
    return f"{topic.community.url}forum/{topic.pk}/feed/{kind}/"


def outcome(response, title):
    if response.status_code != 200:
        return factories.response_outcome(response)
    return "yes" if title in titles(response) else "no"


def xml(content):
    """Parse a feed this site made (trusted: the test's own output)."""
    return ET.fromstring(content)  # noqa: S314


def titles(response):
    """The item titles of an RSS or Atom response, as a feed reader parses them."""
    root = xml(response.content)
    if root.tag == "rss":
        return [item.findtext("title") for item in root.iter("item")]
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def observe(client, world, visibility, token=None):
    """Forum feed and topic feed (RSS for one, Atom for the other) must agree; return their shared outcome."""
    target, topic = world["targets"][visibility], world["topics"][visibility]
    title = f"Quokka topic {visibility}"
    query = {"token": token} if token else {}
    kinds = ("atom", "rss") if token else ("rss", "atom")
    forum = outcome(client.get(forum_feed_url(target, kinds[0]), query), title)
    one_topic = outcome(client.get(topic_feed_url(topic, kinds[1]), query), title)
    assert forum == one_topic, (forum, one_topic)
    return forum


@pytest.mark.parametrize("visibility, role", list(EXPECTED), ids=[f"{v}-{r}" for v, r in EXPECTED])
def test_feed_access_matrix(client, world, visibility, role):
    person = factories.person_for(world, visibility, role)
    expected = EXPECTED[(visibility, role)]
    if person is None:
        assert observe(client, world, visibility) == expected["session"]
        return
    client.force_login(person)
    assert observe(client, world, visibility) == expected["session"]
    # The key alone, in a client that has no session (a feed reader).
    assert observe(Client(), world, visibility, tokens.token_for(person)) == expected["token"]


@pytest.mark.parametrize("visibility, role", list(ANONYMOUS_ALLOWED), ids=[v for v, _ in ANONYMOUS_ALLOWED])
def test_feed_access_when_the_site_lets_anonymous_visitors_in(client, world, visibility, role):
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        assert observe(client, world, visibility) == ANONYMOUS_ALLOWED[(visibility, role)]["session"]


# -- keys ----------------------------------------------------------------------------------------------------


@pytest.fixture
def member(world):
    person = factories.user("member")
    factories.membership(world["targets"]["private"], person, "active")
    return person


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize("which", ["forum", "topic"])
def test_a_replaced_key_stops_working_at_once(world, member, which, kind):
    url = (
        forum_feed_url(world["targets"]["private"], kind)
        if which == "forum"
        else topic_feed_url(world["topics"]["private"], kind)
    )
    old = tokens.token_for(member)
    assert Client().get(url, {"token": old}).status_code == 200
    new = tokens.regenerate(member)
    assert new != old
    assert Client().get(url, {"token": old}).status_code == 404
    assert Client().get(url, {"token": new}).status_code == 200


@pytest.mark.parametrize("bad", ["", "x", "x" * 43, "x" * 65, "x" * 1000, "' OR 1=1 --"])
def test_a_bad_key_is_a_404_never_a_sign_in_page(world, bad):
    response = Client().get(forum_feed_url(world["targets"]["private"]), {"token": bad})
    assert response.status_code == 404


def test_a_removed_members_key_shows_nothing(world, member):
    target = world["targets"]["private"]
    key = tokens.token_for(member)
    assert Client().get(forum_feed_url(target), {"token": key}).status_code == 200
    facilitator = factories.user("facilitator")
    factories.membership(target, facilitator, "active", "facilitator")
    row = Membership.objects.get(community=target, user=member)
    membership_services.remove(access.Access(facilitator), target, row.pk)
    assert Client().get(forum_feed_url(target), {"token": key}).status_code == 404
    assert Client().get(topic_feed_url(world["topics"]["private"]), {"token": key}).status_code == 404


def test_a_deactivated_persons_key_shows_nothing(world, member):
    key = tokens.token_for(member)
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert Client().get(forum_feed_url(world["targets"]["private"]), {"token": key}).status_code == 404


def test_the_key_wins_over_the_session_for_feeds(client, world, member):
    # Signed in as someone who cannot read the community, with the member's key: the feed shows as the member.
    client.force_login(factories.user("outsider"))
    response = client.get(forum_feed_url(world["targets"]["private"]), {"token": tokens.token_for(member)})
    assert "Quokka topic private" in titles(response)


@pytest.mark.parametrize("path", ["", "members/", "manage/", "forum/", "forum/{topic}/", "forum/new/"])
def test_a_key_opens_nothing_but_feeds(world, member, path):
    target, topic = world["targets"]["private"], world["topics"]["private"]
    response = Client().get(target.url + path.format(topic=topic.pk), {"token": tokens.token_for(member)})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["forum/feed/json/", "forum/feed/RSS/", "forum/{topic}/feed/ical/"])
def test_unknown_feed_kinds_are_404(client, world, member, path):
    client.force_login(member)
    target, topic = world["targets"]["private"], world["topics"]["private"]
    assert client.get(target.url + path.format(topic=topic.pk)).status_code == 404


def test_a_topic_of_another_community_is_404(client, world, member):
    client.force_login(member)
    other_topic = world["topics"]["open"]
    url = f"{world['targets']['private'].url}forum/{other_topic.pk}/feed/rss/"
    assert client.get(url).status_code == 404


def test_no_feed_when_the_forum_is_switched_off(client, directory):
    community = factories.community(directory, "No forum", "open", tools=[])
    client.force_login(factories.user("someone"))
    assert client.get(forum_feed_url(community)).status_code == 404


def test_token_functions(db):
    person = factories.user("keyholder")
    key = tokens.token_for(person)
    assert tokens.token_for(person) == key
    assert len(key) >= 40
    assert tokens.user_for_key(key) == person
    for bad in (None, "", "nope", key + "x", key * 2, 42):
        assert tokens.user_for_key(bad) is None
    new = tokens.regenerate(person)
    assert new != key and FeedToken.objects.get(user=person).key == new
    assert tokens.user_for_key(key) is None
    assert tokens.user_for_key(new) == person
    assert tokens.regenerate(factories.user("fresh"))  # a first key can be made by regenerating too


# -- what goes in ------------------------------------------------------------------------------------------


@pytest.fixture
def forum(world):
    """The private community: a member, a facilitator, a hidden topic, a hidden reply and a deleted one."""
    target, topic = world["targets"]["private"], world["topics"]["private"]
    member = factories.user("member")
    factories.membership(target, member, "active")
    facilitator = factories.user("facilitator")
    factories.membership(target, facilitator, "active", "facilitator")
    as_facilitator, as_member = access.Access(facilitator), access.Access(member)
    hidden_topic = services.start_topic(as_member, target, "Quokka hidden topic", "<p>Off topic.</p>")
    services.set_topic_hidden(as_facilitator, hidden_topic, True, "spam")
    hidden = services.reply(as_member, topic, "<p>quokka-hidden-reply</p>")
    services.set_post_hidden(as_facilitator, hidden, True, "rude")
    deleted = services.reply(as_member, topic, "<p>quokka-deleted-reply</p>")
    services.delete_post(access.Access(member), deleted)
    services.reply(as_member, topic, "<p>quokka-visible-reply</p>")
    return {
        "community": target,
        "topic": topic,
        "hidden_topic": hidden_topic,
        "member": member,
        "facilitator": facilitator,
    }


@pytest.mark.parametrize("role", ["member", "facilitator"])
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_hidden_and_deleted_posts_are_never_in_feeds(client, forum, role, kind):
    client.force_login(forum[role])
    for url in (forum_feed_url(forum["community"], kind), topic_feed_url(forum["topic"], kind)):
        body = client.get(url).content.decode()
        assert "quokka-visible-reply" in body
        assert "quokka-hidden-reply" not in body
        assert "quokka-deleted-reply" not in body
    assert "Quokka hidden topic" not in client.get(forum_feed_url(forum["community"], kind)).content.decode()


@pytest.mark.parametrize("role, expected", [("member", 404), ("facilitator", 200)])
@pytest.mark.parametrize("with_key", [False, True])
def test_a_hidden_topics_feed_is_for_moderators_only(client, forum, role, expected, with_key):
    url = topic_feed_url(forum["hidden_topic"])
    if with_key:
        response = Client().get(url, {"token": tokens.token_for(forum[role])})
    else:
        client.force_login(forum[role])
        response = client.get(url)
    assert response.status_code == expected


HOSTILE = '<script>alert(1)</script> & "Q&A"'


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_are_well_formed_and_hostile_titles_stay_text(client, forum, kind):
    # Members type entities; the stored title is plain text that happens to contain markup characters.
    topic = services.start_topic(
        access.Access(forum["member"]),
        forum["community"],
        '&lt;script&gt;alert(1)&lt;/script&gt; &amp; "Q&amp;A"',
        "<p>Hello <script>alert(2)</script><img src=x onerror=alert(3)></p>",
    )
    assert topic.title == HOSTILE
    client.force_login(forum["member"])
    for url in (forum_feed_url(forum["community"], kind), topic_feed_url(topic, kind)):
        response = client.get(url)
        assert b"<script" not in response.content
        assert b"onerror" not in response.content
        root = xml(response.content)  # well-formed XML
        if kind == "rss":
            item = next(root.iter("item"))
            # RSS readers treat titles as HTML, so the title is escaped HTML text.
            assert item.findtext("title") == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&amp;A&quot;"
            description = item.findtext("description")
            assert root.find("channel/link").text.startswith("http://testserver/")
        else:
            item = next(root.iter(f"{ATOM}entry"))
            title = item.find(f"{ATOM}title")
            # An Atom title is a text construct: a reader shows it as the characters, never as markup.
            assert title.get("type", "text") == "text" and title.text == HOSTILE
            description = item.findtext(f"{ATOM}summary")
            assert item.find(f"{ATOM}summary").get("type") == "html"
        # The sanitised body, as HTML text inside the XML: no script, no event handlers.
        assert description.startswith("<p>Hello") and "<script" not in description
        assert "onerror" not in description


def test_item_details(client, forum):
    client.force_login(forum["member"])
    root = xml(client.get(forum_feed_url(forum["community"])).content)
    items = list(root.iter("item"))
    topic = forum["topic"]
    first = items[0]  # newest first: the last reply
    assert first.findtext("title") == f"Re: {topic.title}"
    reply = topic.posts.filter(body__contains="quokka-visible-reply").get()
    assert first.findtext("link") == f"http://testserver{forum['community'].url}forum/posts/{reply.pk}/"
    assert first.find("guid").get("isPermaLink") == "false"
    assert first.findtext("pubDate")
    assert factories.name_of(forum["member"]) in (
        first.findtext("{http://purl.org/dc/elements/1.1/}creator") or first.findtext("author")
    )
    guids = [item.findtext("guid") for item in items]
    assert len(guids) == len(set(guids))
    assert [item.findtext("title") for item in items][-1] == topic.title  # the opening post, oldest


@pytest.mark.parametrize("which", ["forum", "topic"])
def test_feed_headers(client, forum, which):
    client.force_login(forum["member"])
    url = forum_feed_url(forum["community"]) if which == "forum" else topic_feed_url(forum["topic"], "rss")
    for response in (client.get(url), Client().get(url, {"token": tokens.token_for(forum["member"])})):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/rss+xml")
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"


def test_feeds_carry_at_most_30_posts(client, forum):
    client.force_login(forum["member"])
    policy = access.Access(forum["member"])
    for number in range(35):
        services.reply(policy, forum["topic"], f"<p>Reply {number}</p>")
    assert len(titles(client.get(forum_feed_url(forum["community"])))) == feeds.FEED_SIZE
    # A topic feed: the opening post and the latest 30 replies.
    topic_titles = titles(client.get(topic_feed_url(forum["topic"])))
    assert len(topic_titles) == feeds.FEED_SIZE + 1
    assert topic_titles[-1] == forum["topic"].title


@pytest.mark.parametrize("which", ["forum", "topic"])
@pytest.mark.parametrize("with_key", [False, True])
def test_feed_query_count_does_not_grow_with_posts(forum, which, with_key):
    member = forum["member"]
    policy = access.Access(member)
    url = forum_feed_url(forum["community"]) if which == "forum" else topic_feed_url(forum["topic"])
    client = Client()
    query = {}
    if with_key:
        query = {"token": tokens.token_for(member)}
    else:
        client.force_login(member)

    def count():
        client.get(url, query)  # warm caches (site root paths, content types)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        return len(queries)

    for number in range(5):
        services.reply(policy, forum["topic"], f"<p>Few {number}</p>")
    few = count()
    for number in range(35):
        services.reply(policy, forum["topic"], f"<p>Many {number}</p>")
    assert count() == few


# -- links to feeds on pages ------------------------------------------------------------------------------


def _request(user, community):
    request = RequestFactory().get(community.url)
    request.user = user
    return request


@pytest.mark.parametrize(
    "visibility, allow_anonymous, signed_in, keyed",
    [
        ("private", False, True, True),
        ("restricted", False, True, True),
        ("open", False, True, True),  # signed-out readers see nothing on this site
        ("open", True, True, False),  # anyone may read it: a plain address
        ("restricted", True, True, True),
        ("open", True, False, False),  # an anonymous visitor has no key
    ],
)
def test_feed_links_carry_a_key_only_when_needed(world, visibility, allow_anonymous, signed_in, keyed):
    from django.contrib.auth.models import AnonymousUser

    community, topic = world["targets"][visibility], world["topics"][visibility]
    person = factories.user("viewer") if signed_in else AnonymousUser()
    with override_settings(KHUB_ALLOW_ANONYMOUS=allow_anonymous):
        for links in (
            feeds.feed_links(_request(person, community), community),
            feeds.feed_links(_request(person, community), community, topic),
        ):
            assert [link["type"] for link in links] == ["application/rss+xml", "application/atom+xml"]
            for link in links:
                assert link["href"].startswith("http://testserver/") and link["title"]
                assert ("?token=" in link["href"]) is keyed
                if keyed:
                    assert link["href"].endswith("?token=" + FeedToken.objects.get(user=person).key)
    if not signed_in:
        assert not FeedToken.objects.exists()


@pytest.mark.parametrize("allow_anonymous", [False, True])
def test_feed_links_create_the_key_once_per_request(world, allow_anonymous):
    community = world["targets"]["private"]
    request = _request(factories.user("viewer"), community)
    with override_settings(KHUB_ALLOW_ANONYMOUS=allow_anonymous):
        access.for_request(request).tree  # noqa: B018 - the page has loaded the policy already
        with CaptureQueriesContext(connection) as queries:
            feeds.feed_links(request, community)
        # The site's root paths (once per request, as any page) and the key: look it up, create it.
        assert len(queries) <= 5
        with CaptureQueriesContext(connection) as queries:
            feeds.feed_links(request, community, world["topics"]["private"])
            feeds.feed_links(request, world["targets"]["open"])
        assert len(queries) == 0


def test_the_forum_page_links_its_feeds(client, forum):
    client.force_login(forum["member"])
    html = client.get(forum["community"].url + "forum/").content.decode()
    key = tokens.token_for(forum["member"])
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert f"forum/feed/rss/?token={key}" in html


# -- "My feeds" -------------------------------------------------------------------------------------------


MY_FEEDS = "/khub/my/feeds/"
NEW_ADDRESS = "/khub/my/feeds/new-address/"


def test_my_feeds_needs_sign_in(client):
    for url in (MY_FEEDS, NEW_ADDRESS):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(NEW_ADDRESS).status_code == 302


@pytest.mark.parametrize(
    "role, listed",
    [
        ("nonmember", {"open"}),
        ("member", {"open", "private"}),
        ("removed", {"open"}),
        ("invited", {"open"}),
        ("moderator", {"open", "restricted", "private", "private-sub"}),
    ],
)
def test_my_feeds_lists_the_communities_i_can_read(client, world, role, listed):
    person = factories.person_for(world, "private", role)
    client.force_login(person)
    html = client.get(MY_FEEDS).content.decode()
    key = FeedToken.objects.get(user=person).key
    for name, target in world["targets"].items():
        url = f"http://testserver{target.url}forum/feed/atom/?token={key}"
        assert (url in html) is (name in listed), name
        assert (f">{target.title}</a>" in html) is (name in listed), name
    assert "like a password" in html


def test_my_feeds_leaves_out_communities_without_feeds(client, directory):
    person = factories.user("person")
    quiet = factories.community(directory, "Quiet place", "open", tools=[])
    factories.membership(quiet, person)
    client.force_login(person)
    html = client.get(MY_FEEDS).content.decode()
    assert "Quiet place" not in html


def test_my_feeds_is_paginated_with_constant_queries(client, directory):
    person = factories.user("person")
    client.force_login(person)

    def count(page=1):
        client.get(MY_FEEDS)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(MY_FEEDS, {"page": page})
        assert response.status_code == 200
        return len(queries), response.content.decode()

    for number in range(3):
        factories.community(directory, f"Few {number}", "open")
    few, _ = count()
    for number in range(22):
        factories.community(directory, f"Many {number:02}", "open")
    many, html = count()
    assert many == few
    assert html.count("forum/feed/rss/?token=") == 20
    _, second = count(page=2)
    assert second.count("forum/feed/rss/?token=") == 5


def test_a_new_feed_address_replaces_the_old_one(client, world, member):
    client.force_login(member)
    old = tokens.token_for(member)
    feed = forum_feed_url(world["targets"]["private"])
    confirm = client.get(NEW_ADDRESS)
    assert confirm.status_code == 200 and "stop working" in confirm.content.decode()
    assert tokens.token_for(member) == old  # looking at the warning changes nothing
    response = client.post(NEW_ADDRESS, follow=True)
    new = FeedToken.objects.get(user=member).key
    assert new != old
    html = response.content.decode()
    assert "You have a new feed address" in html
    assert f"?token={new}" in html and f"?token={old}" not in html
    assert Client().get(feed, {"token": old}).status_code == 404
    assert Client().get(feed, {"token": new}).status_code == 200


def test_a_new_feed_address_needs_the_csrf_token(world, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    old = tokens.token_for(member)
    assert client.post(NEW_ADDRESS).status_code == 403
    assert FeedToken.objects.get(user=member).key == old
    # The form on the confirmation page carries it.
    client.get(NEW_ADDRESS)
    csrf = client.cookies["csrftoken"].value
    assert client.post(NEW_ADDRESS, {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert FeedToken.objects.get(user=member).key != old


def test_my_communities_links_my_feeds(client, member):
    client.force_login(member)
    assert f'href="{MY_FEEDS}"' in client.get("/khub/my-communities/").content.decode()
