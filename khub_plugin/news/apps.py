from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    """News panels aggregating RSS/Atom feeds a community chooses."""

    name = "khub_plugin.news"
    # Prefixed so that the app never collides with a host site's own "news" app.
    label = "khub_news"
    verbose_name = _("Communities: news")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from khub_plugin.communities.features import CommunityFeature, registry
        from khub_plugin.news import urls, views

        registry.register(
            CommunityFeature(
                name="news",
                label=_("News"),
                urlpatterns=urls.urlpatterns,
                order=60,
                description=_("News from the RSS and Atom feeds the community chooses."),
                panel=views.landing_panel,
            )
        )
