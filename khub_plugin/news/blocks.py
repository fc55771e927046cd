"""The news panel: a StreamField block for any intranet page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from khub_plugin.communities import access
from khub_plugin.communities.blocks import CommunityChooserBlock
from khub_plugin.news.models import FeedItem


class NewsPanelBlock(blocks.StructBlock):
    """The latest items of one community's news sources, or of the site's own sources.

    Add it to any StreamField: ``("news", NewsPanelBlock())``. A community's news is shown only to people who
    may see that community's content; everyone else sees nothing at all, not even the heading.
    """

    heading = blocks.CharBlock(default=_("News"), max_length=80)
    community = CommunityChooserBlock(
        required=False,
        help_text=_("Leave empty to show the news sources editors manage for the whole site."),
    )
    count = blocks.IntegerBlock(default=5, min_value=1, max_value=20, label=_("Number of items"))

    class Meta:
        icon = "list-ul"
        label = _("News panel")
        template = "khub_plugin/news/blocks/news_panel.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["items"] = latest_items(value, (parent_context or {}).get("request"))
        return context


def latest_items(value, request):
    """The items the panel may show to this request's user (none if they may not see the community)."""
    community = value.get("community")
    if community is None:
        if request is None or access.sign_in_required(request) is not None:
            return []
        items = FeedItem.objects.filter(community__isnull=True)
    else:
        if request is None or not access.for_request(request).can_view(community.pk):
            return []
        items = FeedItem.objects.filter(community_id=community.pk)
    return list(items.select_related("source").order_by("-published_at", "-pk")[: value.get("count") or 5])
