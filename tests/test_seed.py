"""``manage.py khub_seed`` (the hidden ``tiny`` scale) and the forum benchmark that runs on what it seeds.

The seed writes rows in bulk, bypassing the services, so these tests check that the result is what the
services would have produced: a consistent Wagtail page tree, member counts, facilitators, reply counts, last
activity, and thread paths exactly as ``forums.services._set_path`` computes them.
"""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from wagtail.models import Page
from wagtail.search import index
from wagtail.search.models import IndexEntry

from khub_plugin.common.sanitize import excerpt
from khub_plugin.communities import seeding
from khub_plugin.communities.access import Access
from khub_plugin.communities.models import (
    Activity,
    CommunityIndexPage,
    CommunityPage,
    Membership,
    Visibility,
)
from khub_plugin.forums import services
from khub_plugin.forums.models import MAX_DEPTH, PATH_DIGITS, Post, Subscription, TaggedTopic, Topic
from tests import factories

TINY = seeding.SCALES["tiny"]


def seed(*args):
    out = io.StringIO()
    call_command("khub_seed", "--scale", "tiny", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(home_page):
    output = seed()
    return output


def seeded_member():
    """``seed-member``, whatever the user model signs in with."""
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.get_by_natural_key(seeding.login_name(seeding.MEMBER_USERNAME))


def seeded_communities():
    index = CommunityIndexPage.objects.get(slug=seeding.INDEX_SLUG)
    return index, list(CommunityPage.objects.descendant_of(index).order_by("path"))


def test_seed_reports_its_stages(seeded):
    for stage in ("users", "community pages", "memberships", "forum topics and posts", "rows/s"):
        assert stage in seeded
    assert "update_index" in seeded


def test_page_tree_is_consistent_and_pages_have_urls(seeded):
    index, communities = seeded_communities()
    assert len(communities) == TINY.communities
    # treebeard's own check (what `manage.py fixtree` reports): no bad paths, depths, numchild or orphans.
    assert all(not problems for problems in Page.find_problems())
    assert Page.objects.get(pk=index.pk).numchild == Page.objects.child_of(index).count()
    network = max(communities, key=lambda c: c.numchild)
    assert network.numchild == TINY.network_children
    for community in communities:
        page = CommunityPage.objects.get(pk=community.pk)
        parent = page.get_parent()
        assert page.depth == parent.depth + 1
        assert page.url_path == f"{parent.url_path}{page.slug}/"
        assert page.get_url() == page.url_path.removeprefix(index.get_parent().url_path[:-1])
        assert page.live and page.specific_class is CommunityPage
        if isinstance(parent.specific, CommunityPage):  # never more open, nor more tools, than its parent
            assert Visibility.openness(page.visibility) >= Visibility.openness(parent.specific.visibility)
            assert set(page.tools) <= set(parent.specific.tools)
    # The access policy reads the tree the same way: every seeded community is live and placed.
    assert {c.pk for c in communities} <= set(Access(None).tree)


def test_memberships_and_member_counts(seeded):
    _index, communities = seeded_communities()
    counts = dict(
        Membership.objects.filter(state=Membership.State.ACTIVE)
        .values_list("community")
        .annotate(n=Count("id"))
        .values_list("community", "n")
    )
    for community in communities:
        assert community.member_count == counts.get(community.pk, 0)
        assert Membership.objects.facilitators().filter(community=community).exists(), community.title
    states = Counter(Membership.objects.values_list("state", flat=True))
    assert len(states) >= 3 and states[Membership.State.ACTIVE] > sum(states.values()) / 2
    assert Activity.objects.filter(community__in=communities).exists()
    member = Membership.objects.filter(user=seeded_member(), state="active")
    assert member.count() >= 3 and not member.filter(role="facilitator").exists()


def test_forum_counters_are_denormalised_right(seeded):
    topics = Topic.objects.annotate(
        visible=Count(
            "posts", filter=Q(posts__is_opening=False, posts__is_hidden=False, posts__is_deleted=False)
        )
    )
    assert topics.count() == TINY.topics
    assert Post.objects.count() == TINY.posts
    assert topics.filter(reply_count=50).exists()
    assert topics.filter(reply_count=TINY.big_topic_replies).exists()
    for topic in topics.select_related("answer"):
        assert topic.reply_count == topic.visible, topic.pk
        shown = topic.posts.filter(is_hidden=False, is_deleted=False).order_by("-created_at")
        latest = shown.first()
        assert topic.last_activity_at == latest.created_at
        assert topic.last_author_id == latest.author_id
        opening = topic.posts.get(is_opening=True)
        assert topic.excerpt == excerpt(opening.body, 240)
        assert opening.created_at == topic.created_at and opening.author_id == topic.author_id
        assert topic.opening_post_id == opening.pk
        if topic.answer_id:
            assert (
                topic.answer.topic_id == topic.pk and topic.answer.is_visible and not topic.answer.is_opening
            )
    # Nothing left for the recount to fix.
    assert services.recount() == 0
    assert Subscription.objects.count() >= TINY.topics
    assert TaggedTopic.objects.exists()


def test_thread_paths_are_what_the_service_computes(seeded):
    posts = {post.pk: post for post in Post.objects.select_related("author")}
    for post in posts.values():
        if post.is_opening:
            assert (post.depth, post.thread_path, post.parent_id) == (
                0,
                str(post.pk).zfill(PATH_DIGITS),
                None,
            )
            continue
        parent = posts.get(post.parent_id)
        if parent is not None:
            assert parent.topic_id == post.topic_id and not parent.is_opening and parent.pk < post.pk
        # services.reply sets reply_to_author to the parent's author, then _set_path places the post.
        replay = Post(pk=post.pk, reply_to_author=services._display_name(parent.author) if parent else "")
        services._set_path(replay, parent)
        assert (replay.depth, replay.thread_path, replay.reply_to_author) == (
            post.depth,
            post.thread_path,
            post.reply_to_author,
        ), post.pk
    assert any(post.depth == MAX_DEPTH for post in posts.values())
    # Sorted by thread_path, every reply comes after its parent (the topic page's order).
    for topic_id in {post.topic_id for post in posts.values()}:
        order = list(
            Post.objects.filter(topic_id=topic_id).order_by("thread_path").values_list("pk", "parent_id")
        )
        seen = set()
        for pk, parent_id in order:
            assert parent_id is None or parent_id in seen
            seen.add(pk)


def test_seeded_pages_serve_to_the_seeded_member(seeded, client, django_user_model):
    member = seeded_member()
    assert member.check_password(seeding.SEED_PASSWORD)
    client.force_login(member)
    index, _communities = seeded_communities()
    assert client.get(index.get_url()).status_code == 200
    topic = Topic.objects.get(reply_count=50)  # in the biggest forum, which the member belongs to
    community = CommunityPage.objects.get(pk=topic.community_id)
    assert client.get(community.get_url()).status_code == 200
    response = client.get(community.url_for("forum:index"))
    assert response.status_code == 200
    latest = Topic.objects.filter(community=community, is_hidden=False).order_by(
        "-is_pinned", "-last_activity_at", "-id"
    )[0]
    assert f'/forum/{latest.pk}/"'.encode() in response.content
    response = client.get(topic.get_url() + "?per_page=50")
    assert response.status_code == 200
    for reply in topic.posts.filter(is_opening=False):
        assert f'id="post-{reply.pk}"'.encode() in response.content


def test_refuses_to_seed_twice_unless_forced(seeded):
    titles = sorted(Topic.objects.values_list("title", flat=True))
    indexed = Topic.objects.first()
    index.insert_or_update_object(indexed)  # as `update_index` would
    assert IndexEntry.objects.filter(object_id=str(indexed.pk)).exists()
    with pytest.raises(CommandError, match="already been seeded"):
        seed()
    output = seed("--force")
    assert "remove the seeded communities" in output and "remove the seeded users" in output
    _index, communities = seeded_communities()
    assert len(communities) == TINY.communities
    assert CommunityIndexPage.objects.filter(slug=seeding.INDEX_SLUG).count() == 1
    assert Topic.objects.count() == TINY.topics and Post.objects.count() == TINY.posts
    assert seeding.seeded_users().count() == TINY.users + 2
    # The old topic went, and its search entry with it (new rows get new ids).
    assert not Topic.objects.filter(pk=indexed.pk).exists()
    assert not IndexEntry.objects.filter(object_id=str(indexed.pk), content_type__model="topic").exists()
    # The same --seed gives the same content.
    assert sorted(Topic.objects.values_list("title", flat=True)) == titles


def test_never_touches_real_data(home_page, directory, django_user_model):
    real = factories.user("seed-enthusiast", email="someone@council.example")
    seed()
    assert directory.get_children().count() == 0
    seed("--force")
    assert django_user_model.objects.filter(pk=real.pk).exists()


def test_scale_overrides(home_page):
    out = io.StringIO()
    call_command(
        "khub_seed",
        "--scale",
        "tiny",
        "--communities",
        "4",
        "--network-children",
        "2",
        "--users",
        "20",
        "--topics",
        "10",
        "--posts",
        "150",
        "--big-topic-replies",
        "60",
        stdout=out,
    )
    assert CommunityPage.objects.count() == 4
    assert Topic.objects.count() == 10 and Post.objects.count() == 150


def test_benchmark_measures_the_seeded_forum(seeded):
    """A smoke test of benchmarks/forum_pages.py: two timed rounds on the tiny seed (a few seconds)."""
    from benchmarks import forum_pages

    _community, cases = forum_pages.run_benchmark(iterations=2, warmup=1)
    labels = [case.label for case in cases]
    assert labels[0] == "bare view (baseline)"
    assert "topic list, page 1" in labels
    assert "topic with 50 replies (per_page=50)" in labels
    assert any(label.endswith("last page") for label in labels)
    for case in cases:
        assert len(case.times) == 2 and case.queries >= 1
    assert cases[0].queries <= 2  # the session and the user
    lines = forum_pages.table(cases, markdown=True)
    assert lines[0].startswith("| page | SQL queries")
    assert len(lines) == 2 + len(cases)


def test_benchmark_measures_forum_and_site_search_once_the_index_is_built(seeded, monkeypatch):
    from benchmarks import forum_pages

    call_command("update_index", stdout=io.StringIO())
    community, _cases = forum_pages.find_cases(seeded_member())
    title = Topic.objects.filter(community=community, is_hidden=False).order_by("pk").first().title
    word = max(title.split(), key=len).strip(".,?:;'\"")  # a word of a topic in the benchmark's forum
    monkeypatch.setattr(forum_pages, "SEARCH_QUERIES", [word])
    _community, cases = forum_pages.run_benchmark(iterations=1, warmup=1, search=True)
    searches = [case for case in cases if "search" in case.label]
    assert [case.label for case in searches] == [f"forum search ‘{word}’", f"site search ‘{word}’"]
    assert all(len(case.times) == 1 for case in searches)  # each response was checked: results were found
