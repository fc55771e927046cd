"""The intranet's own page types: they exist before, and without, khub-plugin."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from khub_plugin.forums.blocks import LatestDiscussionsBlock
from khub_plugin.news.blocks import NewsPanelBlock


class HomePage(Page):
    """The intranet's home page."""

    intro = RichTextField(blank=True)
    body = RichTextField(blank=True)
    # Panels beside the body: khub-plugin's panels work on any page of the intranet.
    panels = StreamField(
        [("news", NewsPanelBlock()), ("discussions", LatestDiscussionsBlock())],
        blank=True,
        use_json_field=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body"), FieldPanel("panels")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]


class StandardPage(Page):
    """An ordinary content page: HR policies, IT help, news."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
