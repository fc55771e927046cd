"""Blocks the feature panels share."""

from wagtail import blocks


class CommunityChooserBlock(blocks.PageChooserBlock):
    """A page chooser that offers only community pages.

    Migrations see a plain page chooser. A host's own migrations record the StreamFields that offer khub's
    panels; if they named ``khub_communities.CommunityPage``, they would stop running (``LookupError``) once
    khub-plugin is uninstalled. The restriction matters only to the editor's chooser, never to the database.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("page_type", "khub_communities.CommunityPage")
        super().__init__(**kwargs)

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        kwargs.pop("page_type", None)
        return "wagtail.blocks.PageChooserBlock", args, kwargs
