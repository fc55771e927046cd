"""The test settings plus the opt-in wagtail-modeladmin screens (``khub_plugin.contrib.modeladmin``).

``tests/test_contrib_modeladmin.py`` runs its cases under these settings in a child pytest, so the normal
suite keeps testing the default set-up (khub's ViewSet menus) while covering the contrib app too.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS as BASE_APPS

INSTALLED_APPS = [
    *(app for app in BASE_APPS if app != "tests.testapp"),
    "wagtail_modeladmin",
    "khub_plugin.contrib.modeladmin",
    "tests.testapp",
]
