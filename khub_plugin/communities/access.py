"""The access policy: the one place that answers "may this person see or do this?".

DESIGN.md section 4. Views, feeds, search, panels and emails ask this module; nothing else decides.
"""

from django.contrib.auth.views import redirect_to_login

from khub_plugin.conf import khub_settings


def sign_in_required(request):
    """Return a redirect to the sign-in page if this visitor must sign in first, else ``None``.

    Intranet content is for staff: anonymous visitors see nothing unless the site sets
    ``KHUB_ALLOW_ANONYMOUS = True``.
    """
    if request.user.is_authenticated or khub_settings.ALLOW_ANONYMOUS:
        return None
    return redirect_to_login(request.get_full_path())
