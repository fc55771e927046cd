"""Registration only: the admin screens live in ``admin_views.py``, community privacy in
``admin_access.py``."""

from wagtail import hooks

from khub_plugin.communities import admin_access, admin_views

hooks.register("register_admin_viewset", admin_views.CommunitiesViewSetGroup)
hooks.register("construct_homepage_panels", admin_views.add_pending_proposals_panel)
hooks.register("register_page_listing_more_buttons", admin_views.community_page_buttons)
hooks.register("register_page_header_buttons", admin_views.community_page_buttons)

# Communities a person may not see: hidden from the tree, refused on every admin URL.
admin_access.register_page_permission_policy()  # before anything asks the registry (Wagtail's advice)
hooks.register("construct_page_chooser_queryset", admin_access.filter_page_chooser)
hooks.register("construct_explorer_page_queryset", admin_access.filter_explorer)
hooks.register("before_move_page", admin_access.before_move_page)
hooks.register("before_copy_page", admin_access.before_copy_page)
hooks.register("register_admin_viewset", admin_access.community_page_viewset)
for bulk_action in admin_access.BULK_ACTIONS:
    # After Wagtail's own page bulk actions (order 0), which these replace.
    hooks.register("register_bulk_action", bulk_action, order=100)
