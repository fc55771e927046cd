from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """Profiles with expertise and interests, the people finder, contacts and messages."""

    name = "khub_plugin.people"
    # Prefixed so that the app never collides with a host site's own "people" app.
    label = "khub_people"
    verbose_name = _("Communities: people")
    default_auto_field = "django.db.models.BigAutoField"
