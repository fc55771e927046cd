"""Search: the site-wide search page (communities and forum) and the forum's search functions.

The access matrix is one explicit table: visibility x role -> whether the community's NAME is found
(``community``), whether its forum topic is found by its title (``topic``), and whether a reply is found by
its text (``reply``). Targets are an open, a restricted and a private community (children of an open
"network") and a restricted sub-community of a restricted parent. Roles are relative to the target; for the
sub-community everyone but the anonymous visitor, the non-member and the site moderator is also an active
member of its parent (as joining requires). ``login``: sent to sign in.

Decision on hidden content: the site-wide search never shows hidden topics, hidden or deleted posts, or posts
of hidden topics, to anyone (moderators included). A forum's own search shows its moderators the hidden
topics by title (``search_topics(include_hidden=True)``); hidden and deleted posts are found by nobody.
"""

import logging
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.search.models import IndexEntry

from khub_plugin.common.highlight import highlight, query_terms, search_string
from khub_plugin.communities import access
from khub_plugin.communities import search as core_search
from khub_plugin.communities.models import CommunityPage
from khub_plugin.forums import search as forum_search
from khub_plugin.forums import services
from khub_plugin.forums.models import Post, Topic
from tests import factories

pytestmark = pytest.mark.django_db

NO_LIMITS = override_settings(KHUB_POST_MIN_INTERVAL_SECONDS=0, KHUB_POSTS_PER_DAY=0)
SEARCH_URL = "/khub/search/"


@pytest.fixture(autouse=True)
def _no_rate_limits():
    with NO_LIMITS:
        yield


def start(author, community, title, body="<p>Opening message.</p>", tags=()):
    return services.start_topic(access.Access(author), community, title, body, tags)


def reply(author, topic, body):
    return services.reply(access.Access(author), Topic.objects.get(pk=topic.pk), body)


def page_html(client, query, **params):
    response = client.get(SEARCH_URL, {"q": query, **params})
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html):
    """The titles of the results on the page, in order."""
    return re.findall(r'<h3 class="khub-heading-m"><a href="[^"]*">([^<]*)</a></h3>', html)


def results(html):
    """``[(kind label, title)]`` of the results on the page."""
    items = re.findall(r"<li class=\"khub-card khub-search-result.*?</li>", html, flags=re.S)
    found = []
    for item in items:
        title = re.search(r'<h3 class="khub-heading-m"><a href="[^"]*">([^<]*)</a></h3>', item).group(1)
        label = re.search(r'<span class="khub-tag">([^<]*)</span>', item).group(1)
        found.append((label, title))
    return found


# -- the access matrix ---------------------------------------------------------------------------------------

EXPECTED_TABLE = """
visibility      role         community topic reply
open            anonymous    login     login login
open            nonmember    yes       yes   yes
open            requested    yes       yes   yes
open            invited      yes       yes   yes
open            member       yes       yes   yes
open            facilitator  yes       yes   yes
open            moderator    yes       yes   yes
open            removed      yes       yes   yes
restricted      anonymous    login     login login
restricted      nonmember    yes       -     -
restricted      requested    yes       -     -
restricted      invited      yes       -     -
restricted      member       yes       yes   yes
restricted      facilitator  yes       yes   yes
restricted      moderator    yes       yes   yes
restricted      removed      yes       -     -
private         anonymous    login     login login
private         nonmember    -         -     -
private         requested    -         -     -
private         invited      yes       -     -
private         member       yes       yes   yes
private         facilitator  yes       yes   yes
private         moderator    yes       yes   yes
private         removed      -         -     -
restricted-sub  anonymous    login     login login
restricted-sub  nonmember    -         -     -
restricted-sub  requested    yes       -     -
restricted-sub  invited      yes       -     -
restricted-sub  member       yes       yes   yes
restricted-sub  facilitator  yes       yes   yes
restricted-sub  moderator    yes       yes   yes
restricted-sub  removed      yes       -     -
restricted-sub  orphan       -         -     -
"""
# "orphan": an active member of the sub-community who is not (any more) a member of its restricted parent.
# Seeing a sub-community needs the parent's content, so nothing of it is found.

# With KHUB_ALLOW_ANONYMOUS = True an anonymous visitor finds what a signed-in non-member finds.
ANONYMOUS_ALLOWED_TABLE = """
visibility      role         community topic reply
open            anonymous    yes       yes   yes
restricted      anonymous    yes       -     -
private         anonymous    -         -     -
restricted-sub  anonymous    -         -     -
"""


EXPECTED = factories.parse_table(EXPECTED_TABLE)
ANONYMOUS_ALLOWED = factories.parse_table(ANONYMOUS_ALLOWED_TABLE)
TITLES = {"open": "open", "restricted": "restricted", "private": "private", "restricted-sub": "sub"}


@pytest.fixture
def world(directory):
    world = factories.role_world(
        directory,
        "Wombat",
        "wombat",
        parent=("Parent group", "parent-group"),
        sub="restricted-sub",
        sub_visibility="restricted",
    )
    owner = factories.user("owner")
    factories.membership(world["parents"]["restricted-sub"], owner, "active")
    for key, target in world["targets"].items():
        factories.membership(target, owner, "active")
        topic = start(owner, target, f"Quokka {TITLES[key]}", "<p>The opening message.</p>")
        reply(owner, topic, f"<p>A platypus was seen near the {TITLES[key]} pond.</p>")
    return world


def observe(client, visibility):
    name = TITLES[visibility]
    seen = {}
    html = page_html(client, "wombat", kind="communities")
    seen["community"] = (
        "login" if html is None else ("yes" if f"Wombat {name}" in result_titles(html) else "-")
    )
    html = page_html(client, "quokka", kind="forum")
    seen["topic"] = (
        "login" if html is None else ("yes" if ("Topic", f"Quokka {name}") in results(html) else "-")
    )
    html = page_html(client, "platypus", kind="forum")
    seen["reply"] = (
        "login" if html is None else ("yes" if ("Reply", f"Quokka {name}") in results(html) else "-")
    )
    return seen


@pytest.mark.parametrize("visibility, role", list(EXPECTED), ids=[f"{v}-{r}" for v, r in EXPECTED])
def test_access_matrix(client, world, visibility, role):
    person = factories.person_for(world, visibility, role)
    if person is not None:
        client.force_login(person)
    assert observe(client, visibility) == EXPECTED[(visibility, role)]


@pytest.mark.parametrize("visibility, role", list(ANONYMOUS_ALLOWED), ids=[v for v, _ in ANONYMOUS_ALLOWED])
def test_access_matrix_when_the_site_lets_anonymous_visitors_in(client, world, visibility, role):
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        assert observe(client, visibility) == ANONYMOUS_ALLOWED[(visibility, role)]


def test_a_member_finds_only_what_they_may_see_in_one_search(client, world):
    person = factories.person_for(world, "restricted", "member")
    client.force_login(person)
    html = page_html(client, "quokka")
    assert sorted(title for _, title in results(html)) == ["Quokka open", "Quokka restricted"]


# -- hidden, deleted, switched off ---------------------------------------------------------------------------


@pytest.fixture
def forum(directory):
    community = factories.community(directory, "Gardens", "restricted")
    owner, member, facilitator = factories.user("owner"), factories.user("member"), factories.user("fac")
    factories.membership(community, owner)
    factories.membership(community, member)
    factories.membership(community, facilitator, role="facilitator")
    return {"community": community, "owner": owner, "member": member, "facilitator": facilitator}


def site_titles(client, person, query):
    client.force_login(person)
    return [title for _, title in results(page_html(client, query))]


def test_hidden_topic_is_never_in_site_search_but_its_moderators_find_it_in_the_forum(client, forum):
    community, owner = forum["community"], forum["owner"]
    topic = start(owner, community, "Compost heaps", "<p>Turnip tops rot well.</p>")
    reply(owner, topic, "<p>Beetroot leaves too.</p>")
    services.set_topic_hidden(access.Access(forum["facilitator"]), topic, True, "spam")
    moderator = factories.moderator()
    for person in (forum["member"], forum["facilitator"], moderator):
        assert site_titles(client, person, "compost") == []
        assert site_titles(client, person, "turnip") == []
        assert site_titles(client, person, "beetroot") == []
    assert forum_search.search_topics("compost", [community.pk]) == []
    assert forum_search.search_topics("compost", [community.pk], include_hidden=True) == [topic]
    assert forum_search.search_posts("beetroot", [community.pk]) == []
    assert forum_search.search_topic_ids("compost", [community.pk]) == set()
    assert forum_search.search_topic_ids("compost", [community.pk], include_hidden=True) == {topic.pk}


def test_restored_topic_is_found_again(client, forum):
    topic = start(forum["owner"], forum["community"], "Compost heaps")
    policy = access.Access(forum["facilitator"])
    services.set_topic_hidden(policy, topic, True, "spam")
    services.set_topic_hidden(policy, topic, False)
    assert site_titles(client, forum["member"], "compost") == ["Compost heaps"]


def test_hidden_and_deleted_replies_are_never_found(client, forum):
    community, owner = forum["community"], forum["owner"]
    topic = start(owner, community, "Sheds")
    hidden = reply(owner, topic, "<p>Marmalade recipe.</p>")
    deleted = reply(owner, topic, "<p>Chutney recipe.</p>")
    services.set_post_hidden(access.Access(forum["facilitator"]), hidden, True, "off topic")
    services.delete_post(access.Access(owner), deleted)
    for person in (forum["member"], forum["facilitator"], factories.moderator()):
        assert site_titles(client, person, "marmalade") == []
        assert site_titles(client, person, "chutney") == []
    assert forum_search.search_posts("marmalade", [community.pk]) == []
    assert forum_search.search_posts("chutney", [community.pk]) == []
    assert forum_search.search_topic_ids("chutney", [community.pk], include_hidden=True) == set()
    services.set_post_hidden(access.Access(forum["facilitator"]), hidden, False)
    assert site_titles(client, forum["member"], "marmalade") == ["Sheds"]


def test_topic_deleted_by_its_author_is_not_found(client, forum):
    topic = start(forum["owner"], forum["community"], "Greenhouse", "<p>Tomatoes ripen.</p>")
    opening = topic.posts.get(is_opening=True)
    services.delete_post(access.Access(forum["owner"]), opening)
    assert site_titles(client, forum["member"], "greenhouse") == []
    assert site_titles(client, forum["member"], "tomatoes") == []


def test_forum_switched_off_keeps_its_topics_out_of_site_search(client, directory):
    owner = factories.user("owner")
    on = factories.community(directory, "Bees on", "open")
    off = factories.community(directory, "Bees off", "open")
    for community in (on, off):
        factories.membership(community, owner)
        start(owner, community, f"Honey {community.slug}", "<p>Hives.</p>")
    CommunityPage.objects.filter(pk=off.pk).update(tools=[])
    client.force_login(factories.user("reader"))
    html = page_html(client, "honey")
    assert [title for _, title in results(html)] == ["Honey bees-on"]
    # The community itself is still found.
    assert "Bees off" in result_titles(page_html(client, "bees", kind="communities"))


def test_forum_search_functions_filter_by_community(forum, directory):
    other = factories.community(directory, "Elsewhere", "open")
    factories.membership(other, forum["owner"])
    here = start(forum["owner"], forum["community"], "Rhubarb here")
    there = start(forum["owner"], other, "Rhubarb there")
    assert forum_search.search_topics("rhubarb", [forum["community"].pk]) == [here]
    assert set(forum_search.search_topics("rhubarb", [forum["community"].pk, other.pk])) == {here, there}
    assert forum_search.search_topics("rhubarb", []) == []
    assert forum_search.search_posts("opening", []) == []


# -- keeping the index right -------------------------------------------------------------------------------


def entries(model, pks):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    return set(
        IndexEntry.objects.filter(
            content_type=content_type, object_id__in=[str(pk) for pk in pks]
        ).values_list("object_id", flat=True)
    )


def test_new_and_edited_posts_are_indexed(forum):
    community, owner = forum["community"], forum["owner"]
    topic = start(owner, community, "Pond life", "<p>Newts everywhere.</p>")
    answer = reply(owner, topic, "<p>Frogspawn in March.</p>")
    assert forum_search.search_posts("frogspawn", [community.pk]) == [answer]
    assert forum_search.search_topics("newts", [community.pk]) == [topic]  # the excerpt is indexed
    services.edit_post(access.Access(owner), Post.objects.get(pk=answer.pk), "<p>Toadspawn in April.</p>")
    assert forum_search.search_posts("frogspawn", [community.pk]) == []
    assert forum_search.search_posts("toadspawn", [community.pk]) == [answer]
    opening = topic.posts.get(is_opening=True)
    services.edit_post(access.Access(owner), opening, "<p>Dragonflies.</p>", title="Pond insects")
    assert forum_search.search_topics("insects", [community.pk]) == [topic]
    assert forum_search.search_topics("life", [community.pk]) == []
    assert forum_search.search_topics("dragonflies", [community.pk]) == [topic]


def test_hiding_deleting_and_moving_update_the_index_entries(
    forum, directory, django_capture_on_commit_callbacks
):
    """What Elasticsearch and OpenSearch rely on (they keep their own copy of the filter fields)."""
    community, owner, facilitator = forum["community"], forum["owner"], forum["facilitator"]
    topic = start(owner, community, "Orchard")
    first, second = reply(owner, topic, "<p>Apples.</p>"), reply(owner, topic, "<p>Pears.</p>")
    policy = access.Access(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_post_hidden(policy, Post.objects.get(pk=first.pk), True, "spam")
    assert entries(Post, [first.pk]) == set()
    with django_capture_on_commit_callbacks(execute=True):
        services.set_post_hidden(policy, Post.objects.get(pk=first.pk), False)
    assert entries(Post, [first.pk]) == {str(first.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(access.Access(owner), Post.objects.get(pk=second.pk))
    assert entries(Post, [second.pk]) == set()
    # A move re-indexes the topic and all its posts at once.
    target = factories.community(directory, "Allotment", "open")
    factories.membership(target, facilitator, role="facilitator")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.move_topic(access.Access(facilitator), Topic.objects.get(pk=topic.pk), target, "better fit")
    assert len(callbacks) == 2
    assert forum_search.search_posts("apples", [community.pk]) == []
    assert [p.pk for p in forum_search.search_posts("apples", [target.pk])] == [first.pk]
    assert entries(Topic, [topic.pk]) == {str(topic.pk)}
    # The author deletes a topic nobody has answered: its opening post leaves the index too.
    alone = start(owner, community, "Quince")
    opening = Post.objects.get(topic=alone, is_opening=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(access.Access(owner), opening)
    assert entries(Post, [opening.pk]) == set()


def test_an_index_update_error_is_logged_not_raised(
    forum, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    import wagtail.search.backends

    topic = start(forum["owner"], forum["community"], "Hedges")
    post = reply(forum["owner"], topic, "<p>Privet.</p>")

    class Broken:
        def add_bulk(self, *args):
            raise RuntimeError("index down")

        delete = add_bulk

    monkeypatch.setattr(
        wagtail.search.backends, "get_search_backends_with_name", lambda **kw: [("es", Broken())]
    )
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.set_post_hidden(access.Access(forum["facilitator"]), post, True)
    assert "Could not update Post" in caplog.text
    assert Post.objects.get(pk=post.pk).is_hidden


# -- one result per topic ------------------------------------------------------------------------------------


def test_a_topic_appears_once_however_many_of_its_posts_match(client, forum):
    community, owner = forum["community"], forum["owner"]
    topic = start(owner, community, "Dahlias", "<p>Dahlias need staking.</p>")
    for i in range(3):
        reply(owner, topic, f"<p>My dahlias, part {i}.</p>")
    only_replies = start(owner, community, "Borders")
    reply(owner, only_replies, "<p>Dahlias at the back.</p>")
    reply(owner, only_replies, "<p>More dahlias.</p>")
    html = page_html_as(client, forum["member"], "dahlias")
    assert sorted(results(html)) == [("Reply", "Borders"), ("Topic", "Dahlias")]
    assert "3 matching replies" in html
    assert "1 more matching reply" in html
    assert "2 results for ‘dahlias’" in html


def page_html_as(client, person, query, **params):
    client.force_login(person)
    return page_html(client, query, **params)


def test_grouping_keeps_the_best_rank_and_skips_duplicates(forum):
    community, owner = forum["community"], forum["owner"]
    topic = start(owner, community, "Roses", "<p>Roses and aphids.</p>")
    request = _request(forum["member"])
    sections = forum_search.site_search(request, access.Access(forum["member"]), "roses")
    assert len(sections) == 1 and sections[0].name == "forum"
    assert [(r.title, r.kind_label, r.url) for r in sections[0].results] == [
        ("Roses", "Topic", topic.get_url(request))
    ]


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get(SEARCH_URL)
    request.user = user
    return request


# -- the page ------------------------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, directory):
    response = client.get(SEARCH_URL, {"q": "anything"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_query_shows_only_the_form(client, user, directory):
    client.force_login(user)
    html = page_html(client, "")
    assert 'role="search"' in html
    assert '<label class="khub-label" for="khub-search-q">' in html
    assert "results for" not in html


def test_communities_are_found_by_purpose_and_tag_and_title_matches_come_first(client, user, directory):
    by_purpose = factories.community(directory, "Alpha", "open")
    CommunityPage.objects.filter(pk=by_purpose.pk).update(purpose="All about hedgehogs.")
    tagged = factories.community(directory, "Beta", "open")
    tagged.tags.add("hedgehogs")
    tagged.save()
    by_title = factories.community(directory, "Hedgehogs network", "open")
    factories.community(directory, "Unrelated", "open")
    html = page_html_as(client, user, "hedgehogs", kind="communities")
    titles = result_titles(html)
    assert titles[0] == by_title.title
    assert sorted(titles) == sorted([by_purpose.title, tagged.title, by_title.title])
    assert "<mark>hedgehogs</mark>" in html


def test_kind_filter(client, forum):
    start(forum["owner"], forum["community"], "Gardens are great")
    html = page_html_as(client, forum["member"], "gardens")
    assert sorted(results(html)) == [("Community", "Gardens"), ("Topic", "Gardens are great")]
    assert results(page_html(client, "gardens", kind="communities")) == [("Community", "Gardens")]
    assert results(page_html(client, "gardens", kind="forum")) == [("Topic", "Gardens are great")]
    assert len(results(page_html(client, "gardens", kind="nonsense"))) == 2
    assert "Forum (1)" in html and "Communities (1)" in html and "All (2)" in html


def test_pagination_and_cap(client, forum, monkeypatch):
    for i in range(25):
        start(forum["owner"], forum["community"], f"Seedling {i}")
    client.force_login(forum["member"])
    first = page_html(client, "seedling")
    assert "25 results for ‘seedling’" in first
    assert len(results(first)) == 20
    assert len(results(page_html(client, "seedling", page=2))) == 5
    monkeypatch.setattr(core_search, "MAX_RESULTS", 10)
    capped = page_html(client, "seedling")
    assert "10 results for ‘seedling’" in capped
    assert "Only the 10 most relevant results are shown" in capped


def test_community_results_link_to_their_community(client, forum):
    start(forum["owner"], forum["community"], "Wisteria")
    html = page_html_as(client, forum["member"], "wisteria")
    assert f'in <a href="{forum["community"].url}">Gardens</a>' in html


# -- hostile content and queries ---------------------------------------------------------------------------

HOSTILE_TITLES = [
    "&lt;script&gt;alert(1)&lt;/script&gt; zinnia",
    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; zinnia",
    "zinnia &amp;lt;script&amp;gt; double",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_and_bodies_come_back_escaped(client, forum, title):
    body = "<p>" + title + " in the body</p>"
    start(forum["owner"], forum["community"], title, body)
    html = page_html_as(client, forum["member"], "zinnia")
    results_html = html[html.index("khub-search-results") :]
    assert "<script>" not in results_html
    assert "<img" not in results_html
    assert "onerror=alert(1)>" not in results_html
    assert "<mark>zinnia</mark>" in results_html


HIGHLIGHT_CASES = [
    # text, query, expected
    ("<script>alert(1)</script>", "script",
     "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;"),
    ('"><img src=x onerror=alert(1)>', "img onerror",
     "&quot;&gt;&lt;<mark>img</mark> src=x <mark>onerror</mark>=alert(1)&gt;"),
    ("&lt;script&gt;", "lt", "&amp;<mark>lt</mark>;script&amp;gt;"),
    ("&lt;script&gt;", "amp", "&amp;lt;script&amp;gt;"),
    ("a <b> c", "b", "a &lt;<mark>b</mark>&gt; c"),
    ("Planning plans for the Café", "planning cafe",
     "<mark>Planning</mark> <mark>plans</mark> for the <mark>Café</mark>"),
    ("no match here", "zebra", "no match here"),
    ("mark </mark><mark>", "mark", "<mark>mark</mark> &lt;/<mark>mark</mark>&gt;&lt;<mark>mark</mark>&gt;"),
    ("It's a trap", "", "It&#x27;s a trap"),
]  # fmt: skip


@pytest.mark.parametrize("text, query, expected", HIGHLIGHT_CASES)
def test_highlight_escapes_before_marking(text, query, expected):
    assert highlight(text, query) == expected


def test_highlight_cuts_a_window_around_the_first_match():
    text = " ".join(["filler"] * 100) + " the needle is here " + " ".join(["after"] * 100)
    html = highlight(text, "needle", length=80)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>needle</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 82
    assert highlight(text, "absent", length=40).startswith("filler filler")
    assert highlight("short", "short", length=None) == "<mark>short</mark>"


def test_query_terms_drop_operators_and_punctuation():
    expected = ["council", "AND", "tax", "rates", "NEAR", "2", "x", "y"]
    assert query_terms('"council AND (tax)" -rates* NEAR/2 x:y') == expected
    assert query_terms("café_crème  CAFÉ") == ["café", "crème"]
    assert query_terms("word " * 50) == ["word"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(30)))) == 10
    assert search_string("*** --- ((( ") == ""


WEIRD_QUERIES = [
    '"', '""', "'", "AND", "OR NOT", "NOT", "-", "*", "(", ")", 'foo"bar', "NEAR(a b)", "a:b", "\\", "%", "_",
    "^", "{title}: x", "ünïcödé", "日本語", "🦔", "\x00", "x" * 500, "quokka*", "-quokka", "title:quokka",
    "<script>alert(1)</script>", "' OR 1=1 --", "a AND OR NOT b",
]  # fmt: skip


@pytest.mark.parametrize("query", WEIRD_QUERIES, ids=range(len(WEIRD_QUERIES)))
def test_weird_queries_do_not_fail(client, forum, query):
    start(forum["owner"], forum["community"], "Quokka sightings", "<p>AND OR NOT near the quokka.</p>")
    client.force_login(forum["member"])
    response = client.get(SEARCH_URL, {"q": query})
    assert response.status_code == 200
    ids = [forum["community"].pk]
    assert isinstance(forum_search.search_topics(query, ids), list)
    assert isinstance(forum_search.search_posts(query, ids), list)
    response = client.get(forum["community"].url + "forum/", {"q": query})
    assert response.status_code == 200


def test_a_very_long_query_is_cut_not_refused(client, forum):
    start(forum["owner"], forum["community"], "Quokka sightings")
    html = page_html_as(client, forum["member"], "quokka " + "x" * 500)
    assert "results for ‘quokka" in html


def test_operators_are_plain_words(client, forum):
    topic = start(forum["owner"], forum["community"], "Quokka sightings", "<p>Seen near the lake.</p>")
    ids = [forum["community"].pk]
    assert forum_search.search_topics('"quokka" -sightings', ids) == [topic]  # both words, no exclusion
    assert forum_search.search_topics("quokka*", ids) == [topic]
    assert forum_search.search_topics("quokka lake", ids) == [topic]  # every word, title or text
    assert forum_search.search_topics("quokka zebra", ids) == []


def test_a_backend_error_is_logged_and_finds_nothing(client, forum, monkeypatch, caplog):
    start(forum["owner"], forum["community"], "Lupins")

    class Broken:
        def search(self, *args, **kwargs):
            raise RuntimeError("search backend down")

    monkeypatch.setattr(forum_search, "get_search_backend", lambda *a, **k: Broken())
    with caplog.at_level(logging.ERROR):
        html = page_html_as(client, forum["member"], "lupins")
        assert forum_search.search_topics("lupins", [forum["community"].pk]) == []
    assert results(html) == []
    assert "Forum search failed" in caplog.text
    # The request's transaction is still usable afterwards (PostgreSQL aborts it on an error).
    assert Topic.objects.filter(title="Lupins").exists()


# -- query counts ------------------------------------------------------------------------------------------


def _queries(client, query, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(SEARCH_URL, {"q": query, **params})
    assert response.status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_matches(client, directory):
    author = factories.user("author")
    communities = [factories.community(directory, f"Marsh {i}", "open") for i in range(3)]
    for community in communities:
        factories.membership(community, author)

    def add(start_at, stop):
        for i in range(start_at, stop):
            topic = start(author, communities[i % 3], f"Heron {i}", f"<p>Heron number {i}.</p>")
            reply(author, topic, f"<p>Another heron, {i}.</p>")
            if i % 4 == 0:
                reply(author, start(author, communities[i % 3], f"Egret {i}"), "<p>Heron nearby.</p>")

    reader = factories.user("reader")
    client.force_login(reader)
    add(0, 5)
    small = [_queries(client, "heron"), _queries(client, "marsh"), _queries(client, "heron", page=2)]
    add(5, 50)
    large = [_queries(client, "heron"), _queries(client, "marsh"), _queries(client, "heron", page=2)]
    assert small == large, (small, large)
    assert max(large) <= 20, large
