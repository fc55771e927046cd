"""Registration only: the admin screens and hooks themselves live in ``admin_views.py``."""

from wagtail import hooks

from khub_plugin.communities import admin_views

hooks.register("register_admin_viewset", admin_views.CommunitiesViewSetGroup)
hooks.register("construct_homepage_panels", admin_views.add_pending_proposals_panel)
hooks.register("construct_page_chooser_queryset", admin_views.filter_page_chooser)
hooks.register("construct_explorer_page_queryset", admin_views.filter_explorer)
hooks.register("register_page_listing_more_buttons", admin_views.community_page_buttons)
hooks.register("register_page_header_buttons", admin_views.community_page_buttons)
