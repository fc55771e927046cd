from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    """Community pages, membership and the one access policy every feature uses."""

    name = "khub_plugin.communities"
    label = "khub_communities"
    verbose_name = _("Communities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from khub_plugin.communities import privacy

        # Publishing a community (in the admin or by a facilitator) may change who can see it and its
        # sub-communities: keep Wagtail's restrictions and the search index in step.
        page_published.connect(privacy.on_page_published, dispatch_uid="khub_sync_privacy")
        # Unpublishing hides everything below: their restrictions and index entries must follow.
        page_unpublished.connect(privacy.on_page_published, dispatch_uid="khub_sync_privacy_unpublished")
