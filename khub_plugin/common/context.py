"""Template context every khub page needs."""

from django.conf import settings
from django.shortcuts import resolve_url

from khub_plugin.conf import khub_settings


def khub_context(request):
    """The context ``khub_plugin/base.html`` relies on: which host template to extend, where to sign in."""
    return {
        "khub_base_template": khub_settings.BASE_TEMPLATE,
        "khub_login_url": resolve_url(settings.LOGIN_URL),
    }
