"""The package's own URLs (pages that are not Wagtail pages). A site includes them once::

    path("khub/", include("khub_plugin.urls")),

Community pages themselves are Wagtail pages: their tools answer under the community's own URL.
"""

app_name = "khub"

urlpatterns = []
