"""Models of the core app, one module per concept."""

from .activity import Activity
from .membership import Membership, MembershipQuerySet
from .moderation import ModerationAction
from .pages import CommunityIndexPage, CommunityPage, CommunityTag, Stage, Visibility
from .proposals import CommunityProposal
from .tokens import FeedToken

__all__ = [
    "Activity",
    "CommunityIndexPage",
    "CommunityPage",
    "CommunityProposal",
    "CommunityTag",
    "FeedToken",
    "Membership",
    "MembershipQuerySet",
    "ModerationAction",
    "Stage",
    "Visibility",
]
