"""Small views shared by every feature."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from khub_plugin.common.context import TEXT_SIZE_COOKIE, TEXT_SIZES


@require_POST
def text_size(request):
    """Remember the reader's text size (a cookie; no account needed) and go back to the page they were on.

    A form with buttons rather than script, so it works on old browsers and with JavaScript switched off.
    """
    size = request.POST.get("size")
    target = request.POST.get("next", "")
    # Only a path on this site. HttpResponseRedirect, not redirect(): that would try "-1" as a URL name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if size in TEXT_SIZES:
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            size,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
        )
    return response
