"""The ``KHUB_*`` settings, with their defaults.

Values are read from ``django.conf.settings`` each time they are asked for, never at import time, so that
tests and sites can override them (``override_settings`` works). Every setting is documented in
``docs/reference/settings.md``.
"""

from django.conf import settings as django_settings

DEFAULTS = {
    # The host template every khub page extends, so communities appear inside the intranet's own header,
    # navigation and styles. It must define the blocks "title", "content", "extra_css" and "extra_js".
    "BASE_TEMPLATE": "base.html",
    # Whether visitors who are not signed in may see open communities. Off: intranets are for staff.
    "ALLOW_ANONYMOUS": False,
}


class KhubSettings:
    """Attribute access to ``KHUB_<NAME>`` settings, falling back to :data:`DEFAULTS`."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown khub setting: KHUB_{name}")
        return getattr(django_settings, f"KHUB_{name}", DEFAULTS[name])


khub_settings = KhubSettings()
