from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KhubModelAdminConfig(AppConfig):
    """khub models through wagtail-modeladmin (opt-in)."""

    name = "khub_plugin.contrib.modeladmin"
    label = "khub_modeladmin"
    verbose_name = _("Communities: modeladmin screens")

    def ready(self):
        from django.core import checks

        from khub_plugin.contrib.modeladmin import options

        checks.register(options.check_installed_apps, checks.Tags.compatibility)
