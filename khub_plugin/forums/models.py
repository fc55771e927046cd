"""Forum topics and their threaded posts: plain Django models under a community (DESIGN.md section 3).

A topic's opening message is its first :class:`Post` (``is_opening``), so editing, history, hiding and search
work the same for every message. Replies form a tree through ``parent``; ``thread_path`` (the zero-padded ids
of a post's ancestors and its own) sorts a whole thread depth-first in one indexed query, so any page of a
500-reply topic costs the same. Below :data:`MAX_DEPTH` a reply is stored one level under the deepest shown
ancestor and displayed with "in reply to".
"""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.search import index

#: How deep replies are indented; deeper ones are shown at this depth with "in reply to <author>".
MAX_DEPTH = 4
#: Digits per id in ``thread_path`` (up to ten thousand million posts).
PATH_DIGITS = 10


class TaggedTopic(TaggedItemBase):
    """A tag on a topic, with who added it (the folksonomy records its taggers)."""

    content_object = models.ForeignKey("Topic", on_delete=models.CASCADE, related_name="tagged_items")
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("topic tag")
        verbose_name_plural = _("topic tags")


class TopicQuerySet(models.QuerySet):
    def shown_to(self, moderator):
        """Hidden topics are for moderators' eyes only."""
        return self if moderator else self.filter(is_hidden=False)


class Topic(index.Indexed, models.Model):
    """A discussion in a community's forum."""

    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="forum_topics"
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="khub_topics"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Denormalised (DESIGN.md section 5), kept in step with F() in the same transaction as the change;
    # `manage.py khub_recount` recomputes them.
    reply_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(db_index=True)
    last_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    excerpt = models.CharField(max_length=240, blank=True)
    #: The opening message, so a topic page reads it in the same query as the topic.
    opening_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)

    tags = TaggableManager(through=TaggedTopic, blank=True)

    objects = TopicQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("excerpt"),
        index.AutocompleteField("title"),
        index.FilterField("community_id"),
        index.FilterField("is_hidden"),
        index.FilterField("last_activity_at"),
    ]

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        # One index per list ordering (DESIGN.md section 9).
        indexes = [
            # Partial: members' lists (and their COUNT) never include hidden topics.
            models.Index(
                fields=["community", "-is_pinned", "-last_activity_at", "-id"],
                name="khub_topic_recent",
                condition=models.Q(is_hidden=False),
            ),
            models.Index(
                fields=["community", "-is_pinned", "title", "id"],
                name="khub_topic_title",
                condition=models.Q(is_hidden=False),
            ),
            models.Index(fields=["community", "author", "-last_activity_at"], name="khub_topic_author"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_answered(self):
        return self.answer_id is not None

    def get_url(self, request=None):
        return self.community.url_for("forum:topic", request=request, pk=self.pk)

    get_absolute_url = get_url


class PostQuerySet(models.QuerySet):
    def replies(self):
        return self.filter(is_opening=False)


class Post(index.Indexed, models.Model):
    """One message: the opening of a topic or a reply in its thread."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    # Denormalised from the topic so search and lists filter posts by community without a join.
    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="forum_posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="khub_posts"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: The post this one answers, when that is deeper than the thread shows (for "in reply to").
    reply_to_author = models.CharField(max_length=150, blank=True)
    is_opening = models.BooleanField(default=False)
    #: Sanitised HTML (khub_plugin.common.richtext); rendered as stored.
    body = models.TextField()
    thread_path = models.CharField(max_length=(MAX_DEPTH + 2) * PATH_DIGITS, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)

    objects = PostQuerySet.as_manager()

    search_fields = [
        # The words, not the markup: otherwise "strong" or "href" would match every formatted post.
        index.SearchField("search_text"),
        index.FilterField("community_id"),
        index.FilterField("topic_id"),
        index.FilterField("is_hidden"),
        index.FilterField("is_deleted"),
        index.FilterField("is_opening"),
    ]

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["topic", "thread_path"], name="khub_post_thread"),
            models.Index(fields=["author", "-created_at"], name="khub_post_author_recent"),
            # The forum's feed: a community's newest posts.
            models.Index(fields=["community", "-created_at", "-id"], name="khub_post_community_recent"),
        ]

    def __str__(self):
        return f"Post {self.pk} in {self.topic_id}"

    def search_text(self):
        """The post's plain text, for the search index."""
        from khub_plugin.common.sanitize import clean_text

        return clean_text(self.body)

    @property
    def is_visible(self):
        return not (self.is_hidden or self.is_deleted)

    def get_url(self, request=None):
        """The permalink: it redirects to the right page of the topic, whatever the page size."""
        try:
            return self.community.url_for("forum:post", request=request, post_id=self.pk)
        except NoReverseMatch:  # pragma: no cover - the forum feature is not registered
            return ""

    get_absolute_url = get_url

    @classmethod
    def get_indexed_objects(cls):
        return super().get_indexed_objects().filter(is_hidden=False, is_deleted=False)


class PostRevision(models.Model):
    """An earlier version of a post, kept when its author edits it; facilitators can read them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    title = models.CharField(max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Earlier version of post {self.post_id}"


class Subscription(models.Model):
    """Someone follows a whole forum (``topic`` empty) or one topic; the alerts issue delivers them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="khub_forum_subscriptions"
    )
    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="forum_subscriptions"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("forum subscription")
        verbose_name_plural = _("forum subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=models.Q(topic__isnull=True),
                name="khub_forum_subscription_unique",
            ),
            models.UniqueConstraint(fields=["user", "topic"], name="khub_topic_subscription_unique"),
        ]

    def __str__(self):
        return f"{self.user} follows {'topic ' + str(self.topic_id) if self.topic_id else 'the forum'}"
