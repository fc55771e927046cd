from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    """Threaded discussions inside a community."""

    name = "khub_plugin.forums"
    # Prefixed so that the app never collides with a host site's own "forums" app.
    label = "khub_forums"
    verbose_name = _("Communities: forums")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from khub_plugin.communities.features import CommunityFeature, registry
        from khub_plugin.forums import feeds, panels, search, services, urls

        registry.register(
            CommunityFeature(
                name="forum",
                label=_("Forum"),
                urlpatterns=urls.urlpatterns,
                order=10,
                description=_("Threaded discussions: ask, answer, and keep what the community learns."),
                panel=panels.landing_panel,
                activity_verbs={
                    services.TOPIC_STARTED: _("started a topic"),
                    services.REPLY_POSTED: _("replied to"),
                    services.ANSWER_ACCEPTED: _("accepted an answer in"),
                },
                moderation_actions={
                    "pin": _("pinned"),
                    "unpin": _("unpinned"),
                    "lock": _("locked"),
                    "unlock": _("unlocked"),
                    "hide-topic": _("hid the topic"),
                    "restore-topic": _("restored the topic"),
                    "delete-topic": _("deleted their own topic"),
                    "hide-post": _("hid a reply"),
                    "hide-answer": _("hid the accepted answer"),
                    "restore-post": _("restored a reply"),
                    "move": _("moved the topic"),
                    "remove-tag": _("removed a tag from"),
                },
                search=search.site_search,
                feeds=feeds.my_feeds,
            )
        )
