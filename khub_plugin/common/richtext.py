"""The member rich-text editor: one form field, one widget and one sanitising policy for every feature.

A form declares ``body = MemberRichTextField(label="Message")`` and renders it with the include
``khub_plugin/includes/rich_text_field.html``. With JavaScript, ``editor.js`` turns the textarea into a small
WYSIWYG editor that submits HTML. Without it the member types into a plain textarea, and what arrives is
plain text (or, for the few who know it, simple HTML). There is no hidden "format" field: the submitted value
itself decides. If it contains an HTML tag it is HTML, otherwise it is plain text, whose blank lines become
paragraphs. Either way the result is sanitised with :func:`khub_plugin.common.sanitize.clean_html` and stored
as HTML that templates render as it is. See ``docs/reference/rich-text.md``.
"""

import html
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khub_plugin.common.sanitize import clean_html, clean_text

# Element names that make a submitted value HTML. Only real element names count, so text such as
# "if x<y and y>z" or "I <3 this" stays plain text. Misreading HTML as text is safe (it is escaped and shown
# literally); misreading text as HTML would lose words, so the list errs towards text.
_HTML_TAG = re.compile(
    r"<!--|</?(?:a|abbr|address|applet|article|aside|audio|b|base|big|blockquote|body|br|button|canvas|caption"
    r"|center|cite|code|col|colgroup|dd|del|details|div|dl|dt|em|embed|figcaption|figure|font|footer|form"
    r"|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|kbd|label|li|link|main|mark|math"
    r"|meta|nav|noembed|noframes|noscript|object|ol|p|picture|plaintext|pre|q|s|samp|script|section|select"
    r"|small|source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th"
    r"|thead|title|tr|tt|u|ul|var|video|xmp)(?=[\s/>])",
    re.IGNORECASE,
)
# Block elements the sanitiser keeps. Sanitised HTML with none of them (only inline tags such as <strong>) is
# laid out like plain text: blank lines become paragraphs. HTML from the JavaScript editor always has them.
_KEPT_BLOCK = re.compile(r"<(?:p|h[2-4]|ul|ol|li|blockquote|pre)(?=[\s/>])", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# Characters that show nothing: a message made only of these is empty.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_DETERMINERS = ("a ", "an ", "the ", "your ", "my ", "some ", "any ")


def image_prefixes():
    """The URL prefixes member images may come from: the site's own storage (``MEDIA_URL``), or none.

    A ``MEDIA_URL`` of ``"/"`` would allow any path on the site, so it counts as none.
    """
    media_url = (getattr(settings, "MEDIA_URL", "") or "").strip()
    return () if media_url in ("", "/") else (media_url,)


def _paragraphs(text, escape):
    """``text`` laid out as paragraphs: a blank line starts a paragraph, a single newline is a ``<br>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if escape:
        text = html.escape(text, quote=False)
    paragraphs = []
    for chunk in _BLANK_LINES.split(text):
        lines = [line.strip() for line in chunk.strip().split("\n")]
        if any(lines):
            paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(paragraphs)


def member_html(value):
    """Sanitise what a member wrote: plain text becomes paragraphs, HTML is cut down to the allow-list.

    The same policy as :class:`MemberRichTextField`, for code paths that do not go through a form (building a
    quote, seeding a demo). The result is safe to render with ``|safe``, always contains a tag when it is not
    empty (so it is never mistaken for plain text later), and ``member_html(member_html(x)) ==
    member_html(x)``, so services may sanitise again what a form already cleaned.
    """
    if not value:
        return ""
    prefixes = image_prefixes()
    value = str(value)
    if not _HTML_TAG.search(value):
        # Plain text: escaped, then sanitised anyway so that every path goes through the one sanitiser.
        return clean_html(_paragraphs(value, escape=True), allowed_image_prefixes=prefixes)
    cleaned = clean_html(value, allowed_image_prefixes=prefixes).strip()
    if not _KEPT_BLOCK.search(cleaned):
        # Only inline markup is left (<strong> typed in the plain textarea, or a <div> whose tag was dropped):
        # lay it out like plain text. This also keeps a tag in the result, so "a &amp; b" is never read as
        # plain text later and escaped a second time.
        cleaned = clean_html(_paragraphs(cleaned, escape=False), allowed_image_prefixes=prefixes)
    return _semantic(cleaned)


# Browsers' editing commands write <b> and <i>; store the elements that say what is meant (screen readers
# can announce them). The sanitiser has already removed every attribute from these tags.
_PRESENTATIONAL = re.compile(r"<(/?)(b|i)>")
_SEMANTIC = {"b": "strong", "i": "em"}
# Empty paragraphs at either end (the line an editor leaves after a quote) show nothing but space.
_EDGE_EMPTY = re.compile(r"^(?:<p>(?:\s|<br>)*</p>\s*)+|(?:\s*<p>(?:\s|<br>)*</p>)+$")


def _semantic(cleaned):
    cleaned = _PRESENTATIONAL.sub(lambda m: "<" + m.group(1) + _SEMANTIC[m.group(2)] + ">", cleaned)
    return _EDGE_EMPTY.sub("", cleaned)


def is_blank(cleaned):
    """Whether sanitised HTML shows nothing: no text (spaces and invisible characters aside) and no image."""
    return "<img" not in cleaned and not clean_text(cleaned).translate(_INVISIBLE).strip()


_SIMPLE_MARKUP = re.compile(r"</?p>|<br>")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def as_plain_text(value):
    """Stored HTML made only of paragraphs and line breaks, as the plain text that gives it back exactly; or
    ``None`` when the HTML has more (formatting, links, quotes) and must be edited as it is.

    The editing box shows this, so someone without JavaScript edits their words, not ``<p>`` tags. Text that
    would be read back as HTML ("Use the <p> tag") or would not come back the same stays HTML.
    """
    if not value or "<" not in value or "<" in _SIMPLE_MARKUP.sub("", value):
        return None
    paragraphs = _PARAGRAPH.findall(value)
    if "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs) != value:
        return None  # text outside the paragraphs, or paragraphs inside paragraphs
    text = "\n\n".join(html.unescape(paragraph.replace("<br>", "\n")) for paragraph in paragraphs)
    if _HTML_TAG.search(text) or member_html(text) != value:
        return None
    return text


class RichTextEditor(forms.Textarea):
    """A ``<textarea data-khub-editor>`` that ``editor.js`` turns into the formatting editor.

    Without JavaScript it stays a textarea, so the form works everywhere; a message that is only paragraphs
    is shown in it as plain text (:func:`as_plain_text`).
    """

    def __init__(self, attrs=None):
        super().__init__({"rows": 10, "data-khub-editor": True, **(attrs or {})})

    def format_value(self, value):
        plain = as_plain_text(value) if isinstance(value, str) else None
        return plain if plain is not None else super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        prefixes = image_prefixes()
        if prefixes:
            # Read at render time (settings may change in tests): the editor keeps existing images from here.
            context["widget"]["attrs"]["data-khub-image-prefix"] = prefixes[0]
        return context


class RichTextBoundField(BoundField):
    """Describes the editor by its hint, the formatting line of the include and its error, in that order."""

    @property
    def aria_describedby(self):
        if self.field.widget.attrs.get("aria-describedby"):
            return None  # set explicitly by the form: respect it
        if not self.auto_id:
            return ""
        ids = [f"{self.auto_id}_helptext"] if self.help_text else []
        ids.append(f"{self.auto_id}_format")
        if self.errors:
            ids.append(f"{self.auto_id}_error")
        return " ".join(ids)


class MemberRichTextField(forms.CharField):
    """A member's formatted text (a message, a wiki page, a comment); cleans to sanitised HTML.

    ``max_length`` limits the sanitised HTML, markup included, because that is what is stored. Messages can be
    replaced with ``error_messages={"required": ..., "max_length": ...}``.
    """

    widget = RichTextEditor
    bound_field_class = RichTextBoundField

    def __init__(self, *, max_length=None, **kwargs):
        # Not passed to CharField: it would add a textarea ``maxlength`` counting raw keystrokes (not the
        # stored HTML) and a validator with an unfriendly message. validate() checks the limit instead.
        super().__init__(**kwargs)
        self.max_length = max_length

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def to_python(self, value):
        cleaned = member_html(super().to_python(value))
        return "" if is_blank(cleaned) else cleaned

    def validate(self, value):
        if value in self.empty_values:
            if self.required:
                message = self.error_messages["required"]
                if message is forms.Field.default_error_messages["required"]:  # not replaced: name the field
                    message = gettext("Enter %(thing)s") % {"thing": _noun_phrase(self.label)}
                raise ValidationError(message, code="required")
            return
        if self.max_length is not None and len(value) > self.max_length:
            message = self.error_messages.get("max_length") or _(
                "%(label)s must be %(limit)s characters or fewer, including formatting. It has %(count)s."
            )
            raise ValidationError(
                message,
                code="max_length",
                params={
                    "label": str(self.label or gettext("Your text")),
                    "limit": number_format(self.max_length, force_grouping=True),
                    "count": number_format(len(value), force_grouping=True),
                },
            )


def _noun_phrase(label):
    """The label as the object of "Enter": "a message", "your answer", "a FAQ" (English only)."""
    text = str(label or "").strip()
    if not text:
        return gettext("some text")
    if not text[1:2].isupper():  # leave acronyms alone
        text = text[0].lower() + text[1:]
    if text.lower().startswith(_DETERMINERS):
        return text
    return ("an " if text[0].lower() in "aeiou" else "a ") + text


def preview_requested(request):
    """Whether the member pressed the form's Preview button (``name="preview"``) rather than the main one."""
    return request.method == "POST" and "preview" in request.POST


def preview_html(form, field_name="body"):
    """The sanitised HTML to show as the preview of ``form[field_name]``, or ``""`` if it is not valid.

    Validates the form if that has not happened yet. Only the named field needs to be valid, so a member can
    preview a message before filling in, say, the title.
    """
    if not form.is_bound or field_name in form.errors:
        return ""
    return form.cleaned_data.get(field_name) or ""
