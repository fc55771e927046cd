"""Routes of the News tool, under ``<community>/news/``."""

from django.urls import path

from khub_plugin.news import views

urlpatterns = [
    path("", views.news, name="index"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:source_id>/remove/", views.remove, name="remove"),
    path("sources/<int:source_id>/refresh/", views.refresh, name="refresh"),
]
