"""Forms of the core: GOV.UK-style labels and hints, errors shown in a summary."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khub_plugin.common import names
from khub_plugin.common.forms import ModelChoiceField
from khub_plugin.communities.features import registry
from khub_plugin.communities.models import CommunityProposal, Stage, Visibility


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search communities"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Lifecycle stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )
    visibility = forms.ChoiceField(
        label=_("Who can join"),
        required=False,
        choices=[
            ("", _("Any")),
            ("open", _("Open")),
            ("restricted", _("Restricted")),
            ("private", _("Private")),
        ],
    )
    mine = forms.BooleanField(label=_("Only communities I belong to"), required=False)


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Search members"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Everyone")), ("facilitator", _("Facilitators")), ("member", _("Members"))],
    )


class RequestToJoinForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the facilitators (optional)"),
        help_text=_("Say who you are and why you would like to join."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("The person is told this by email."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    who = forms.CharField(
        label=_("Username or email address"),
        help_text=_("The person must already have an intranet account."),
        max_length=254,
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_who(self):
        person = names.find_user(self.cleaned_data["who"])
        if person is None:
            raise forms.ValidationError(_("No one on the intranet has that username or email address."))
        return person


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Where is the community now?"), choices=Stage.choices, widget=forms.RadioSelect
    )


class ToolsForm(forms.Form):
    tools = forms.MultipleChoiceField(
        label=_("Tools"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        parent = community.parent_community
        self.fields["tools"].choices = [
            (name, label) for name, label in registry.choices() if parent is None or name in parent.tools
        ]
        if parent is not None:
            self.fields["tools"].help_text = _("A sub-community can offer only the tools its parent offers.")


class ProposalForm(forms.ModelForm):
    class Meta:
        model = CommunityProposal
        fields = ["name", "purpose", "visibility", "parent"]
        field_classes = {"parent": ModelChoiceField}
        widgets = {"visibility": forms.RadioSelect}

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("None: a community of its own")
        self.fields["visibility"].choices = Visibility.choices

    def clean(self):
        cleaned = super().clean()
        parent, visibility = cleaned.get("parent"), cleaned.get("visibility")
        if parent and visibility and Visibility.openness(visibility) < Visibility.openness(parent.visibility):
            self.add_error("visibility", _("A sub-community cannot be more open than its parent community."))
        return cleaned
