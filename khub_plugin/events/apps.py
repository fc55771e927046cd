from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Community events with calendars and iCal feeds."""

    name = "khub_plugin.events"
    # Prefixed so that the app never collides with a host site's own "events" app.
    label = "khub_events"
    verbose_name = _("Communities: events")
    default_auto_field = "django.db.models.BigAutoField"
