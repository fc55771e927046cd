from django import forms
from django.utils.translation import gettext_lazy as _

from khub_plugin.common import fetch


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example: LocalGov Digital news"))
    url = forms.URLField(
        label=_("Web address"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("The address of an RSS or Atom feed, or of a web page that links to one."),
    )

    def clean_url(self):
        return clean_source_url(self.cleaned_data["url"])


def clean_source_url(url):
    """The fetcher's own rules before a source is saved: the address is resolved now and every address it
    resolves to is checked by the fetcher's checking code, so ``localhost`` or a cloud metadata name is
    refused here, in plain words, not at the first fetch. Allow-listed intranet hosts still pass."""
    problem = fetch.url_problem(url, resolve=True)
    if problem:
        raise forms.ValidationError(problem)
    return url


class SourceFilterForm(forms.Form):
    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All sources")), *((s.pk, s.name) for s in sources)]
