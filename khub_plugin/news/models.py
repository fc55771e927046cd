"""News sources a community (or the site) follows, and the items fetched from them."""

import hashlib

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebAddressField(models.URLField):
    """A URL field whose forms take an address typed without a scheme as https (Django 6's default)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class FeedSource(models.Model):
    """An RSS/Atom feed followed by one community, or by the whole site when ``community`` is empty."""

    community = models.ForeignKey(
        "khub_communities.CommunityPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_sources",
        help_text=_("Empty for a site-wide source that editors manage, shown in news panels on any page."),
    )
    name = models.CharField(_("name"), max_length=120)
    url = WebAddressField(
        _("web address"), max_length=1000, help_text=_("A feed, or a web page that links to one.")
    )
    feed_url = WebAddressField(max_length=1000, blank=True, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    interval_minutes = models.PositiveIntegerField(
        _("fetch every (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5)],
        help_text=_("Leave empty for the site's default (KHUB_NEWS_FETCH_INTERVAL_MINUTES)."),
    )

    # Fetch state (changed only by news.services.refresh).
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_fetch_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_count = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    item_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("news source")
        verbose_name_plural = _("news sources")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["next_fetch_at"], name="khub_feedsource_due")]
        constraints = [
            models.UniqueConstraint(fields=["community", "url"], name="khub_one_source_per_url"),
        ]

    def __str__(self):
        return self.name

    @property
    def state(self):
        """One plain phrase for the sources list."""
        if self.last_fetched_at is None:
            return _("Waiting for its first fetch")
        if self.last_error:
            return _("Not working: %(error)s") % {"error": self.last_error}
        return _("Working")


class FeedItem(models.Model):
    """One entry of a feed, its HTML sanitised on the way in."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="items")
    # Denormalised so a community's news page is one indexed query, not a join per source.
    community = models.ForeignKey(
        "khub_communities.CommunityPage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    guid_hash = models.CharField(max_length=64)
    guid = models.CharField(max_length=1000)
    link = WebAddressField(max_length=1000, blank=True)
    title = models.CharField(max_length=300)
    summary_html = models.TextField(blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField()
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-published_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["source", "guid_hash"], name="khub_one_item_per_guid")]
        indexes = [
            models.Index(fields=["community", "-published_at", "-id"], name="khub_feeditem_community"),
            models.Index(fields=["source", "-published_at", "-id"], name="khub_feeditem_source"),
        ]

    def __str__(self):
        return self.title

    @staticmethod
    def hash_guid(guid):
        return hashlib.sha256(guid.encode("utf-8", "replace")).hexdigest()
