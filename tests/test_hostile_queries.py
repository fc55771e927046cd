"""Hostile query strings never make a server error: every page that reads ``request.GET`` answers NUL bytes,
huge and negative numbers, SQL and LIKE metacharacters, markup and over-long values with a page or a 404.

PostgreSQL refuses NUL characters in any query parameter, so a value read straight from the URL into a filter
would be a 500 there; ``tox -e postgres`` runs this module on it.
"""

import pytest

from tests import factories

HOSTILE = [
    "\x00",
    "a\x00b",
    "%",
    "_",
    "'",
    '"; DROP TABLE khub_forums_topic; --',
    "\\",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "nan",
    "[]",
    "<script>alert(1)</script>",
    "x" * 5000,
    "\ud7ff\ue000\ufffd",
    " ",
]

PARAMS = ["q", "page", "per_page", "sort", "show", "tag", "stage", "visibility", "mine", "to", "quote"]
PARAMS += ["token"]


@pytest.fixture
def world(directory):
    community = factories.community(directory, "Busy", "restricted", slug="busy", tools=["forum", "news"])
    member = factories.user("member")
    factories.membership(community, member, "active", "facilitator")
    topic = factories.topic(community, member, "A topic", replies=2, tags=["tools"])
    return {"community": community, "member": member, "topic": topic}


def paths(world):
    community, topic = world["community"], world["topic"]
    forum = community.url + "forum/"
    return [
        world["community"].get_parent().url,
        community.url,
        community.url + "members/",
        community.url + "manage/moderation/",
        community.url + "news/",
        forum,
        f"{forum}{topic.pk}/",
        f"{forum}{topic.pk}/reply/",
        f"{forum}posts/{topic.answer_id or topic.opening_post_id}/",
        f"{forum}feed/rss/",
        f"{forum}{topic.pk}/feed/atom/",
        "/khub/search/",
        "/khub/whats-happening/",
        "/khub/my-communities/",
        "/khub/my/feeds/",
    ]


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "anonymous"])
def test_hostile_query_values_never_make_a_server_error(client, world, signed_in):
    if signed_in:
        client.force_login(world["member"])
    client.raise_request_exception = False  # collect every failure, not only the first
    failures = []
    for path in paths(world):
        for value in HOSTILE:
            # Every parameter at once: each page reads its own, and each reader gets the hostile value.
            response = client.get(path, dict.fromkeys(PARAMS, value))
            # 400: Django refuses to redirect to a sign-in address over 16,384 characters (the 5,000-character
            # value in every parameter, carried in ?next=), which is right.
            refused_long = response.status_code == 400 and len(value) > 1000 and not signed_in
            if response.status_code not in (200, 302, 404) and not refused_long:
                failures.append((path, value[:20], response.status_code))
    assert not failures, "\n".join(map(repr, failures))


def test_a_nul_in_a_feed_key_is_a_404_not_an_error(client, world):
    response = client.get(world["community"].url + "forum/feed/rss/", {"token": "abc\x00def"})
    assert response.status_code == 404


FIELDS = [
    "title", "body", "tags", "tag", "parent", "reason", "target", "message", "username", "email", "user",
    "stage", "tools", "purpose", "url", "name", "visibility", "next", "preview", "stop", "size",
]  # fmt: skip


def post_paths(world):
    community, topic = world["community"], world["topic"]
    forum = community.url + "forum/"
    reply = topic.posts.filter(is_opening=False).first()
    return [
        f"{forum}new/",
        f"{forum}{topic.pk}/reply/",
        f"{forum}{topic.pk}/tags/",
        f"{forum}{topic.pk}/tags/remove/",
        f"{forum}{topic.pk}/follow/",
        f"{forum}follow/",
        f"{forum}{topic.pk}/pin/",
        f"{forum}{topic.pk}/move/",
        f"{forum}posts/{reply.pk}/edit/",
        f"{forum}posts/{reply.pk}/hide/",
        f"{forum}posts/{reply.pk}/answer/",
        community.url + "request/",
        community.url + "manage/invite/",
        community.url + "manage/stage/",
        community.url + "manage/tools/",
        community.url + "news/sources/",
        "/khub/propose/",
        "/khub/text-size/",
    ]


def test_hostile_form_values_never_make_a_server_error(client, world):
    """Every form field a khub page reads, filled with each hostile value at once, as a facilitator (who may
    use every form): the forms say what is wrong, or the action happens; never a 500."""
    client.force_login(world["member"])
    client.raise_request_exception = False
    failures = []
    for path in post_paths(world):
        for value in HOSTILE:
            response = client.post(path, dict.fromkeys(FIELDS, value))
            if response.status_code >= 500:
                failures.append((path, value[:20], response.status_code))
    assert not failures, "\n".join(map(repr, failures))
