"""Template context every khub page needs."""

from khub_plugin.conf import khub_settings


def khub_context(request):
    """The context ``khub_plugin/base.html`` relies on: which host template to extend."""
    return {"khub_base_template": khub_settings.BASE_TEMPLATE}
