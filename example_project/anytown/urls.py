from demo import views as demo_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from search import views as search_views
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("sitemap.xml", sitemap),
    # Sample RSS and Atom feeds the demo's news sources read (no internet needed).
    path("demo/feeds/<str:name>", demo_views.sample_feed, name="demo_feed"),
    # The intranet's own staff sign-in (and sign-out, password change and reset) pages.
    path("accounts/", include("django.contrib.auth.urls")),
    # khub-plugin: installation step 3.
    path("khub/", include("khub_plugin.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's page serving comes last: it answers every URL not caught above.
    path("", include(wagtail_urls)),
]
