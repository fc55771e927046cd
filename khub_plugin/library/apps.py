from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    """A community's document library with ratings, comments and tags."""

    name = "khub_plugin.library"
    # Prefixed so that the app never collides with a host site's own "library" app.
    label = "khub_library"
    verbose_name = _("Communities: library")
    default_auto_field = "django.db.models.BigAutoField"
