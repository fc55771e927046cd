"""URLs of the test site: what a typical host intranet has (admin, sign-in, its own search page, sitemap,
the Wagtail API) plus the one include khub asks for."""

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.models import Page

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)


def host_search(request):
    """The search view `wagtail start` generates, unchanged: it knows nothing about khub's access policy."""
    query = request.GET.get("query")
    results = Page.objects.live().search(query) if query else Page.objects.none()
    page = Paginator(results, 10).get_page(request.GET.get("page"))
    return TemplateResponse(request, "host_search.html", {"search_query": query, "search_results": page})


urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("search/", host_search, name="search"),
    path("sitemap.xml", sitemap),
    path("api/v2/", api_router.urls),
    path("khub/", include("khub_plugin.urls")),
    path("", include(wagtail_urls)),
]
