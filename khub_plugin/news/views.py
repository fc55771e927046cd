"""The News tool of a community: its news page and its sources. Feature routes, so the access policy and
the community's tools have already been checked by CommunityPage.serve."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khub_plugin.common.pagination import paginate, querystring_without_page
from khub_plugin.communities import access, services
from khub_plugin.communities.views import refuse, render_community_page, run_action
from khub_plugin.conf import khub_settings
from khub_plugin.news import services as news_services
from khub_plugin.news.forms import SourceFilterForm, SourceForm
from khub_plugin.news.models import FeedItem, FeedSource


def news(request, community):
    """All items from the community's sources, newest first, filterable by source."""
    sources = list(FeedSource.objects.filter(community=community).order_by("name"))
    form = SourceFilterForm(request.GET, sources=sources)
    items = FeedItem.objects.filter(community=community).select_related("source")
    if form.is_valid() and form.cleaned_data["source"]:
        items = items.filter(source_id=form.cleaned_data["source"])
    page = paginate(request, items.order_by("-published_at", "-pk"), per_page=20)
    return render_community_page(
        request,
        community,
        "khub_plugin/news/news.html",
        {
            "current": "news",
            "form": form,
            "sources": sources,
            "page_obj": page,
            "querystring": querystring_without_page(request),
            "can_participate": access.for_request(request).can_participate(community),
        },
    )


def sources(request, community):
    """The sources with their state, a page at a time; members add (up to KHUB_NEWS_SOURCES_PER_COMMUNITY),
    facilitators remove and refresh."""
    policy = access.for_request(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            news_services.add_source(policy, community, form.cleaned_data["name"], form.cleaned_data["url"])
        except services.NotAllowed:
            refuse(policy, community)
        except services.MembershipError as error:
            form.add_error("url", str(error))
        else:
            messages.success(request, _("Source added. Its news appears here once it has been fetched."))
            return redirect(community.url_for("news:sources", request=request))
    page = paginate(
        request, FeedSource.objects.filter(community=community).order_by("name", "pk"), per_page=20
    )
    return render_community_page(
        request,
        community,
        "khub_plugin/news/sources.html",
        {
            "current": "news",
            "form": form,
            "page_obj": page,
            "sources": page.object_list,
            "querystring": querystring_without_page(request),
            "limit": khub_settings.NEWS_SOURCES_PER_COMMUNITY,
            "can_participate": policy.can_participate(community),
        },
    )


@require_POST
def remove(request, community, source_id):
    return run_action(request, community, news_services.remove_source, _("Source removed."), source_id)


@require_POST
def refresh(request, community, source_id):
    return run_action(
        request, community, news_services.request_refresh, _("The source is being fetched."), source_id
    )


def landing_panel(request, community):
    """ "Latest news" on the community's home page."""
    items = (
        FeedItem.objects.filter(community=community).select_related("source").order_by("-published_at", "-pk")
    )
    return render_to_string(
        "khub_plugin/news/landing_panel.html",
        {"page": community, "news_items": list(items[:5]), "request": request},
        request=request,
    )
