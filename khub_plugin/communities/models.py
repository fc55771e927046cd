"""Wagtail page types of the core app."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from khub_plugin.common.context import khub_context
from khub_plugin.communities.access import sign_in_required


class CommunityIndexPage(Page):
    """ "All communities": the directory of the communities below it in the page tree."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("A short welcome shown above the list of communities."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    template = "khub_plugin/communities/community_index_page.html"
    # Community pages live under the directory; a directory inside a directory would only confuse members.
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("communities directory")
        verbose_name_plural = _("communities directories")

    def serve(self, request, *args, **kwargs):
        return sign_in_required(request) or super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(khub_context(request))
        return context
