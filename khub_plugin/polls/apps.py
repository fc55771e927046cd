from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    """Polls that facilitators run inside a community."""

    name = "khub_plugin.polls"
    # Prefixed so that the app never collides with a host site's own "polls" app.
    label = "khub_polls"
    verbose_name = _("Communities: polls")
    default_auto_field = "django.db.models.BigAutoField"
