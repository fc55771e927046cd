"""Who may read, post in and moderate a forum: every forum surface x every role x every visibility.

Two explicit tables, one row per (visibility, role), every cell checked:

* READ: what a person gets when *reading* the target community's forum, and whether its topic reaches them
  through the site-wide panels;
* ACT: what they get when they try to *take part* or *moderate*.

Targets (all with the forum switched on, each with one topic by another member and one reply to it):

* ``open``, ``restricted``, ``private``: sub-communities of an open "network";
* ``sub``: an *open* sub-community of a *restricted* parent ("Gate"). The page model refuses to save a
  sub-community more open than its parent, so the fixture lowers it with a queryset update, as legacy or
  imported data could: the policy must still hide it from whoever cannot read the parent
  (DESIGN.md section 3: "seeing its content requires being able to see the parent's").

Roles are relative to the target: ``anonymous``, ``nonmember`` (signed in), ``requested``, ``invited``,
``member``, ``facilitator``, ``moderator`` (the site moderator permission, no membership anywhere) and
``removed``. For ``sub`` the membership state is held in both the restricted parent and the sub-community,
and two more rows check the parent rule itself: ``parentmember`` (an active member of the parent only: the
sub-community is open to them) and ``orphan`` (an active member of the sub-community who is not a member of
its parent: they see nothing of it).

Cells:

* ``200``: the page, showing the target's topic where it should (``list``: the forum's topic list,
  ``topic``: the topic page, ``link``: the reply's permalink, followed to the topic page and the post);
* ``login``: sent to sign in; ``landing``: sent to the community's home page ("join first" or "only members
  can see that"); ``403``, ``404``: the status; ``posted``: the reply or topic was created;
* ``yes``/``-``: the topic page carries a reply form (``form``); the topic's title is in What's happening
  (``activity``), in the "Latest discussions" panel of the community's home page (``home``: or the status of
  the home page when it is not shown), in a ``LatestDiscussionsBlock`` with the community chosen (``block``)
  or left empty ("my communities", ``mine``).

A restricted community's forum is a 404 for non-members (``CommunityPage.serve`` refuses every feature route
when ``can_view`` is false), while its "members only" core pages (here the moderation log) send them to the
landing page. A private community is a 404 to all but members and invitees.

Also here: the same tables with ``KHUB_ALLOW_ANONYMOUS = True``; a forum switched off; hidden topics; one
community's topic and post ids asked for under another community's address; quoting hidden, deleted or
foreign posts; and a check that each table really catches a leak (the access policy broken on purpose, one
rule at a time, must change a named row).

Feeds are in tests/test_forum_feeds.py and the site-wide search in tests/test_search.py, with the same roles.
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory, override_settings
from wagtail.models import Site

from khub_plugin.communities import access, privacy
from khub_plugin.communities.access import Access
from khub_plugin.communities.models import Activity, CommunityIndexPage, CommunityPage
from khub_plugin.forums import services
from khub_plugin.forums.blocks import LatestDiscussionsBlock
from khub_plugin.forums.models import Post, Subscription, Topic
from tests import factories

pytestmark = pytest.mark.django_db

READ_TABLE = """
visibility  role          list    topic   link    form  activity  home    block  mine
open        anonymous     login   login   login   -     login     login   -      -
open        nonmember     200     200     200     -     yes       yes     yes    -
open        requested     200     200     200     -     yes       yes     yes    -
open        invited       200     200     200     -     yes       yes     yes    -
open        member        200     200     200     yes   yes       yes     yes    yes
open        facilitator   200     200     200     yes   yes       yes     yes    yes
open        moderator     200     200     200     yes   yes       yes     yes    -
open        removed       200     200     200     -     yes       yes     yes    -
restricted  anonymous     login   login   login   -     login     login   -      -
restricted  nonmember     404     404     404     -     -         -       -      -
restricted  requested     404     404     404     -     -         -       -      -
restricted  invited       404     404     404     -     -         -       -      -
restricted  member        200     200     200     yes   yes       yes     yes    yes
restricted  facilitator   200     200     200     yes   yes       yes     yes    yes
restricted  moderator     200     200     200     yes   yes       yes     yes    -
restricted  removed       404     404     404     -     -         -       -      -
private     anonymous     login   login   login   -     login     login   -      -
private     nonmember     404     404     404     -     -         404     -      -
private     requested     404     404     404     -     -         404     -      -
private     invited       404     404     404     -     -         -       -      -
private     member        200     200     200     yes   yes       yes     yes    yes
private     facilitator   200     200     200     yes   yes       yes     yes    yes
private     moderator     200     200     200     yes   yes       yes     yes    -
private     removed       404     404     404     -     -         404     -      -
sub         anonymous     login   login   login   -     login     login   -      -
sub         nonmember     404     404     404     -     -         404     -      -
sub         requested     404     404     404     -     -         404     -      -
sub         invited       404     404     404     -     -         404     -      -
sub         member        200     200     200     yes   yes       yes     yes    yes
sub         facilitator   200     200     200     yes   yes       yes     yes    yes
sub         moderator     200     200     200     yes   yes       yes     yes    -
sub         removed       404     404     404     -     -         404     -      -
sub         parentmember  200     200     200     -     yes       yes     yes    -
sub         orphan        404     404     404     -     -         404     -      -
"""

# rpage: GET <forum>/<pk>/reply/; new: GET <forum>/new/; reply: POST a reply; start: POST a new topic;
# hide: GET <forum>/<pk>/hide/ (the moderation form); mlog: GET manage/moderation/ (the moderation log).
ACT_TABLE = """
visibility  role          rpage   new     reply   start   hide    mlog
open        anonymous     login   login   login   login   login   login
open        nonmember     landing landing landing landing 403     landing
open        requested     landing landing landing landing 403     landing
open        invited       landing landing landing landing 403     landing
open        member        200     200     posted  posted  403     landing
open        facilitator   200     200     posted  posted  200     200
open        moderator     200     200     posted  posted  200     200
open        removed       landing landing landing landing 403     landing
restricted  anonymous     login   login   login   login   login   login
restricted  nonmember     404     404     404     404     404     landing
restricted  requested     404     404     404     404     404     landing
restricted  invited       404     404     404     404     404     landing
restricted  member        200     200     posted  posted  403     landing
restricted  facilitator   200     200     posted  posted  200     200
restricted  moderator     200     200     posted  posted  200     200
restricted  removed       404     404     404     404     404     landing
private     anonymous     login   login   login   login   login   login
private     nonmember     404     404     404     404     404     404
private     requested     404     404     404     404     404     404
private     invited       404     404     404     404     404     landing
private     member        200     200     posted  posted  403     landing
private     facilitator   200     200     posted  posted  200     200
private     moderator     200     200     posted  posted  200     200
private     removed       404     404     404     404     404     404
sub         anonymous     login   login   login   login   login   login
sub         nonmember     404     404     404     404     404     404
sub         requested     404     404     404     404     404     404
sub         invited       404     404     404     404     404     404
sub         member        200     200     posted  posted  403     landing
sub         facilitator   200     200     posted  posted  200     200
sub         moderator     200     200     posted  posted  200     200
sub         removed       404     404     404     404     404     404
sub         parentmember  landing landing landing landing 403     landing
sub         orphan        404     404     404     404     404     404
"""

# KHUB_ALLOW_ANONYMOUS = True: an anonymous visitor reads what a signed-in non-member reads, gets no reply
# form and cannot post: taking part sends them to sign in (forums.views._join_first).
ANONYMOUS_READ_TABLE = """
visibility  role          list    topic   link    form  activity  home    block  mine
open        anonymous     200     200     200     -     yes       yes     yes    -
restricted  anonymous     404     404     404     -     -         -       -      -
private     anonymous     404     404     404     -     -         404     -      -
sub         anonymous     404     404     404     -     -         404     -      -
"""
ANONYMOUS_ACT_TABLE = """
visibility  role          rpage   new     reply   start   hide    mlog
open        anonymous     login   login   login   login   403     landing
restricted  anonymous     404     404     404     404     404     landing
private     anonymous     404     404     404     404     404     404
sub         anonymous     404     404     404     404     404     404
"""

# A forum switched off in an (open) community that has topics: its routes are a 404 for everyone, and its
# topics leave the panels.
SWITCHED_OFF_TABLE = """
role          list    topic   link    rpage   new     reply   hide    home    block
anonymous     login   login   login   login   login   login   login   login   -
nonmember     404     404     404     404     404     404     404     -       -
member        404     404     404     404     404     404     404     -       -
facilitator   404     404     404     404     404     404     404     -       -
moderator     404     404     404     404     404     404     404     -       -
"""


READ, ACT = factories.parse_table(READ_TABLE), factories.parse_table(ACT_TABLE)
ANONYMOUS_READ = factories.parse_table(ANONYMOUS_READ_TABLE)
ANONYMOUS_ACT = factories.parse_table(ANONYMOUS_ACT_TABLE)
SWITCHED_OFF = factories.parse_role_table(SWITCHED_OFF_TABLE)
assert list(READ) == list(ACT) and list(ANONYMOUS_READ) == list(ANONYMOUS_ACT)


# -- the world: built once for the module and rolled back at its end ----------------------------------------
# Each test runs in its own savepoint inside it (pytest-django's ``django_db``), so its changes go with it.


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        home = Site.objects.get(is_default_site=True).root_page
        directory = home.add_child(
            instance=CommunityIndexPage(title="All communities", slug="communities", intro="<p>x</p>")
        )
        privacy.sync(directory)
        built = factories.role_world(
            directory,
            "Target",
            "target",
            parent=("Gate", "gate"),
            sub="sub",
            sub_visibility="restricted",
            slugs={"restricted": "target-res"},
        )
        gate, targets = built["parents"]["sub"], built["targets"]
        # Open under a restricted parent: not possible through the page editor (see the module docstring).
        CommunityPage.objects.filter(pk=targets["sub"].pk).update(visibility="open")
        targets["sub"].refresh_from_db()
        quiet = factories.community(directory, "Quiet", "open", slug="quiet")
        owner = factories.user("owner")
        factories.membership(gate, owner, "active")
        topics, replies = {}, {}
        for name, target in [*targets.items(), ("quiet", quiet)]:
            factories.membership(target, owner, "active")
            topics[name] = factories.topic(target, owner, f"Quokka thread {name}", replies=1)
            replies[name] = Post.objects.get(topic=topics[name], is_opening=False)
        # Switched off after its topic was written (as a facilitator does on the Manage page).
        CommunityPage.objects.filter(pk=quiet.pk).update(tools=[])
        quiet.refresh_from_db()
        yield {
            "gate": gate.pk,
            "targets": {name: target.pk for name, target in targets.items()},
            "quiet": quiet.pk,
            "topics": {name: topic.pk for name, topic in topics.items()},
            "replies": {name: reply.pk for name, reply in replies.items()},
        }
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world):
    """The module's world as fresh objects: what one test does to them in memory never reaches the next."""
    communities = CommunityPage.objects.in_bulk([module_world["gate"], module_world["quiet"]])
    communities.update(CommunityPage.objects.in_bulk(module_world["targets"].values()))
    topics = Topic.objects.select_related("author").in_bulk(module_world["topics"].values())
    replies = Post.objects.in_bulk(module_world["replies"].values())
    return {
        "parents": {"sub": communities[module_world["gate"]]},
        "quiet": communities[module_world["quiet"]],
        "targets": {name: communities[pk] for name, pk in module_world["targets"].items()},
        "topics": {name: topics[pk] for name, pk in module_world["topics"].items()},
        "replies": {name: replies[pk] for name, pk in module_world["replies"].items()},
    }


def person_for(world, visibility, role):
    """The user playing ``role`` towards the target community (None for anonymous); ``quiet`` is the
    community whose forum is switched off. For ``sub`` the membership state is held in the parent too."""
    if visibility == "quiet":
        return factories.person_with_role(role, world["quiet"])
    return factories.person_for(world, visibility, role, same_state_in_parent=True)


# -- observing -----------------------------------------------------------------------------------------------


def page_status(response, community, must_contain):
    """``200`` only if the page shows what it should (``must_contain``); otherwise what it was."""
    if response.status_code == 200:
        return "200" if must_contain in response.content.decode() else "200-without-the-topic"
    return factories.response_outcome(response, community)


def render_block(person, community):
    request = RequestFactory().get("/some-intranet-page/")
    request.user = person or AnonymousUser()
    block = LatestDiscussionsBlock()
    value = block.to_python(
        {"heading": "Latest discussions", "community": community.pk if community else None, "count": 5}
    )
    return block.render(value, context={"request": request})


def forum_panel(html):
    """The "Latest discussions" section of a community home page, or ``""``."""
    match = re.search(r'<section aria-labelledby="khub-forum-panel-title">.*?</section>', html, flags=re.S)
    return match.group(0) if match else ""


def observe_reading(client, person, community, topic, reply):
    forum = community.url + "forum/"
    title = topic.title
    seen = {
        "list": page_status(client.get(forum), community, title),
    }
    topic_page = client.get(f"{forum}{topic.pk}/")
    seen["topic"] = page_status(topic_page, community, title)
    link = client.get(f"{forum}posts/{reply.pk}/")
    if link.status_code == 302 and link["Location"] == f"{forum}{topic.pk}/#post-{reply.pk}":
        seen["link"] = page_status(
            client.get(link["Location"].split("#")[0]), community, f'id="post-{reply.pk}"'
        )
    else:
        seen["link"] = factories.response_outcome(link, community)
    reply_form = f'<form method="post" action="{forum}{topic.pk}/reply/"'
    seen["form"] = (
        "yes" if topic_page.status_code == 200 and reply_form in topic_page.content.decode() else "-"
    )
    activity = client.get("/khub/whats-happening/")
    if activity.status_code == 200:
        seen["activity"] = "yes" if title in activity.content.decode() else "-"
    else:
        seen["activity"] = factories.response_outcome(activity, community)
    landing = client.get(community.url)
    if landing.status_code == 200:
        seen["home"] = "yes" if title in forum_panel(landing.content.decode()) else "-"
    else:
        seen["home"] = factories.response_outcome(landing, community)
    seen["block"] = "yes" if title in render_block(person, community) else "-"
    seen["mine"] = "yes" if title in render_block(person, None) else "-"
    return seen


def observe_acting(client, community, topic):
    forum = community.url + "forum/"
    seen = {
        "rpage": page_status(client.get(f"{forum}{topic.pk}/reply/"), community, topic.title),
        "new": page_status(client.get(f"{forum}new/"), community, 'name="title"'),
    }
    posts = Post.objects.filter(topic=topic).count()
    response = client.post(f"{forum}{topic.pk}/reply/", {"body": "<p>Tried to reply.</p>"})
    if Post.objects.filter(topic=topic).count() == posts + 1:
        reply = Post.objects.filter(topic=topic).latest("pk")
        assert response["Location"] == f"{forum}posts/{reply.pk}/"
        seen["reply"] = "posted"
    else:
        assert Post.objects.filter(topic=topic).count() == posts
        seen["reply"] = factories.response_outcome(response, community)
    topics = Topic.objects.filter(community=community).count()
    response = client.post(f"{forum}new/", {"title": "Tried to start a topic", "body": "Hello"})
    if Topic.objects.filter(community=community).count() == topics + 1:
        started = Topic.objects.filter(community=community).latest("pk")
        assert response["Location"] == f"{forum}{started.pk}/"
        seen["start"] = "posted"
    else:
        assert Topic.objects.filter(community=community).count() == topics
        seen["start"] = factories.response_outcome(response, community)
    seen["hide"] = page_status(client.get(f"{forum}{topic.pk}/hide/"), community, "Hide this topic")
    seen["mlog"] = page_status(client.get(community.url + "manage/moderation/"), community, "Moderation log")
    return seen


def observe(client, world, visibility, person):
    target, topic, reply = (world[key][visibility] for key in ("targets", "topics", "replies"))
    if person is not None:
        client.force_login(person)
    # Reading first: what acting adds (a reply, a topic) must not change what reading finds.
    reading = observe_reading(client, person, target, topic, reply)
    acting = observe_acting(client, target, topic)
    return reading, acting


# -- the tables ----------------------------------------------------------------------------------------------

ROWS = list(READ)


@pytest.mark.parametrize("visibility, role", ROWS, ids=[f"{v}-{r}" for v, r in ROWS])
def test_forum_access(client, world, visibility, role):
    person = person_for(world, visibility, role)
    reading, acting = observe(client, world, visibility, person)
    assert reading == READ[(visibility, role)]
    assert acting == ACT[(visibility, role)]


ANONYMOUS_ROWS = list(ANONYMOUS_READ)


@pytest.mark.parametrize("visibility, role", ANONYMOUS_ROWS, ids=[v for v, _ in ANONYMOUS_ROWS])
def test_forum_access_when_the_site_lets_anonymous_visitors_in(client, world, visibility, role):
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        reading, acting = observe(client, world, visibility, None)
        assert reading == ANONYMOUS_READ[(visibility, role)]
        assert acting == ANONYMOUS_ACT[(visibility, role)]


def test_anonymous_readers_get_no_form_and_no_way_to_post(client, world):
    """KHUB_ALLOW_ANONYMOUS = True: the open forum is readable, with no "Start a topic", no reply form, no
    "Reply"/"Quote" links and no follow button; posting is refused and nothing is written."""
    target, topic = world["targets"]["open"], world["topics"]["open"]
    forum = target.url + "forum/"
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        listing = client.get(forum).content.decode()
        page = client.get(f"{forum}{topic.pk}/").content.decode()
        assert topic.title in listing and topic.title in page
        assert f"{forum}new/" not in listing and "Follow this forum" not in listing
        for absent in ('name="body"', "/reply/", "Follow this topic", "/hide/", "/edit/"):
            assert absent not in page, absent
        before = (Post.objects.count(), Topic.objects.count(), Activity.objects.count())
        client.post(f"{forum}{topic.pk}/reply/", {"body": "<p>Drive-by</p>"})
        client.post(f"{forum}new/", {"title": "Drive-by", "body": "<p>Drive-by</p>"})
        client.post(f"{forum}{topic.pk}/tags/", {"tags": "drive-by"})
        client.post(f"{forum}follow/")
        assert (Post.objects.count(), Topic.objects.count(), Activity.objects.count()) == before
        assert not topic.tags.exists()


def observe_switched_off(client, world, person):
    community, topic, reply = world["quiet"], world["topics"]["quiet"], world["replies"]["quiet"]
    forum = community.url + "forum/"
    if person is not None:
        client.force_login(person)
    seen = {
        "list": factories.response_outcome(client.get(forum), community),
        "topic": factories.response_outcome(client.get(f"{forum}{topic.pk}/"), community),
        "link": factories.response_outcome(client.get(f"{forum}posts/{reply.pk}/"), community),
        "rpage": factories.response_outcome(client.get(f"{forum}{topic.pk}/reply/"), community),
        "new": factories.response_outcome(client.get(f"{forum}new/"), community),
    }
    posts = Post.objects.count()
    seen["reply"] = factories.response_outcome(
        client.post(f"{forum}{topic.pk}/reply/", {"body": "<p>x</p>"}), community
    )
    assert Post.objects.count() == posts
    seen["hide"] = factories.response_outcome(client.get(f"{forum}{topic.pk}/hide/"), community)
    landing = client.get(community.url)
    if landing.status_code == 200:
        seen["home"] = "yes" if topic.title in forum_panel(landing.content.decode()) else "-"
    else:
        seen["home"] = factories.response_outcome(landing, community)
    seen["block"] = "yes" if topic.title in render_block(person, community) else "-"
    return seen


@pytest.mark.parametrize("role", list(SWITCHED_OFF))
def test_a_forum_switched_off_is_gone_for_everyone(client, world, role):
    person = person_for(world, "quiet", role)
    assert observe_switched_off(client, world, person) == SWITCHED_OFF[role]


def test_my_communities_block_leaves_out_a_switched_off_forum_of_my_only_community(world):
    member = person_for(world, "quiet", "member")
    assert world["topics"]["quiet"].title not in render_block(member, None)


@pytest.mark.parametrize("page", ["whats-happening", "home"])
def test_activity_leaves_out_a_switched_off_forum(client, world, page):
    client.force_login(person_for(world, "quiet", "member"))
    url = "/khub/whats-happening/" if page == "whats-happening" else world["quiet"].url
    assert world["topics"]["quiet"].title not in client.get(url).content.decode()


def test_my_communities_block_leaves_out_a_switched_off_forum_among_several(world):
    member = person_for(world, "quiet", "member")
    factories.membership(world["targets"]["open"], member, "active")
    html = render_block(member, None)
    assert world["topics"]["open"].title in html
    assert world["topics"]["quiet"].title not in html


# -- hidden topics: for moderators' eyes only ----------------------------------------------------------------
# The open target's topic, hidden by a moderator. ``list``: the topic is in the forum's list; ``author``:
# the member who started it. What's happening and the panels drop it for everyone (its activity is withdrawn).

HIDDEN_TABLE = """
role          list    topic   link    activity  home    block
nonmember     -       404     404     -         -       -
member        -       404     404     -         -       -
author        -       404     404     -         -       -
facilitator   yes     200     200     -         -       -
moderator     yes     200     200     -         -       -
"""
HIDDEN = factories.parse_role_table(HIDDEN_TABLE)


@pytest.mark.parametrize("role", list(HIDDEN))
def test_a_hidden_topic_is_for_moderators_only(client, world, role):
    community, topic, reply = (world[key]["open"] for key in ("targets", "topics", "replies"))
    services.set_topic_hidden(Access(factories.moderator("hider")), topic, True, "Personal data")
    person = topic.author if role == "author" else person_for(world, "open", role)
    client.force_login(person)
    forum = community.url + "forum/"
    listing = client.get(forum)
    seen = {
        "list": "yes" if listing.status_code == 200 and topic.title in listing.content.decode() else "-",
        "topic": page_status(client.get(f"{forum}{topic.pk}/"), community, topic.title),
    }
    link = client.get(f"{forum}posts/{reply.pk}/")
    followed = client.get(link["Location"].split("#")[0]) if link.status_code == 302 else link
    seen["link"] = page_status(followed, community, f'id="post-{reply.pk}"')
    seen["activity"] = "yes" if topic.title in client.get("/khub/whats-happening/").content.decode() else "-"
    seen["home"] = "yes" if topic.title in forum_panel(client.get(community.url).content.decode()) else "-"
    seen["block"] = "yes" if topic.title in render_block(person, community) else "-"
    assert seen == HIDDEN[role]


# -- one community's ids through another community's address ------------------------------------------------
# A topic or post id of the private target asked for under the open target's forum: never shown, never
# redirected to for someone who may not read it, never changed.

CROSS_PATHS = [
    ("GET", "{topic}/"),
    ("GET", "{topic}/reply/"),
    ("POST", "{topic}/reply/"),
    ("GET", "{topic}/hide/"),
    ("POST", "{topic}/tags/"),
    ("POST", "{topic}/follow/"),
    ("GET", "{topic}/feed/rss/"),
    ("GET", "posts/{post}/"),
    ("GET", "posts/{post}/edit/"),
    ("POST", "posts/{post}/delete/"),
    ("GET", "posts/{post}/history/"),
    ("POST", "posts/{post}/answer/"),
    ("GET", "posts/{post}/hide/"),
]


@pytest.mark.parametrize("method, path", CROSS_PATHS, ids=[f"{m}-{p}" for m, p in CROSS_PATHS])
@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_ids_of_a_private_forum_are_404_under_another_community(client, world, role, method, path):
    """``role`` of the open target only: nothing of the private target's topic, whatever the id says."""
    person = person_for(world, "open", role)
    client.force_login(person)
    private_topic, private_reply = world["topics"]["private"], world["replies"]["private"]
    url = world["targets"]["open"].url + "forum/" + path.format(topic=private_topic.pk, post=private_reply.pk)
    before = (Post.objects.count(), private_topic.tags.count(), Activity.objects.count())
    data = {"body": "<p>x</p>", "tags": "x", "reason": "x"}
    response = client.post(url, data) if method == "POST" else client.get(url)
    assert response.status_code == 404
    assert private_topic.title.encode() not in response.content
    assert (Post.objects.count(), private_topic.tags.count(), Activity.objects.count()) == before
    assert not Subscription.objects.filter(user=person, topic=private_topic).exists()


# -- quoting: only what the person may read -----------------------------------------------------------------


def test_quoting_never_copies_a_hidden_deleted_or_foreign_post(client, world):
    """``reply/?quote=<id>`` pre-fills the form with the quoted text: never that of a hidden or deleted reply,
    nor of a post in another (private) community, whatever id is asked for."""
    topic = world["topics"]["open"]
    author = Access(topic.author)
    hidden = services.reply(author, topic, "<p>Hidden words</p>")
    deleted = services.reply(author, topic, "<p>Deleted words</p>")
    services.set_post_hidden(Access(factories.moderator("hider")), hidden, True, "Rude")
    services.delete_post(author, deleted)
    private = services.reply(
        Access(world["topics"]["private"].author), world["topics"]["private"], "<p>Secret</p>"
    )
    client.force_login(person_for(world, "open", "member"))
    for post, words in [(hidden, "Hidden words"), (deleted, "Deleted words"), (private, "Secret")]:
        for parameter in ("quote", "to"):
            response = client.get(
                f"{world['targets']['open'].url}forum/{topic.pk}/reply/?{parameter}={post.pk}"
            )
            assert response.status_code == 200
            assert words not in response.content.decode(), (words, parameter)


# -- the tables catch leaks ----------------------------------------------------------------------------------
# Each mutation breaks one rule of the access policy the way a real bug would; the named row must then
# disagree with its table. If a mutation went unnoticed, the table would be too coarse to catch that leak.


def _always(value):
    return lambda *args, **kwargs: value


MUTATIONS = {
    # Anyone admitted reads every community's content.
    "can_view is always true": (
        [(access.Access, "can_view", _always(True))],
        ("restricted", "nonmember"),
    ),
    # Private communities are no longer hidden from non-members.
    "can_see is always true": ([(access.Access, "can_see", _always(True))], ("private", "nonmember")),
    # The parent rule is forgotten: a sub-community is judged on its own visibility.
    "the parent is not checked": (
        [(access.Access, "_visibility_if_parent_viewable", lambda self, cid: self.tree[cid][0])],
        ("sub", "nonmember"),
    ),
    # A removed (or requested, invited...) membership counts as an active one.
    "any membership state is active": (
        [(access.Access, "is_member", lambda self, c: self.state(c) is not None)],
        ("restricted", "removed"),
    ),
    # Readers may post.
    "can_participate is always true": (
        [(access.Access, "can_participate", _always(True))],
        ("open", "nonmember"),
    ),
    # Members may moderate.
    "can_moderate is always true": ([(access.Access, "can_moderate", _always(True))], ("open", "member")),
    # Querysets are not filtered (What's happening and friends).
    "filter_visible does not filter": (
        [(access.Access, "filter_visible", lambda self, queryset, community_field="community": queryset)],
        ("private", "invited"),
    ),
    # Anonymous visitors are let in although the site does not allow them.
    "anonymous visitors are admitted": (
        [
            (access, "sign_in_required", _always(None)),
            (access.Access, "admitted", property(_always(True))),
        ],
        ("open", "anonymous"),
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_table_catches_a_leak(client, world, monkeypatch, mutation):
    patches, (visibility, role) = MUTATIONS[mutation]
    person = person_for(world, visibility, role)
    for owner, name, replacement in patches:
        monkeypatch.setattr(owner, name, replacement)
    reading, acting = observe(client, world, visibility, person)
    assert (reading, acting) != (READ[(visibility, role)], ACT[(visibility, role)])
