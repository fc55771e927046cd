"""Signals khub sends for host integrations (documented in docs/reference/signals.md).

``membership_changed(sender=Membership, membership, previous_state, actor)``
    After any membership change is committed: join, request, approval, decline, invitation, acceptance,
    leaving, removal, role change. ``previous_state`` is ``None`` for a new membership.

``community_proposal_decided(sender=CommunityProposal, proposal, actor)``
    After a site admin approves or declines a proposed community.
"""

from django.dispatch import Signal

membership_changed = Signal()
community_proposal_decided = Signal()
