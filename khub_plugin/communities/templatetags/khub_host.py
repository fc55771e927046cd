"""Template tags for the host intranet's own templates: its search results page and its navigation.

``{% load khub_host %}``, then ``{% khub_search_results query %}`` on the search page and ``{% khub_nav %}``
in the header. Both render small include templates a site can override; see docs/installation.md, "Add
communities to your search page and navigation".
"""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from khub_plugin.communities.search import community_results

register = template.Library()

#: The links of ``{% khub_nav %}``: ``(URL name, label)``, in order.
NAV_LINKS = (
    ("khub:my_communities", _("My communities")),
    ("khub:whats_happening", _("What's happening")),
    ("khub:search", _("Search communities")),
    ("khub:my_feeds", _("My feeds")),
)


@register.inclusion_tag("khub_plugin/includes/search_results.html", takes_context=True)
def khub_search_results(context, query, limit=5):
    """The community results for ``query`` that the person may see, for the host's search results page:
    ``{% khub_search_results search_query %}`` (``limit=3`` for fewer). Renders
    ``khub_plugin/includes/search_results.html`` with ``khub_results``, a
    :class:`khub_plugin.communities.search.CommunityResults`; nothing when there is no query or the visitor
    may not search communities."""
    request = context.get("request")
    results = community_results(request, query, limit=limit) if request is not None else None
    return {"khub_results": results, "request": request}


@register.inclusion_tag("khub_plugin/includes/nav.html", takes_context=True)
def khub_nav(context):
    """Links to khub's own pages for the host's navigation, for signed-in people only: ``{% khub_nav %}``.
    Renders ``khub_plugin/includes/nav.html`` with ``khub_nav_links``, a list of ``{"name", "url", "label",
    "current"}`` (``current``: the page being shown, marked ``aria-current="page"``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    links = []
    if user is not None and user.is_authenticated:
        for name, label in NAV_LINKS:
            url = reverse(name)
            links.append({"name": name, "url": url, "label": label, "current": request.path == url})
    return {"khub_nav_links": links, "request": request}
