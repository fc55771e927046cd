"""A host URLconf with Wagtail's catch-all before khub's include: every /khub/... address is Wagtail's."""

from django.urls import include, path
from wagtail import urls as wagtail_urls

urlpatterns = [
    path("", include(wagtail_urls)),
    path("khub/", include("khub_plugin.urls")),
]
