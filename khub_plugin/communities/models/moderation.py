"""The moderation log: every moderation action in a community, with who and why (DESIGN.md section 5)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationAction(models.Model):
    """One moderation action. Written only through ``communities.moderation.log()``; never edited."""

    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="moderation_actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: A short machine name ("pin", "hide-post", "move"...); features label them in their own templates.
    action = models.CharField(max_length=40)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    #: What the target was called at the time (a topic's title), so the log reads well after a deletion.
    target_label = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="khub_moderation_community")]

    def __str__(self):
        return f"{self.actor} {self.action} {self.target_label} ({self.community_id})"

    def get_action_display(self):
        from khub_plugin.communities.features import registry

        return registry.action_label(self.action)
