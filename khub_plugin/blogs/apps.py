from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlogsConfig(AppConfig):
    """Personal blogs whose posts can be published into communities."""

    name = "khub_plugin.blogs"
    # Prefixed so that the app never collides with a host site's own "blogs" app.
    label = "khub_blogs"
    verbose_name = _("Communities: blogs")
    default_auto_field = "django.db.models.BigAutoField"
