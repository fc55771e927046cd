from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    """Threaded discussions inside a community."""

    name = "khub_plugin.forums"
    # Prefixed so that the app never collides with a host site's own "forums" app.
    label = "khub_forums"
    verbose_name = _("Communities: forums")
    default_auto_field = "django.db.models.BigAutoField"
