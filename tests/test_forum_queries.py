"""Forum pages cost the same number of SQL queries at 10 and 1,000 topics and at 10 and 500 replies, and at
most 15 for a signed-in member (issue 4 acceptance)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khub_plugin.forums.models import PATH_DIGITS, Post, Topic
from tests import factories

BUDGET = 15


def queries_for(client, url):
    client.get(url)  # warm the process-wide caches (content types, site root paths) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_topics(community, author, start, stop):
    """Topics (with opening posts and tags on some) in bulk: the pages read them like any others."""
    now = timezone.now()
    topics = Topic.objects.bulk_create(
        Topic(
            community=community,
            title=f"Topic {i:05}",
            author=author,
            last_author=author,
            last_activity_at=now - timedelta(minutes=i),
            reply_count=i % 7,
            excerpt="An excerpt.",
            is_pinned=i % 97 == 0,
        )
        for i in range(start, stop)
    )
    posts = Post.objects.bulk_create(
        Post(topic=t, community=community, author=author, is_opening=True, body="<p>Opening.</p>")
        for t in topics
    )
    for post in posts:
        post.thread_path = str(post.pk).zfill(PATH_DIGITS)
    Post.objects.bulk_update(posts, ["thread_path"])
    for topic in topics[::5]:
        topic.tags.add("tagged", f"t{topic.pk % 3}")


def add_replies(topic, authors, count):
    """Replies in a thread: every third answers the previous one, so the thread nests."""
    previous = None
    for i in range(count):
        parent = previous if i % 3 == 2 else None
        post = Post.objects.create(
            topic=topic,
            community=topic.community,
            author=authors[i % len(authors)],
            parent=parent,
            body=f"<p>Reply {i}</p>",
        )
        if parent is None:
            post.depth, post.thread_path = 0, str(post.pk).zfill(PATH_DIGITS)
        else:
            post.depth, post.thread_path = (
                parent.depth + 1,
                parent.thread_path + str(post.pk).zfill(PATH_DIGITS),
            )
        Post.objects.filter(pk=post.pk).update(depth=post.depth, thread_path=post.thread_path)
        previous = post
    Topic.objects.filter(pk=topic.pk).update(reply_count=count)


@pytest.fixture
def setting(directory):
    community = factories.community(directory, "Busy", "restricted", tools=["forum"])
    member, facilitator = factories.user("member"), factories.user("facil")
    factories.membership(community, member, "active")
    factories.membership(community, facilitator, "active", "facilitator")
    return community, member, facilitator


LIST_URLS = ["", "?sort=title", "?show=mine", "?show=unanswered&per_page=50", "?tag=tagged", "?page=2"]


def test_topic_list_queries_do_not_grow_with_topics(client, setting):
    community, member, facilitator = setting
    add_topics(community, member, 0, 10)
    base = community.url + "forum/"
    counts = {}
    for person in (member, facilitator):
        client.force_login(person)
        counts[person.get_username()] = [queries_for(client, base + suffix) for suffix in LIST_URLS]
    add_topics(community, member, 10, 1000)
    for person in (member, facilitator):
        client.force_login(person)
        large = [queries_for(client, base + suffix) for suffix in LIST_URLS]
        assert large == counts[person.get_username()], person.get_username()
        assert max(large) <= BUDGET


def test_topic_page_queries_do_not_grow_with_replies(client, setting, django_user_model):
    community, member, facilitator = setting
    small_topic = factories.topic(community, member, "Small")
    large_topic = factories.topic(community, member, "Large")
    authors = [member, facilitator] + [factories.user(f"poster{i}") for i in range(8)]
    add_replies(small_topic, authors, 10)
    add_replies(large_topic, authors, 500)
    reply = large_topic.posts.filter(is_opening=False).first()
    Topic.objects.filter(pk=large_topic.pk).update(answer=reply)
    Topic.objects.filter(pk=small_topic.pk).update(answer=small_topic.posts.filter(is_opening=False).first())
    for person in (member, facilitator):
        client.force_login(person)
        for suffix in ("", "?per_page=50", "?page=2"):
            small = queries_for(client, small_topic.get_url() + suffix)
            large = queries_for(client, large_topic.get_url() + suffix)
            assert small == large, (person.get_username(), suffix)
            assert large <= BUDGET
        # The permalink's page lookup is one COUNT, whatever the thread's length.
        last = large_topic.posts.latest("pk")
        first = small_topic.posts.latest("pk")
        client.get(community.url + f"forum/posts/{first.pk}/")
        with CaptureQueriesContext(connection) as small_permalink:
            client.get(community.url + f"forum/posts/{first.pk}/")
        with CaptureQueriesContext(connection) as large_permalink:
            client.get(community.url + f"forum/posts/{last.pk}/")
        assert len(small_permalink) == len(large_permalink) <= BUDGET


def test_latest_discussions_panel_is_constant(client, setting, home_page):
    community, member, _ = setting
    add_topics(community, member, 0, 5)
    client.force_login(member)
    small = queries_for(client, community.url)
    add_topics(community, member, 5, 300)
    assert queries_for(client, community.url) == small


def test_forum_search_queries_do_not_grow_with_matches(client, setting):
    """Searching one forum asks the search backend twice (topics, then posts) and loads one page of topics:
    the same count for 3 and 40 matching topics. It costs more than the plain list (two searches, each in
    its own savepoint so that a backend error cannot break the request), so it has its own budget."""
    community, member, _facilitator = setting
    for i in range(3):
        factories.topic(community, member, f"Bins round {i}", body="<p>About the bins.</p>", replies=1)
    client.force_login(member)
    url = community.url + "forum/?q=bins"
    small = [queries_for(client, url), queries_for(client, url + "&sort=title")]
    for i in range(3, 40):
        factories.topic(community, member, f"Bins round {i}", body="<p>About the bins.</p>", replies=1)
    large = [queries_for(client, url), queries_for(client, url + "&sort=title&page=2")]
    assert small == large
    assert max(large) <= BUDGET + 6  # 4 of them SAVEPOINT and RELEASE statements
