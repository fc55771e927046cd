"""Registration only: the admin screens live in ``admin_views.py``."""

from wagtail import hooks

from khub_plugin.news import admin_views

hooks.register("register_admin_viewset", admin_views.NewsSourceViewSet)
