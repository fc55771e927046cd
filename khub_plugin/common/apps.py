from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Shared building blocks; also where the package's system checks are registered."""

    name = "khub_plugin.common"
    label = "khub_common"
    verbose_name = _("Communities: shared")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from khub_plugin import checks  # noqa: F401  (registers the system checks)
