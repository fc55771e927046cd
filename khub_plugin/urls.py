"""The package's own URLs (pages that are not Wagtail pages). A site includes them once::

    path("khub/", include("khub_plugin.urls")),

Community pages are Wagtail pages: their tools answer under the community's own URL.
"""

from django.urls import path

from khub_plugin.common import views as common_views
from khub_plugin.communities import search as community_search
from khub_plugin.communities import views as community_views
from khub_plugin.communities import views_feeds

app_name = "khub"

urlpatterns = [
    path("my-communities/", community_views.my_communities, name="my_communities"),
    path("whats-happening/", community_views.whats_happening, name="whats_happening"),
    path("propose/", community_views.propose, name="propose"),
    path("search/", community_search.search, name="search"),
    path("my/feeds/", views_feeds.my_feeds, name="my_feeds"),
    path("my/feeds/new-address/", views_feeds.new_feed_address, name="new_feed_address"),
    path("text-size/", common_views.text_size, name="text_size"),
]
