"""The "My feeds" page: a person's private feed addresses, and replacing their feed key (``tokens``).

Thin, like the other core views: the access policy says which communities the person may read, each feature's
``feeds`` hook says which feeds it has, and ``tokens`` makes and replaces the key.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from khub_plugin.common.context import khub_context
from khub_plugin.common.pagination import paginate, querystring_without_page
from khub_plugin.communities import access, tokens
from khub_plugin.communities.features import registry
from khub_plugin.communities.models import CommunityPage

#: Communities per page of "My feeds".
PER_PAGE = 20


@login_required
def my_feeds(request):
    """Every community whose content I can read and that has feeds, with my personal feed addresses."""
    policy = access.for_request(request)
    with_feeds = [feature for feature in registry if feature.feeds is not None]
    names = {feature.name for feature in with_feeds}
    # One query for the candidates' tools (a JSON list: not filterable on every database), one for the page.
    rows = (
        CommunityPage.objects.live()
        .filter(pk__in=policy.content_ids())
        .order_by("title", "pk")
        .values_list("pk", "tools")
    )
    ids = [pk for pk, tools in rows if names.intersection(tools or ())]
    # The communities I belong to first, then the others I can read.
    ids.sort(key=lambda pk: not policy.is_member(pk))
    page = paginate(request, ids, per_page=PER_PAGE, sizes=(PER_PAGE,))
    communities = CommunityPage.objects.in_bulk(list(page.object_list))
    key = tokens.token_for(request.user)
    sections = []
    for pk in page.object_list:
        community = communities[pk]
        feeds = [
            feed
            for feature in with_feeds
            if feature.name in community.tools
            for feed in feature.feeds(request, community, key)
        ]
        sections.append({"community": community, "feeds": feeds, "is_member": policy.is_member(pk)})
    return TemplateResponse(
        request,
        "khub_plugin/communities/my_feeds.html",
        {
            **khub_context(request),
            "page_obj": page,
            "sections": sections,
            "querystring": querystring_without_page(request),
        },
    )


@login_required
def new_feed_address(request):
    """Replace my feed key, after a warning: every address with the old key stops working at once."""
    if request.method == "POST":
        tokens.regenerate(request.user)
        messages.success(
            request,
            _(
                "You have a new feed address. Your old feed addresses no longer work: "
                "put the new ones in your feed reader."
            ),
        )
        return redirect("khub:my_feeds")
    return TemplateResponse(request, "khub_plugin/communities/new_feed_address.html", khub_context(request))
