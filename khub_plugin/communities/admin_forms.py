"""The page editor form for communities: tools as checkboxes, validated against the parent on creation."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from khub_plugin.communities.features import registry


class CommunityPageForm(WagtailAdminPageForm):
    """Wagtail's page form plus a checkbox list of the registered tools."""

    tools = forms.MultipleChoiceField(
        label=_("Tools"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The tools this community offers. A sub-community can offer only its parent's tools."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if not instance.pk and self.parent_page is not None:
            # A page being created: its model validation needs to know where it will go.
            instance._khub_new_parent = self.parent_page.specific
            if not self.is_bound:
                self.initial["tools"] = instance.default_tools()
        parent = instance._parent_for_validation()
        self.fields["tools"].choices = [
            (name, label) for name, label in registry.choices() if parent is None or name in parent.tools
        ]
        if instance.pk and not self.is_bound:
            self.initial["tools"] = instance.tools
