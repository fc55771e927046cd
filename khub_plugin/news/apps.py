from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    """News panels aggregating RSS/Atom feeds a community chooses."""

    name = "khub_plugin.news"
    # Prefixed so that the app never collides with a host site's own "news" app.
    label = "khub_news"
    verbose_name = _("Communities: news")
    default_auto_field = "django.db.models.BigAutoField"
