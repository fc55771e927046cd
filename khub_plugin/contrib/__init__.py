"""Optional integrations a site adds to ``INSTALLED_APPS`` on purpose; nothing in khub imports them."""
