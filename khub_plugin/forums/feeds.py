"""RSS 2.0 and Atom 1.0 feeds of a community's forum and of one topic (DESIGN.md section 5, "Feeds out").

The routes (``<community>/forum/feed/<kind>/`` and ``<community>/forum/<pk>/feed/<kind>/``) are marked with
:func:`~khub_plugin.communities.tokens.token_auth`, so a feed reader can open them with the person's feed key
(``?token=<key>``); ``CommunityPage.serve`` has then already checked, as that person, that the forum is on and
its content visible. These views only decide what of the forum goes in: never hidden or deleted posts, and a
hidden topic's feed only for those who moderate the community. Each feed costs a fixed number of queries.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from khub_plugin.common import names
from khub_plugin.communities import access, tokens
from khub_plugin.forums.models import Post, Topic

#: How many posts a feed carries.
FEED_SIZE = 30

FEED_TYPES = {"rss": Rss201rev2Feed, "atom": Atom1Feed}
LABELS = {"rss": "RSS", "atom": "Atom"}


def _display_name(user):
    if user is None:
        return _("a former member")
    return names.display_name(user)


class _PostFeed(Feed):
    """What both forum feeds share: one item per post, linking to the post's permalink."""

    def __init__(self, kind, request, community):
        super().__init__()
        self.feed_type = FEED_TYPES[kind]
        self.request = request
        self.community = community

    def text(self, value):
        # RSS readers treat titles as HTML, so an RSS title is HTML-escaped text (Django's convention). An
        # Atom title is a plain text construct: the XML escaping alone keeps it inert there.
        return escape(value) if self.feed_type is Rss201rev2Feed else value

    def feed_url(self):
        # The address as the reader asked for it (with its key): readers that follow rel="self" keep working.
        return self.request.build_absolute_uri(self.request.get_full_path())

    def item_title(self, post):
        title = post.topic.title if post.is_opening else _("Re: %(title)s") % {"title": post.topic.title}
        return self.text(title)

    def item_description(self, post):
        # Sanitised on the way in (khub_plugin.common.richtext); the feed generator escapes it as XML text.
        return post.body

    def item_link(self, post):
        return self.request.build_absolute_uri(post.get_url(self.request))

    def item_guid(self, post):
        # Stable even when a facilitator moves the topic to another community (its permalink changes).
        return f"tag:{self.request.get_host().split(':')[0]},2025:khub/forum/post/{post.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, post):
        return _display_name(post.author)

    def item_pubdate(self, post):
        return post.created_at

    def item_updateddate(self, post):
        return post.edited_at or post.created_at

    def _prepare(self, posts, topic=None):
        for post in posts:
            post.community = self.community  # for the permalink, without a query per post
            if topic is not None:
                post.topic = topic
        return posts


class ForumFeed(_PostFeed):
    """The latest visible posts (topics and replies) of the community's forum, newest first."""

    def get_object(self, request, *args, **kwargs):
        return self.community

    def title(self, community):
        return self.text(_("%(community)s: forum") % {"community": community.title})

    def link(self, community):
        return self.request.build_absolute_uri(community.url_for("forum:index", request=self.request))

    def description(self, community):
        return self.text(community.purpose)

    def items(self, community):
        posts = (
            Post.objects.filter(
                community=community, is_hidden=False, is_deleted=False, topic__is_hidden=False
            )
            .select_related("author", "topic")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )
        return self._prepare(list(posts))


class TopicFeed(_PostFeed):
    """One topic: its opening post and its latest visible replies."""

    def get_object(self, request, pk=None, **kwargs):
        topic = Topic.objects.filter(community=self.community, pk=pk).select_related("author").first()
        if topic is None:
            raise Http404
        if topic.is_hidden and not access.for_request(request).can_moderate(self.community):
            raise Http404
        topic.community = self.community
        return topic

    def title(self, topic):
        return self.text(
            _("%(topic)s (%(community)s)") % {"topic": topic.title, "community": self.community.title}
        )

    def link(self, topic):
        return self.request.build_absolute_uri(topic.get_url(self.request))

    def description(self, topic):
        # Plain text that readers take as HTML in RSS: escaped like titles.
        return self.text(topic.excerpt or topic.title)

    def items(self, topic):
        visible = Post.objects.filter(topic=topic, is_hidden=False, is_deleted=False).select_related("author")
        replies = list(visible.filter(is_opening=False).order_by("-created_at", "-id")[:FEED_SIZE])
        opening = list(visible.filter(is_opening=True)[:1])
        return self._prepare(replies + opening, topic)


def _respond(feed, request, *args, **kwargs):
    response = feed(request, *args, **kwargs)
    # Personal: what a feed shows depends on who asks (and a keyed address is a secret).
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@tokens.token_auth
def forum_feed(request, community, kind):
    if kind not in FEED_TYPES:
        raise Http404
    return _respond(ForumFeed(kind, request, community), request)


@tokens.token_auth
def topic_feed(request, community, pk, kind):
    if kind not in FEED_TYPES:
        raise Http404
    return _respond(TopicFeed(kind, request, community), request, pk=pk)


# -- links to the feeds --------------------------------------------------------------------------------------


def feed_links(request, community, topic=None):
    """The RSS and Atom feeds of the forum (or of ``topic``) for ``<link rel="alternate">`` and "Subscribe".

    Each is ``{"title", "label", "href", "type"}``. The address carries the viewer's feed key when a
    signed-out feed reader could not read the feed.
    """
    links = []
    for kind, feed_type in FEED_TYPES.items():
        if topic is None:
            url = community.url_for("forum:feed", request=request, kind=kind)
            title = _("%(community)s forum (%(format)s)")
            names = {"community": community.title, "format": LABELS[kind]}
        else:
            url = community.url_for("forum:topic_feed", request=request, pk=topic.pk, kind=kind)
            title = _("%(topic)s (%(format)s)")
            names = {"topic": topic.title, "format": LABELS[kind]}
        links.append(
            {
                "title": title % names,
                "label": LABELS[kind],
                "href": tokens.feed_url(request, community, url),
                "type": feed_type.content_type.split(";")[0],
            }
        )
    return links


def my_feeds(request, community, token):
    """The forum's feeds with the person's key, for the "My feeds" page: ``[(label, url), ...]``."""
    feeds = []
    for kind in FEED_TYPES:
        url = request.build_absolute_uri(community.url_for("forum:feed", request=request, kind=kind))
        feeds.append((_("Forum (%(format)s)") % {"format": LABELS[kind]}, tokens.with_key(url, token)))
    return feeds
