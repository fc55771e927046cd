"""Absolute links for places that have no request to build them from: emails, and tasks that send them.

One answer to "what is this site's address?", in this order:

1. the ``KHUB_SITE_URL`` setting, used as given;
2. the root URL of Wagtail's default ``Site`` (Settings > Sites in Wagtail admin), unless it is still a
   placeholder such as ``localhost`` or ``example.com``;
3. ``WAGTAILADMIN_BASE_URL``, unless it is a placeholder (``wagtail start`` writes ``http://example.com``);
4. whichever of the two is a local address (``localhost``, ``127.0.0.1``: a developer's machine);
5. nothing (``""``): links stay relative rather than point at someone else's domain. Never ``example.com``.

System check ``khub.W006`` warns when a production site (``DEBUG = False``) would get step 4 or 5.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError

from khub_plugin.conf import khub_settings

logger = logging.getLogger(__name__)

#: Domains reserved for documentation (RFC 2606 and 6761): a link to them never reaches the intranet.
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "example", "invalid")
#: Names and addresses that only mean "this machine".
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - compared with, never bound to


def _hostname(url):
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_placeholder(url):
    """Whether ``url`` has no host, or a host reserved for examples (``example.com``, ``*.invalid``...)."""
    host = _hostname(url)
    return not host or any(host == d or host.endswith("." + d) for d in PLACEHOLDER_DOMAINS)


def is_local(url):
    """Whether ``url`` points at the machine it is opened on (``localhost``, ``127.0.0.1``...)."""
    host = _hostname(url)
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def is_usable(url):
    """Whether ``url`` is an address a colleague could open from an email."""
    return bool(url) and not is_placeholder(url) and not is_local(url)


def default_site_root_url():
    """The root URL of Wagtail's default Site, or ``""`` (no site yet, or no database to ask)."""
    from wagtail.models import Site

    try:
        site = Site.objects.filter(is_default_site=True).only("hostname", "port").first()
    except DatabaseError:  # not migrated yet, or the database is away: no answer rather than an error
        return ""
    return site.root_url if site else ""


def site_url():
    """The site's absolute base URL, no trailing slash (``https://intranet.council.gov.uk``), or ``""``."""
    configured = khub_settings.SITE_URL
    if configured:
        return str(configured).rstrip("/")
    candidates = [default_site_root_url(), getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""]
    for url in candidates:
        if is_usable(url):
            return url.rstrip("/")
    for url in reversed(candidates):  # a developer's machine: WAGTAILADMIN_BASE_URL names the real port
        if url and not is_placeholder(url):
            return url.rstrip("/")
    return ""


def absolute_url(url, base=None):
    """``url`` made absolute with :func:`site_url` (``base`` if given). An absolute ``url`` is kept: Wagtail
    gives a page's full URL, on its own site, when the installation has several sites."""
    if not url or urlsplit(url).scheme:
        return url
    base = site_url() if base is None else base
    return base + url if url.startswith("/") else f"{base}/{url}"


def base_url_problem():
    """Why emails would carry no usable link, in plain words, or ``None``. For the system check: it asks the
    database only when no setting answers."""
    if khub_settings.SITE_URL:
        return None
    if is_usable(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""):
        return None
    try:
        root_url = default_site_root_url()
    except Exception:  # noqa: BLE001 - a check must never crash `manage.py check`
        logger.debug("Could not read the default Site for the site URL check", exc_info=True)
        root_url = ""
    if is_usable(root_url):
        return None
    shown = root_url or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "nothing"
    return f"Links in khub's emails would point at {shown}: no address of this site is configured."


def email_links(context):
    """What email templates link with: ``site_url``, and ``community_link`` if ``context`` has a community."""
    base = site_url()
    links = {"site_url": base}
    community = context.get("community")
    if community is not None:
        links["community_link"] = absolute_url(community.url, base)
    return links
