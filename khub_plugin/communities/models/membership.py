"""Who belongs to which community, in which state and role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=Membership.State.ACTIVE)

    def facilitators(self):
        return self.active().filter(role=Membership.Role.FACILITATOR)


class Membership(models.Model):
    """One person's relationship with one community. Changed only through ``communities.services``."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        REQUESTED = "requested", _("Asked to join")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        FACILITATOR = "facilitator", _("Facilitator")

    community = models.ForeignKey(
        "khub_communities.CommunityPage", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="khub_memberships"
    )
    state = models.CharField(max_length=20, choices=State.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    message = models.TextField(
        _("message"),
        blank=True,
        max_length=1000,
        help_text=_("Why they asked to join, or the invitation's note."),
    )
    decision_reason = models.TextField(blank=True, max_length=1000)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    joined_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="khub_one_membership_per_user")
        ]
        indexes = [
            # Members page and facilitator queues: a community's members by state, newest first.
            models.Index(fields=["community", "state", "-joined_at"], name="khub_membership_list"),
            # The access policy: all of one user's memberships, once per request.
            models.Index(fields=["user", "state"], name="khub_membership_user"),
        ]
        permissions = [("moderate_communities", _("Can moderate every community (site moderator)"))]

    def __str__(self):
        return f"{self.user} in {self.community}: {self.get_state_display()}"

    @property
    def is_active(self):
        return self.state == self.State.ACTIVE

    @property
    def is_facilitator(self):
        return self.is_active and self.role == self.Role.FACILITATOR
