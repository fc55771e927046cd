"""Proposals for new communities, which site admins approve or decline in Wagtail admin."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .pages import Visibility


class CommunityProposal(models.Model):
    """A member's proposal for a new community. Approval creates and publishes the community page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    name = models.CharField(_("name"), max_length=120)
    purpose = models.CharField(
        _("purpose"),
        max_length=300,
        help_text=_("One sentence: why the community should exist and who it is for."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.OPEN
    )
    parent = models.ForeignKey(
        "khub_communities.CommunityPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("inside community"),
        help_text=_(
            "Leave empty for a community of its own, or choose one you belong to for a sub-community."
        ),
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    community = models.ForeignKey(
        "khub_communities.CommunityPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("community proposal")
        verbose_name_plural = _("community proposals")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name
