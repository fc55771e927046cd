"""Registration only: the screens live in ``options.py``."""

from wagtail import hooks
from wagtail_modeladmin.options import modeladmin_register

from khub_plugin.contrib.modeladmin import options

modeladmin_register(options.KhubModelAdminGroup)
hooks.register("construct_main_menu", options.hide_replaced_menu_items)
