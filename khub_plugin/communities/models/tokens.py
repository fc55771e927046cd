"""Per-user secret tokens for private feeds (DESIGN.md section 4)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_key():
    """A fresh unguessable key (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class FeedToken(models.Model):
    """The secret a person's feed reader puts in feed URLs instead of a session.

    A feed fetched with the token runs through the access policy as that person, so it shows only what they
    may see *now*: a removed member's token stops showing the community at once. Regenerating replaces the
    key, which kills every URL that carried the old one.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="khub_feed_token"
    )
    key = models.CharField(max_length=64, unique=True, default=new_key)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feed token")
        verbose_name_plural = _("feed tokens")

    def __str__(self):
        return f"Feed token of {self.user}"
