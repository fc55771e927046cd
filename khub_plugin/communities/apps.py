from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    """Community pages, membership and the one access policy every feature uses."""

    name = "khub_plugin.communities"
    label = "khub_communities"
    verbose_name = _("Communities")
    default_auto_field = "django.db.models.BigAutoField"
