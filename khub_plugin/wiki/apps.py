from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WikiConfig(AppConfig):
    """Shared pages with revision history inside a community."""

    name = "khub_plugin.wiki"
    # Prefixed so that the app never collides with a host site's own "wiki" app.
    label = "khub_wiki"
    verbose_name = _("Communities: wiki")
    default_auto_field = "django.db.models.BigAutoField"
