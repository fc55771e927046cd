"""Activity records: what happened, by whom, in which community. Read by the stream, alerts and metrics."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """One thing that happened. Written only through ``communities.activity.record()``."""

    class Verb(models.TextChoices):
        COMMUNITY_CREATED = "community-created", _("started the community")
        JOINED = "joined", _("joined")
        LEFT = "left", _("left")
        STAGE_CHANGED = "stage-changed", _("moved the community to a new stage")
        FACILITATOR_ADDED = "facilitator-added", _("became a facilitator")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=40, db_index=False)
    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="activities"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    summary = models.CharField(max_length=300, blank=True)
    #: Where the target can be read (a path on this site), stored when recorded so the stream costs no query
    #: per row. Empty when there is nothing to link to.
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="khub_activity_recent"),
            models.Index(fields=["community", "-created_at"], name="khub_activity_community"),
        ]

    def __str__(self):
        return f"{self.actor} {self.get_verb_display()} ({self.community})"

    def get_verb_display(self):
        try:
            return self.Verb(self.verb).label
        except ValueError:
            # Features name their own verbs (CommunityFeature.activity_verbs).
            from khub_plugin.communities.features import registry

            return registry.verb_label(self.verb)
