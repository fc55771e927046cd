"""Private feeds: the per-user secret token a feed reader puts in feed URLs (DESIGN.md section 4).

A feed reader cannot sign in, so each person has one secret key
(:class:`~khub_plugin.communities.models.FeedToken`) that their personal feed addresses carry as
``?token=<key>``. A feed view marked with :func:`token_auth` and asked for with a valid key runs the access
policy *as the key's owner* for that one request (``CommunityPage.serve``); an unknown or replaced key gets a
404, never a sign-in page. The key never grants more than its owner may see now: a removed member's key shows
nothing of that community.

A feature that offers feeds:

* marks its feed views with :func:`token_auth`;
* builds the links pages show with :func:`feed_url` (adds the viewer's key only where a feed needs one);
* registers ``feeds(request, community, token)`` on its ``CommunityFeature`` for the "My feeds" page.
"""

import re
from urllib.parse import urlencode

from khub_plugin.communities import access
from khub_plugin.conf import khub_settings

#: The query parameter that carries the key.
PARAM = "token"
#: Keys longer than this are not looked up at all (a real key is 43 characters).
MAX_KEY_LENGTH = 64
#: What a key can be made of (``secrets.token_urlsafe``). Anything else is not looked up: a NUL byte in a
#: hand-edited address would otherwise be a database error on PostgreSQL, not a 404.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]+")


def token_for(user):
    """The person's feed key, created on first use."""
    from khub_plugin.communities.models import FeedToken

    return FeedToken.objects.get_or_create(user=user)[0].key


def regenerate(user):
    """Give the person a new key. Every address that carried the old one stops working at once."""
    from khub_plugin.communities.models import FeedToken
    from khub_plugin.communities.models.tokens import new_key

    key = new_key()
    FeedToken.objects.update_or_create(user=user, defaults={"key": key})
    return key


def user_for_key(key):
    """The active person whose key this is, or ``None`` (empty, malformed, over-long, unknown or replaced
    keys)."""
    from khub_plugin.communities.models import FeedToken

    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY_SHAPE.fullmatch(key):
        return None
    token = FeedToken.objects.filter(key=key, user__is_active=True).select_related("user").first()
    return token.user if token is not None else None


def token_auth(view):
    """Mark a feature view (a feed) as one a feed reader may open with ``?token=<key>``, without a session."""
    view.khub_token_auth = True
    return view


def is_token_auth(view):
    """Whether ``view`` (possibly wrapped in ``functools.partial``) was marked with :func:`token_auth`."""
    while hasattr(view, "func") and not getattr(view, "khub_token_auth", False):
        view = view.func
    return bool(getattr(view, "khub_token_auth", False))


def needs_token(request, community):
    """Whether a feed of ``community`` needs a key: anything a signed-out feed reader could not read."""
    if not khub_settings.ALLOW_ANONYMOUS:
        return True
    return not access.for_request(request).as_anonymous().can_view(community)


def feed_url(request, community, url):
    """The absolute address of one of ``community``'s feeds for the person viewing the page.

    It carries the viewer's key when the feed needs one and the viewer is signed in (creating the key on
    first use); otherwise it is the plain address.
    """
    url = request.build_absolute_uri(url)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and needs_token(request, community):
        key = getattr(request, "_khub_feed_key", None)
        if key is None:
            key = request._khub_feed_key = token_for(user)
        url = with_key(url, key)
    return url


def with_key(url, key):
    """``url`` with ``?token=<key>`` added."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({PARAM: key})}"
