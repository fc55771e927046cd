from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Email alerts and digests of community activity."""

    name = "khub_plugin.alerts"
    # Prefixed so that the app never collides with a host site's own "alerts" app.
    label = "khub_alerts"
    verbose_name = _("Communities: alerts")
    default_auto_field = "django.db.models.BigAutoField"
