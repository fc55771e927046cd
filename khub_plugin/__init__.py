"""khub-plugin: Communities of Practice for an existing Wagtail intranet.

Add the apps a site wants to ``INSTALLED_APPS``; :data:`KHUB_APPS` lists them all, core first::

    from khub_plugin import KHUB_APPS
    INSTALLED_APPS = [...] + KHUB_APPS
"""

__version__ = "0.2.0"

#: Every app of the package, in dependency order. ``common`` and ``communities`` are required; a site may
#: leave out any feature app after them.
KHUB_APPS = [
    "khub_plugin.common",
    "khub_plugin.communities",
    "khub_plugin.forums",
    "khub_plugin.wiki",
    "khub_plugin.library",
    "khub_plugin.events",
    "khub_plugin.polls",
    "khub_plugin.news",
    "khub_plugin.blogs",
    "khub_plugin.people",
    "khub_plugin.alerts",
]

#: The apps without which the package does not work.
KHUB_CORE_APPS = KHUB_APPS[:2]
