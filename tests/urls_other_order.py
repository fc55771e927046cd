"""A host URLconf with khub's include after another catch-all of the host's own under the same prefix."""

from django.http import HttpResponse
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls

urlpatterns = [
    re_path(r"^khub/.*$", lambda request: HttpResponse("the host's own"), name="host_catch_all"),
    path("khub/", include("khub_plugin.urls")),
    path("", include(wagtail_urls)),
]
