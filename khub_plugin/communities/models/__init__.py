"""Models of the core app, one module per concept."""

from .activity import Activity
from .membership import Membership, MembershipQuerySet
from .pages import CommunityIndexPage, CommunityPage, CommunityTag, Stage, Visibility
from .proposals import CommunityProposal

__all__ = [
    "Activity",
    "CommunityIndexPage",
    "CommunityPage",
    "CommunityProposal",
    "CommunityTag",
    "Membership",
    "MembershipQuerySet",
    "Stage",
    "Visibility",
]
