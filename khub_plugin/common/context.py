"""Template context every khub page needs."""

from django.conf import settings
from django.shortcuts import resolve_url

from khub_plugin.conf import khub_settings

TEXT_SIZE_COOKIE = "khub_text_size"
#: The text sizes a reader can choose, as the original platform offered.
TEXT_SIZES = ("standard", "large", "larger")


def khub_context(request):
    """The context ``khub_plugin/base.html`` relies on: the host template to extend, sign-in, text size."""
    size = request.COOKIES.get(TEXT_SIZE_COOKIE) if request is not None else None
    return {
        "khub_base_template": khub_settings.BASE_TEMPLATE,
        "khub_login_url": resolve_url(settings.LOGIN_URL),
        "khub_text_size": size if size in TEXT_SIZES else "standard",
        "khub_text_sizes": TEXT_SIZES,
    }
