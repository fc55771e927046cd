"""Forms of the forum. Rich text goes through the shared member editor and sanitiser (common.richtext)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from khub_plugin.common.forms import ModelChoiceField
from khub_plugin.common.pagination import PAGE_SIZES
from khub_plugin.common.richtext import MemberRichTextField
from khub_plugin.forums import services

SORTS = (("activity", _("Most recent activity")), ("title", _("Title (A to Z)")))
SHOWS = (("", _("All topics")), ("mine", _("My topics")), ("unanswered", _("Unanswered")))


class TopicListForm(forms.Form):
    """The topic list's choices: order, which topics, page size, words and a tag. Bad values fall back."""

    q = forms.CharField(label=_("Search this forum"), required=False, max_length=200)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    show = forms.ChoiceField(label=_("Show"), choices=SHOWS, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Topics per page"), choices=[(n, n) for n in PAGE_SIZES], coerce=int, required=False
    )
    tag = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class TagsField(forms.CharField):
    """Comma-separated tags, cleaned to a list of plain-text names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 600)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault(
            "help_text", _("Optional. Separate tags with commas, for example: GDPR, data sharing")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return services.parse_tags(super().clean(value))


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A question or a short summary, so people can find it in the list."),
        error_messages={"required": _("Enter a title")},
    )
    body = MemberRichTextField(label=_("Message"), max_length=50_000)
    tags = TagsField()


class ReplyForm(forms.Form):
    body = MemberRichTextField(label=_("Your reply"), max_length=50_000)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditPostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = MemberRichTextField(label=_("Message"), max_length=50_000)

    def __init__(self, *args, opening=False, **kwargs):
        super().__init__(*args, **kwargs)
        if opening:
            self.fields["title"].required = True
            self.fields["title"].error_messages["required"] = _("Enter a title")
        else:
            del self.fields["title"]


class TagForm(forms.Form):
    tags = TagsField(label=_("Add tags"))


class RemoveTagForm(forms.Form):
    """The tag a "remove" button posts (validated: a posted value goes into a query)."""

    tag = forms.CharField(max_length=100)


class ReasonForm(forms.Form):
    """Why a facilitator moderates: kept in the moderation log."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the community's moderation log, which other facilitators can read."),
    )

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].error_messages["required"] = _("Enter the reason")


class MoveForm(ReasonForm):
    target = ModelChoiceField(
        label=_("Move to"),
        queryset=None,
        empty_label=None,
        help_text=_("Communities whose forum you moderate."),
    )

    field_order = ["target", "reason"]

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets
