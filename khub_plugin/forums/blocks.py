"""The forum's StreamField panel for editors: "Latest discussions", on community pages or any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from khub_plugin.communities import access
from khub_plugin.communities.blocks import CommunityChooserBlock
from khub_plugin.forums.panels import latest_topics


class LatestDiscussionsBlock(blocks.StructBlock):
    """The latest discussions of one community, or of the reader's own communities.

    Add it to any StreamField: ``("discussions", LatestDiscussionsBlock())``. Each reader sees only topics in
    communities whose content they may see; with nothing to show, the panel says so (or shows nothing at all
    for a community the reader may not see).
    """

    heading = blocks.CharBlock(default=_("Latest discussions"), max_length=80)
    community = CommunityChooserBlock(
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
