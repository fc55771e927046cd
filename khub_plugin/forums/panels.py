"""The forum's "Latest discussions" on a community's home page, and the topic query it shares with the
StreamField block (``blocks.py``)."""

from django.template.loader import render_to_string

from khub_plugin.communities import access
from khub_plugin.communities.models import CommunityPage
from khub_plugin.forums.models import Topic


def latest_topics(policy, community_ids, count):
    """The most recently active visible topics in these communities (only those the policy may see)."""
    allowed = [cid for cid in community_ids if policy.can_view(cid)]
    if not allowed:
        return []
    # Only communities whose forum is switched on (tools is a JSON list: checked here, not in SQL).
    rows = CommunityPage.objects.filter(pk__in=allowed).values_list("id", "tools")
    allowed = [cid for cid, tools in rows if "forum" in (tools or [])]
    if not allowed:
        return []
    topics = (
        Topic.objects.filter(community_id__in=allowed, is_hidden=False)
        .select_related("community", "last_author")
        .order_by("-last_activity_at", "-id")
    )
    return list(topics[:count])


def landing_panel(request, community):
    """ "Latest discussions" on the community's home page (members and those who may read it)."""
    policy = access.for_request(request)
    topics = latest_topics(policy, [community.pk], 5)
    for topic in topics:
        topic.community = community  # the page we are on: no extra query per row for URLs
    return render_to_string(
        "khub_plugin/forums/landing_panel.html",
        {"page": community, "topics": topics, "request": request},
        request=request,
    )
