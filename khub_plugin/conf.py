"""The ``KHUB_*`` settings, with their defaults.

Values are read from ``django.conf.settings`` each time they are asked for, never at import time, so that
tests and sites can override them (``override_settings`` works). Every setting is documented in
``docs/reference/settings.md``.
"""

from django.conf import settings as django_settings

from khub_plugin import __version__

DEFAULTS = {
    # The host template every khub page extends, so communities appear inside the intranet's own header,
    # navigation and styles. It must define the blocks "title", "content", "extra_css" and "extra_js".
    "BASE_TEMPLATE": "base.html",
    # Which of the host base template's blocks each of khub's four blocks goes into, for a host whose base
    # template uses other names ({"content": "main", ...}). Keys are khub's names; leave out what is the same.
    "BASE_TEMPLATE_BLOCKS": {
        "title": "title",
        "content": "content",
        "extra_css": "extra_css",
        "extra_js": "extra_js",
    },
    # Whether visitors who are not signed in may see open communities. Off: intranets are for staff.
    "ALLOW_ANONYMOUS": False,
    # Add a Server-Timing header (SQL query count and time, total time) to every response. For development
    # and measurement; needs khub_plugin.common.middleware.ServerTimingMiddleware in MIDDLEWARE.
    "SERVER_TIMING": False,
    # How the access policy asks whether someone is a site moderator: "query" (one query on Django's own
    # user and group permissions) or "has_perm" (user.has_perm, which asks every authentication backend).
    "MODERATOR_CHECK": "query",
    # The intranet's address for links in emails ("https://intranet.council.gov.uk"). None: the root URL of
    # Wagtail's default Site, else WAGTAILADMIN_BASE_URL (khub_plugin/common/links.py; check khub.W006).
    "SITE_URL": None,
    # Seconds that queueing one background task may wait for the Celery broker (per attempt; two attempts)
    # before the request gives up on it, logs a warning and leaves the work to the periodic task.
    "TASK_PUBLISH_TIMEOUT": 2.0,
    # Spam and abuse limits on what members post (forum topics and replies, and later other contributions):
    # the shortest time between two posts by one person, and the most posts one person may make in 24 hours.
    # Site moderators are exempt. 0 switches a limit off.
    "POST_MIN_INTERVAL_SECONDS": 15,
    "POSTS_PER_DAY": 200,
    # Forum page sizes: topics per page and replies per page of a topic (members can choose 10, 20 or 50).
    "FORUM_TOPICS_PER_PAGE": 20,
    "FORUM_REPLIES_PER_PAGE": 20,
    # News: how often each source is fetched, and how many of its newest items are kept.
    "NEWS_FETCH_INTERVAL_MINUTES": 60,
    "NEWS_ITEMS_PER_SOURCE": 50,
    # The most news sources one community may follow (members see a plain error past it). 0: no limit.
    "NEWS_SOURCES_PER_COMMUNITY": 50,
    # The safe fetcher (khub_plugin/common/fetch.py, docs/reference/fetcher.md), the only way khub fetches the
    # outside world. Intranet hosts (private addresses) are refused unless listed here: exact names or IPs
    # (any allowed port), "host:port" (that port only, even if not in FETCH_ALLOWED_PORTS), or a URL prefix
    # "http://host:port/path/" (that scheme, host, port and path only).
    "FETCH_ALLOWED_HOSTS": [],
    # The ports a fetched address may use.
    "FETCH_ALLOWED_PORTS": [80, 443],
    # The most bytes one fetch may return (as received, and after gzip/deflate decoding).
    "FETCH_MAX_BYTES": 5_000_000,
    # Seconds one whole fetch may take: DNS, connecting, redirects and the whole body.
    "FETCH_TIMEOUT": 10,
    # The User-Agent header sent with every fetch.
    "FETCH_USER_AGENT": f"khub-plugin/{__version__} (+feed reader)",
    # A CA bundle (a path) for checking HTTPS certificates; None: the operating system's trusted ones.
    "FETCH_CA_BUNDLE": None,
    # An HTTP proxy for every fetch, "http://[user:password@]host:port". None: HTTPS_PROXY/HTTP_PROXY from
    # the environment; "": never a proxy. NO_PROXY is honoured. Targets are still checked here, then reached
    # through the proxy by CONNECT to their checked address.
    "FETCH_PROXY": None,
    # How khub names, sorts, searches, emails and finds people: a dotted path to a class like (usually a
    # subclass of) khub_plugin.common.names.PersonNames, for user models that keep names in their own fields.
    "PERSON_NAMES": "khub_plugin.common.names.PersonNames",
}


class KhubSettings:
    """Attribute access to ``KHUB_<NAME>`` settings, falling back to :data:`DEFAULTS`."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown khub setting: KHUB_{name}")
        return getattr(django_settings, f"KHUB_{name}", DEFAULTS[name])


khub_settings = KhubSettings()
