"""Searching the forum: Wagtail search (django-modelsearch) over topics and posts, filtered by community.

Topics are indexed by title and excerpt, posts by body (see ``search_fields`` in models.py), each with
``community_id`` as a filter field. Every function here takes the ids of the communities to search in: the
caller decides them with the access policy (the forum's own search: its one community; site-wide search:
:func:`khub_plugin.communities.search.community_ids_for`). Nothing here decides who may see what, apart from
hiding what is hidden:

* hidden topics are found only with ``include_hidden`` (the forum's own search, for its moderators); the
  site-wide search never shows them, not even to moderators;
* hidden and deleted posts, and posts of hidden topics, are never found.

What a person types is reduced to plain words (:func:`khub_plugin.common.highlight.query_terms`) and all of
them must match (``operator="and"``). A backend error never reaches the person: it is logged and the search
finds nothing.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.search.backends import get_search_backend

from khub_plugin.common import names
from khub_plugin.common.highlight import search_string
from khub_plugin.forums.models import Post, Topic

logger = logging.getLogger(__name__)

#: How many hits of each kind (topics, posts) one search fetches by default.
DEFAULT_LIMIT = 500


def _search(queryset, query, limit):
    """Run the search backend on ``queryset`` (filtered on filter fields only) for the words of ``query``;
    the ``limit`` most relevant, as a list. Never raises: a backend error is logged and gives no results."""
    words = search_string(query)
    if not words or limit <= 0:
        return []
    try:
        # A savepoint: on PostgreSQL a failed query would otherwise break the request's transaction.
        with transaction.atomic():
            return list(get_search_backend().search(words, queryset, operator="and")[:limit])
    except Exception:
        logger.exception("Forum search failed for %r on %s", words, queryset.model.__name__)
        return []


def search_topics(query, community_ids, include_hidden=False, limit=DEFAULT_LIMIT):
    """Topics of these communities whose title or excerpt match ``query``, most relevant first (a list, with
    ``community`` and ``author`` loaded)."""
    community_ids = list(community_ids)
    if not community_ids:
        return []
    topics = Topic.objects.filter(community_id__in=community_ids)
    if not include_hidden:
        topics = topics.filter(is_hidden=False)
    # A community's description (a StreamField) is not needed to show a topic: not loaded once per topic.
    return _search(topics.select_related("community", "author").defer("community__body"), query, limit)


def search_posts(query, community_ids, limit=DEFAULT_LIMIT):
    """Visible posts (not hidden, not deleted, not in a hidden topic) of these communities whose text
    matches ``query``, most relevant first (a list, with ``topic``, ``community`` and ``author`` loaded).
    Opening posts are included: a topic's opening message is its first post."""
    community_ids = list(community_ids)
    if not community_ids:
        return []
    posts = Post.objects.filter(community_id__in=community_ids, is_hidden=False, is_deleted=False)
    found = _search(
        posts.select_related("topic", "community", "author").defer("community__body"), query, limit
    )
    # Whether the topic is hidden is not in the index (it changes without the post changing): checked here,
    # on the topics loaded with the posts.
    return [post for post in found if not post.topic.is_hidden]


def search_topic_ids(query, community_ids, include_hidden=False, limit=1000):
    """Ids of the topics whose title, excerpt or any visible post matches: what a forum's topic list needs to
    filter by, without loading the posts' text. With ``include_hidden``, hidden topics and the posts in them
    count too (hidden and deleted posts never do)."""
    community_ids = list(community_ids)
    if not community_ids:
        return set()
    topics = Topic.objects.filter(community_id__in=community_ids)
    posts = Post.objects.filter(community_id__in=community_ids, is_hidden=False, is_deleted=False)
    if not include_hidden:
        topics = topics.filter(is_hidden=False)
    found = {topic.pk for topic in _search(topics.only("id"), query, limit)}
    hits = _search(posts.select_related("topic").only("id", "topic_id", "topic__is_hidden"), query, limit)
    return found | {post.topic_id for post in hits if include_hidden or not post.topic.is_hidden}


# -- the forum's part of the site-wide search page -------------------------------------------------------


class _Group:
    """Everything that matched in one topic: the topic itself, its opening post, its replies."""

    def __init__(self, topic):
        self.topic = topic
        self.topic_hit = False
        self.opening = None
        self.replies = []


def _grouped(topics, posts):
    """Topic hits and post hits interleaved by rank (a topic's title weighs a little more: it wins ties), then
    gathered by topic, in the order each topic was first reached. A topic appears once, however many of its
    posts matched."""
    hits = []
    for rank, topic in enumerate(topics):
        hits.append((rank, 0, topic, None))
    for rank, post in enumerate(posts):
        hits.append((rank, 1, post.topic, post))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    groups = {}
    for _rank, _kind, topic, post in hits:
        group = groups.get(topic.pk)
        if group is None:
            group = groups[topic.pk] = _Group(topic)
        if post is None:
            group.topic, group.topic_hit = topic, True  # the Topic with its community and author loaded
        elif post.is_opening:
            group.opening = group.opening or post
        else:
            group.replies.append(post)
    return list(groups.values())


def _result(request, group):
    from khub_plugin.communities.search import SearchResult

    topic = group.topic
    if group.topic_hit or group.opening is not None:
        # The topic itself: its title, or its opening message, matched.
        if group.topic_hit:
            community, author = topic.community, topic.author
        else:  # only the opening post: its topic came with the post, without community and author
            community, author = group.opening.community, group.opening.author
            topic.community = community
        meta = [
            _("Started by %(name)s") % {"name": _name(author)},
            ngettext("%(count)s reply", "%(count)s replies", topic.reply_count)
            % {"count": topic.reply_count},
        ]
        if group.replies:
            count = len(group.replies)
            meta.append(
                ngettext("%(count)s matching reply", "%(count)s matching replies", count) % {"count": count}
            )
        return SearchResult(
            title=topic.title,
            url=topic.get_url(request),
            kind_label=_("Topic"),
            community=community,
            date=topic.created_at,
            text=group.opening.body if group.opening is not None else topic.excerpt,
            meta=" · ".join(meta),
        )
    best = group.replies[0]
    topic.community = best.community  # the same community (denormalised); spares a query
    meta = [_("Reply by %(name)s") % {"name": _name(best.author)}]
    if len(group.replies) > 1:
        more = len(group.replies) - 1
        meta.append(
            ngettext("%(count)s more matching reply", "%(count)s more matching replies", more)
            % {"count": more}
        )
    return SearchResult(
        title=topic.title,
        url=best.get_url(request),
        kind_label=_("Reply"),
        community=best.community,
        date=best.created_at,
        text=best.body,
        meta=" · ".join(meta),
    )


def _name(user):
    if user is None:
        return _("a former member")
    return names.display_name(user)


def site_search(request, policy, query):
    """The forum's section of the site-wide search page: topics and replies in communities whose content the
    person can view and whose forum is switched on. Hidden content is never shown here."""
    from khub_plugin.communities.search import MAX_RESULTS, SearchSection, community_ids_for

    community_ids = community_ids_for(request, policy, "forum")
    if not community_ids:
        return []
    topics = search_topics(query, community_ids, limit=MAX_RESULTS)
    posts = search_posts(query, community_ids, limit=MAX_RESULTS)
    groups = _grouped(topics, posts)
    results = [_result(request, group) for group in groups[:MAX_RESULTS]]
    capped = len(groups) > MAX_RESULTS or len(topics) >= MAX_RESULTS or len(posts) >= MAX_RESULTS
    return [SearchSection("forum", _("Forum"), results, capped=capped)]
