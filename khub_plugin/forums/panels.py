"""Forum panels: "Latest discussions" on a community's home page, and a StreamField block for any page."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

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


class LatestDiscussionsBlock(blocks.StructBlock):
    """The latest discussions of one community, or of the reader's own communities.

    Add it to any StreamField: ``("discussions", LatestDiscussionsBlock())``. Each reader sees only topics in
    communities whose content they may see; with nothing to show, the panel says so (or shows nothing at all
    for a community the reader may not see).
    """

    heading = blocks.CharBlock(default=_("Latest discussions"), max_length=80)
    community = blocks.PageChooserBlock(
        page_type="khub_communities.CommunityPage",
        required=False,
        help_text=_("Leave empty to show the latest discussions in the reader's own communities."),
    )
    count = blocks.IntegerBlock(default=5, min_value=1, max_value=20, label=_("Number of topics"))

    class Meta:
        icon = "comment"
        label = _("Latest discussions")
        template = "khub_plugin/forums/blocks/latest_discussions.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(panel_topics(value, request))
        return context


def panel_topics(value, request):
    """``{"topics": [...], "show": bool, "mine": bool}`` for this reader."""
    community = value.get("community")
    count = value.get("count") or 5
    if request is None or access.sign_in_required(request) is not None:
        return {"topics": [], "show": False, "mine": community is None}
    policy = access.for_request(request)
    if community is not None:
        if not policy.can_view(community.pk) or "forum" not in community.tools:
            return {"topics": [], "show": False, "mine": False}
        return {"topics": latest_topics(policy, [community.pk], count), "show": True, "mine": False}
    mine = [cid for cid in policy.memberships if policy.is_member(cid)]
    return {"topics": latest_topics(policy, mine, count), "show": policy.is_authenticated, "mine": True}
