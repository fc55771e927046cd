from django import forms
from django.utils.translation import gettext_lazy as _


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example: LocalGov Digital news"))
    url = forms.URLField(
        label=_("Web address"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("The address of an RSS or Atom feed, or of a web page that links to one."),
    )


class SourceFilterForm(forms.Form):
    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All sources")), *((s.pk, s.name) for s in sources)]
