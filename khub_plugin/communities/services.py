"""Membership flows. Every change to a membership goes through these functions.

Each takes the :class:`~khub_plugin.communities.access.Access` of the person acting, checks that they may act,
changes the membership in one transaction (keeping ``CommunityPage.member_count`` right with ``F()``), records
activity, sends ``membership_changed`` and any email. They raise :class:`NotAllowed` when the person may not
act at all (a 403 or 404 for views) and :class:`MembershipError` when the action breaks a rule the person
should be told about (shown as a message).
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from khub_plugin.common import names
from khub_plugin.communities import activity, notify
from khub_plugin.communities.models import Activity, CommunityPage, Membership, Visibility
from khub_plugin.communities.signals import membership_changed

logger = logging.getLogger(__name__)
State = Membership.State
Role = Membership.Role


class NotAllowed(PermissionDenied):
    """The person may not do this here."""


class MembershipError(Exception):
    """The action breaks a membership rule; the message says which, in words for the person acting."""


def _lock(community, user):
    """The membership row of ``user`` in ``community``, locked for update, or an unsaved one."""
    membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
    return membership or Membership(community=community, user=user, state="")


def _save(membership, new_state, actor, role=None, **fields):
    """Move ``membership`` to ``new_state`` (``actor`` is the user acting) and keep the member count right."""
    previous = membership.state or None
    was_active = previous == State.ACTIVE
    membership.state = new_state
    if role is not None:
        membership.role = role
    for name, value in fields.items():
        setattr(membership, name, value)
    if new_state == State.ACTIVE and not was_active:
        membership.joined_at = timezone.now()
    membership.save()
    delta = (new_state == State.ACTIVE) - was_active
    if delta:
        CommunityPage.objects.filter(pk=membership.community_id).update(
            member_count=F("member_count") + delta
        )
    transaction.on_commit(lambda: _announce(membership, previous, actor))
    return membership


def _announce(membership, previous, actor):
    # A host's failing receiver must not turn a saved change into an error page, nor stop other receivers.
    results = membership_changed.send_robust(
        sender=Membership, membership=membership, previous_state=previous, actor=actor
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error("membership_changed receiver %r failed", receiver, exc_info=result)


def _parent_gate(policy, community, user_policy=None):
    """Joining a sub-community needs the parent's content to be visible to the joiner."""
    parent = community.parent_community
    return parent is None or (user_policy or policy).can_view(parent)


def join(policy, community):
    """Join an open community (or accept a pending invitation to any community)."""
    if not policy.is_authenticated or not policy.can_see(community) or not _parent_gate(policy, community):
        raise NotAllowed
    with transaction.atomic():
        membership = _lock(community, policy.user)
        if membership.state == State.ACTIVE:
            raise MembershipError(_("You are already a member of this community."))
        if membership.state == State.REMOVED:
            raise MembershipError(
                _("A facilitator removed you from this community. Ask them to invite you back.")
            )
        if membership.state != State.INVITED and community.visibility != Visibility.OPEN:
            raise NotAllowed
        _save(membership, State.ACTIVE, policy.user, role=membership.role or Role.MEMBER)
        activity.record(policy.user, Activity.Verb.JOINED, community)
    return membership


def request_to_join(policy, community, message=""):
    """Ask to join a restricted community; its facilitators decide."""
    if not policy.is_authenticated or not policy.can_see(community) or not _parent_gate(policy, community):
        raise NotAllowed
    if community.visibility != Visibility.RESTRICTED:
        raise NotAllowed
    with transaction.atomic():
        membership = _lock(community, policy.user)
        if membership.state == State.ACTIVE:
            raise MembershipError(_("You are already a member of this community."))
        if membership.state == State.REQUESTED:
            raise MembershipError(_("You have already asked to join. A facilitator will decide soon."))
        if membership.state == State.INVITED:
            raise MembershipError(_("You have an invitation to this community: accept it instead."))
        if membership.state == State.REMOVED:
            raise MembershipError(
                _("A facilitator removed you from this community. Ask them to invite you back.")
            )
        _save(membership, State.REQUESTED, policy.user, role=Role.MEMBER, message=message.strip()[:1000])
    for facilitator in _facilitators(community):
        notify.email_user(
            facilitator,
            "request_received",
            {"community": community, "requester": policy.user, "message": membership.message},
        )
    return membership


def _moderated(policy, community, membership_id, states):
    """Membership ``membership_id`` of *this* community, in one of ``states``, if ``policy`` moderates it."""
    if not policy.can_moderate(community):
        raise NotAllowed
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership_id, community=community)
        .first()
    )
    # A membership of another community (an id changed in the URL) is simply not found here.
    if membership is None:
        raise NotAllowed
    if membership.state not in states:
        raise MembershipError(_("That membership has changed since the page was loaded."))
    return membership


def approve(policy, community, membership_id):
    """A facilitator approves a request to join."""
    with transaction.atomic():
        membership = _moderated(policy, community, membership_id, [State.REQUESTED])
        _save(membership, State.ACTIVE, policy.user, decided_by=policy.user, decision_reason="")
        activity.record(membership.user, Activity.Verb.JOINED, community)
    notify.email_user(membership.user, "request_approved", {"community": community})
    return membership


def decline(policy, community, membership_id, reason=""):
    """A facilitator declines a request to join, optionally saying why."""
    with transaction.atomic():
        membership = _moderated(policy, community, membership_id, [State.REQUESTED])
        _save(
            membership,
            State.DECLINED,
            policy.user,
            decided_by=policy.user,
            decision_reason=reason.strip()[:1000],
        )
    notify.email_user(
        membership.user, "request_declined", {"community": community, "reason": membership.decision_reason}
    )
    return membership


def invite(policy, community, user, message=""):
    """A facilitator invites an existing user (in an open community: only to let a removed person back)."""
    from khub_plugin.communities.access import Access

    if not policy.can_moderate(community):
        raise NotAllowed
    if not user.is_active:
        raise MembershipError(_("That account is not active."))
    if not _parent_gate(policy, community, Access(user)):
        raise MembershipError(
            _("%(name)s must be a member of the parent community first.") % {"name": _display(user)}
        )
    with transaction.atomic():
        membership = _lock(community, user)
        if membership.state == State.ACTIVE:
            raise MembershipError(_("%(name)s is already a member.") % {"name": _display(user)})
        if membership.state == State.INVITED:
            raise MembershipError(_("%(name)s has already been invited.") % {"name": _display(user)})
        if membership.state == State.REQUESTED:
            raise MembershipError(
                _("%(name)s has asked to join: approve their request instead.") % {"name": _display(user)}
            )
        if community.visibility == Visibility.OPEN and membership.state != State.REMOVED:
            # In an open community an invitation is only needed to let someone back in after removal.
            raise MembershipError(_("Anyone can join an open community: send them its link instead."))
        _save(
            membership,
            State.INVITED,
            policy.user,
            role=Role.MEMBER,
            invited_by=policy.user,
            message=message.strip()[:1000],
        )
    notify.email_user(
        user, "invited", {"community": community, "inviter": policy.user, "message": membership.message}
    )
    return membership


def _own(policy, community, state):
    """The acting person's own membership of ``community``, locked, which must be in ``state``."""
    if not policy.is_authenticated:
        raise NotAllowed
    membership = _lock(community, policy.user)
    if membership.state != state:
        raise NotAllowed
    return membership


def decline_invitation(policy, community):
    """The invited person says no."""
    with transaction.atomic():
        membership = _own(policy, community, State.INVITED)
        _save(membership, State.DECLINED, policy.user)
    return membership


def leave(policy, community):
    """A member leaves. The last facilitator must hand over first."""
    with transaction.atomic():
        membership = _own(policy, community, State.ACTIVE)
        if membership.role == Role.FACILITATOR and _facilitator_count(community) <= 1:
            raise MembershipError(
                _("You are the only facilitator. Make another member a facilitator before you leave.")
            )
        _save(membership, State.LEFT, policy.user, role=Role.MEMBER)
        activity.record(policy.user, Activity.Verb.LEFT, community)
    return membership


def withdraw_request(policy, community):
    """The requester changes their mind."""
    with transaction.atomic():
        membership = _own(policy, community, State.REQUESTED)
        _save(membership, State.LEFT, policy.user)
    return membership


def remove(policy, community, membership_id, reason=""):
    """A facilitator removes a member. Removal is immediate everywhere."""
    with transaction.atomic():
        membership = _moderated(policy, community, membership_id, [State.ACTIVE])
        if membership.user_id == policy.user.pk:
            raise MembershipError(_("To leave the community yourself, use Leave."))
        if (
            membership.role == Role.FACILITATOR
            and membership.is_active
            and _facilitator_count(community) <= 1
        ):
            raise MembershipError(_("A community needs at least one facilitator."))
        _save(
            membership,
            State.REMOVED,
            policy.user,
            role=Role.MEMBER,
            decided_by=policy.user,
            decision_reason=reason.strip()[:1000],
        )
    return membership


def cancel_invitation(policy, community, membership_id):
    """A facilitator withdraws an invitation. The person is not barred: they may be invited or ask again."""
    with transaction.atomic():
        membership = _moderated(policy, community, membership_id, [State.INVITED])
        _save(membership, State.DECLINED, policy.user, decided_by=policy.user)
    return membership


def set_role(policy, community, membership_id, role):
    """A facilitator makes a member a facilitator, or a facilitator a member again."""
    if role not in Role.values:
        raise MembershipError(_("Unknown role."))
    with transaction.atomic():
        membership = _moderated(policy, community, membership_id, [State.ACTIVE])
        if membership.role == role:
            return membership
        if role == Role.MEMBER and _facilitator_count(community) <= 1:
            raise MembershipError(
                _("A community needs at least one facilitator. Make someone else one first.")
            )
        _save(membership, State.ACTIVE, policy.user, role=role)
        if role == Role.FACILITATOR:
            activity.record(membership.user, Activity.Verb.FACILITATOR_ADDED, community)
    return membership


def add_facilitator(community, user, actor=None):
    """Make ``user`` an active facilitator (when a proposal is approved, and for demo data)."""
    with transaction.atomic():
        membership = _lock(community, user)
        if membership.is_facilitator:
            return membership
        return _save(membership, State.ACTIVE, actor, role=Role.FACILITATOR)


def set_stage(policy, community, stage):
    """A facilitator moves the community to another lifecycle stage."""
    if not policy.can_moderate(community):
        raise NotAllowed
    if stage == community.stage:
        return community
    community.stage = stage
    _publish(community, policy.user)
    activity.record(
        policy.user, Activity.Verb.STAGE_CHANGED, community, summary=community.get_stage_display()
    )
    return community


def set_tools(policy, community, tools):
    """A facilitator chooses the community's tools (validated against the registry and the parent)."""
    if not policy.can_moderate(community):
        raise NotAllowed
    community.tools = list(tools)
    community.full_clean()
    _publish(community, policy.user)
    # A sub-community can never keep a tool its parent no longer offers.
    for child in community.get_descendants().type(CommunityPage).live().specific():
        kept = [name for name in child.tools if name in community.tools]
        if kept != child.tools:
            child.tools = kept
            _publish(child, policy.user)
    return community


def _publish(community, user):
    """Save a facilitator's change as a new published revision, so editors see it in the page history."""
    revision = community.save_revision(user=user, log_action=True)
    # Facilitators are not Wagtail editors: the access policy has already authorised this change.
    revision.publish(user=user, skip_permission_checks=True)


def _facilitators(community):
    return [
        m.user for m in Membership.objects.facilitators().filter(community=community).select_related("user")
    ]


def _facilitator_count(community):
    return Membership.objects.facilitators().filter(community=community).count()


def _display(user):
    return names.display_name(user)
