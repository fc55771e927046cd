"""khub models in Wagtail admin through wagtail-modeladmin, for sites that still use it.

Opt in with both apps (``pip install "khub-plugin[modeladmin]"``)::

    INSTALLED_APPS = [..., "wagtail_modeladmin", *KHUB_APPS, "khub_plugin.contrib.modeladmin"]

The "Communities" menu then comes from here (memberships, community proposals, news sources) and replaces the
menu items of khub's own ViewSet screens, whose URLs stay (the proposal decision screens are reused). See
``options.py`` for how a tool adds its models.
"""
