"""Deciding community proposals: approval creates and publishes the community; the proposer facilitates it."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from khub_plugin.communities import activity, notify, services
from khub_plugin.communities.models import (
    Activity,
    CommunityIndexPage,
    CommunityPage,
    CommunityProposal,
    Stage,
)
from khub_plugin.communities.signals import community_proposal_decided

logger = logging.getLogger(__name__)


class ProposalError(Exception):
    """The proposal cannot be decided as asked; the message says why."""


def can_decide(user):
    """Site admins decide proposals: superusers and those allowed to change proposals in Wagtail admin."""
    return user.is_active and user.has_perm("khub_communities.change_communityproposal")


def approve(proposal, user, directory=None):
    """Create and publish the proposed community, make the proposer its facilitator, and tell them."""
    if proposal.status != CommunityProposal.Status.PENDING:
        raise ProposalError("This proposal has already been decided.")
    parent = proposal.parent or directory or CommunityIndexPage.objects.live().order_by("path").first()
    if parent is None:
        raise ProposalError(
            "There is no communities directory page to put the community in. Create one first."
        )
    with transaction.atomic():
        community = CommunityPage(
            title=proposal.name,
            slug=_free_slug(parent, proposal.name),
            purpose=proposal.purpose,
            visibility=proposal.visibility,
            stage=Stage.START_UP,
            owner=proposal.proposed_by,
        )
        community._khub_new_parent = parent.specific
        community.tools = community.default_tools()
        try:
            parent.add_child(instance=community)
        except ValidationError as error:
            # E.g. the parent has become less open since the proposal was made.
            raise ProposalError(" ".join(error.messages)) from None
        # can_decide() has authorised this; the admin need not also hold publish permission on the directory.
        community.save_revision(user=user, log_action=True).publish(user=user, skip_permission_checks=True)
        services.add_facilitator(community, proposal.proposed_by, actor=user)
        activity.record(proposal.proposed_by, Activity.Verb.COMMUNITY_CREATED, community)
        proposal.status = CommunityProposal.Status.APPROVED
        proposal.community = community
        _decided(proposal, user)
    notify.email_user(
        proposal.proposed_by, "proposal_approved", {"proposal": proposal, "community": community}
    )
    return community


def decline(proposal, user, reason=""):
    """Decline the proposal with a reason the proposer is told."""
    if proposal.status != CommunityProposal.Status.PENDING:
        raise ProposalError("This proposal has already been decided.")
    with transaction.atomic():
        proposal.status = CommunityProposal.Status.DECLINED
        proposal.decision_reason = reason.strip()
        _decided(proposal, user)
    notify.email_user(proposal.proposed_by, "proposal_declined", {"proposal": proposal})
    return proposal


def _decided(proposal, user):
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.save()
    transaction.on_commit(lambda: _announce(proposal, user))


def _announce(proposal, user):
    # As for membership_changed: a host's failing receiver must not break the decision or other receivers.
    results = community_proposal_decided.send_robust(sender=CommunityProposal, proposal=proposal, actor=user)
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error("community_proposal_decided receiver %r failed", receiver, exc_info=result)


def _free_slug(parent, name):
    base = slugify(name)[:60] or "community"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
