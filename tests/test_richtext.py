"""The member rich-text field: what members write is kept as safe HTML, with a preview, with or without JS."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings

from khub_plugin.common.richtext import (
    MemberRichTextField,
    RichTextEditor,
    as_plain_text,
    member_html,
    preview_html,
    preview_requested,
)
from khub_plugin.common.sanitize import LINK_REL


class MessageForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    body = MemberRichTextField(label="Message", max_length=200, help_text="Be kind.")


def clean(value, **field_kwargs):
    return MemberRichTextField(label="Message", **field_kwargs).clean(value)


def error_of(value, **field_kwargs):
    with pytest.raises(forms.ValidationError) as raised:
        clean(value, **field_kwargs)
    return raised.value.messages


class Elements(HTMLParser):
    """Every start tag of a document, with its attributes, for checking markup without string matching."""

    def __init__(self, document):
        super().__init__()
        self.tags = []
        self.feed(document)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **wanted):
        return [attrs for name, attrs in self.tags if name == tag and wanted.items() <= attrs.items()]

    @property
    def ids(self):
        return {attrs["id"] for _, attrs in self.tags if attrs.get("id")}


class TestFormattingKept:
    def test_allowed_formatting_survives_unchanged(self):
        source = (
            "<h2>Heading</h2><h3>Subheading</h3>"
            "<p>Some <strong>strong</strong> and <em>emphasised</em> text.<br>A new line.</p>"
            "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
            "<blockquote><p>Quoted</p></blockquote>"
        )
        assert clean(source) == source

    def test_https_link_kept_with_rel(self):
        assert clean('<p><a href="https://example.org/a">x</a></p>') == (
            f'<p><a href="https://example.org/a" rel="{LINK_REL}">x</a></p>'
        )

    def test_editor_output_round_trips(self):
        # What editor.js submits: paragraphs with entities already escaped by the browser.
        assert clean("<p>Tom &amp; Jerry &lt;3</p>") == "<p>Tom &amp; Jerry &lt;3</p>"


class TestDangerousMarkupRemoved:
    @pytest.mark.parametrize(
        "payload, forbidden",
        [
            ("<p>hi</p><script>alert(1)</script>", "alert"),
            ("<p>hi</p><style>p{display:none}</style>", "display"),
            ('<p onclick="steal()">hi</p>', "onclick"),
            ('<p><a href="javascript:alert(1)">hi</a></p>', "javascript"),
            ('<p><a href="data:text/html;base64,PHNjcmlwdD4=">hi</a></p>', "data:"),
            ("<p>hi</p><svg><circle onload=alert(1)></circle></svg>", "svg"),
            ('<p>hi</p><iframe src="https://evil.example/"></iframe>', "iframe"),
            ('<p style="position:fixed">hi</p>', "style"),
        ],
    )
    def test_removed(self, payload, forbidden):
        cleaned = clean(payload)
        assert forbidden not in cleaned.lower()
        assert "hi" in cleaned  # the member's words survive

    def test_disallowed_link_keeps_its_text_only(self):
        assert clean('<p><a href="javascript:alert(1)">hi</a></p>') == f'<p><a rel="{LINK_REL}">hi</a></p>'


class TestPlainText:
    """Without JavaScript members type into a textarea: text with no tags is text, not HTML."""

    def test_blank_lines_make_paragraphs_and_newlines_breaks(self):
        text = "First paragraph\r\nstill first.\r\n\r\n  \r\nSecond paragraph.\n\n\n\nThird."
        assert clean(text) == "<p>First paragraph<br>still first.</p><p>Second paragraph.</p><p>Third.</p>"

    def test_ampersands_and_angle_brackets_are_text(self):
        assert clean("Tom & Jerry say x<y and y>z, I <3 it") == (
            "<p>Tom &amp; Jerry say x&lt;y and y&gt;z, I &lt;3 it</p>"
        )

    def test_entities_typed_as_text_are_shown_literally(self):
        assert clean("Write &amp; for an ampersand") == "<p>Write &amp;amp; for an ampersand</p>"

    def test_inline_html_typed_in_textarea_still_gets_paragraphs(self):
        assert clean("<strong>Note:</strong> read this\n\nthen that") == (
            "<p><strong>Note:</strong> read this</p><p>then that</p>"
        )

    def test_tags_that_are_all_dropped_do_not_turn_html_into_text(self):
        # Otherwise "&amp;" would be escaped a second time when the value is sanitised again.
        assert clean("<div>a &amp; b</div>") == "<p>a &amp; b</p>"
        assert member_html("<span>a &amp; b</span>") == "<p>a &amp; b</p>"


class TestMemberHtml:
    @pytest.mark.parametrize(
        "value",
        [
            "Plain & simple\n\ntwo",
            "<p>Tom &amp; Jerry</p>",
            "<div>a &amp; b</div>",
            "<em>x</em>\ny",
            '<blockquote><p>Quoted &lt;b&gt;</p></blockquote><p><a href="/x">l</a></p>',
        ],
    )
    def test_idempotent_so_services_may_sanitise_again(self, value):
        once = member_html(value)
        assert member_html(once) == once
        assert clean(once) == once

    def test_same_policy_as_the_field(self):
        value = '<p>Hi <script>x</script><img src="/media/a.png" alt=""></p>'
        assert member_html(value) == clean(value) == '<p>Hi <img src="/media/a.png" alt=""></p>'

    def test_empty(self):
        assert member_html("") == ""
        assert member_html(None) == ""


class TestEmpty:
    @pytest.mark.parametrize(
        "value",
        [
            "",
            "   \n\t ",
            "<p><br></p>",
            "<p>&nbsp;</p><p></p>",
            "<script>x</script>",
            "<p>\u200b</p>",
            "<b></b>",
        ],
    )
    def test_rejected_with_a_message_naming_the_field(self, value):
        assert error_of(value) == ["Enter a message"]

    def test_message_follows_the_label(self):
        with pytest.raises(forms.ValidationError, match="Enter your answer"):
            MemberRichTextField(label="Your answer").clean("<p></p>")
        with pytest.raises(forms.ValidationError, match="Enter an explanation"):
            MemberRichTextField(label="Explanation").clean("")

    def test_custom_message(self):
        assert error_of("", error_messages={"required": "Write something"}) == ["Write something"]
        field = MemberRichTextField(label="Message")
        field.error_messages["required"] = "Write a reply"  # as a form's __init__ might
        with pytest.raises(forms.ValidationError, match="Write a reply"):
            field.clean("")

    def test_optional_field_cleans_empty_markup_to_empty_string(self):
        assert clean("<p><br></p>", required=False) == ""

    def test_image_alone_is_content(self):
        assert clean('<p><img src="/media/chart.png" alt="Chart"></p>') == (
            '<p><img src="/media/chart.png" alt="Chart"></p>'
        )


class TestMaxLength:
    def test_limit_applies_to_the_sanitised_html(self):
        # 25 characters of text make 32 of HTML: <p></p> counts, because that is what is stored.
        assert error_of("a" * 25, max_length=31) == [
            "Message must be 31 characters or fewer, including formatting. It has 32."
        ]
        assert clean("a" * 25, max_length=32) == "<p>" + "a" * 25 + "</p>"

    def test_removed_markup_does_not_count(self):
        assert clean("<p>ok</p><script>" + "x" * 1000 + "</script>", max_length=10) == "<p>ok</p>"

    def test_large_numbers_are_grouped(self):
        (message,) = error_of("a" * 20_001, max_length=20_000)
        assert "20,000 characters or fewer" in message

    def test_custom_message_gets_the_numbers(self):
        messages = {"max_length": "Keep it under %(limit)s (now %(count)s)"}
        assert error_of("a" * 2000, max_length=1000, error_messages=messages) == [
            "Keep it under 1,000 (now 2,007)"
        ]

    def test_no_maxlength_attribute_limits_typing(self):
        # The browser would count raw keystrokes, not the stored HTML: the server gives the friendly error.
        assert "maxlength" not in str(MessageForm()["body"])


class TestImages:
    def test_images_from_media_url_kept_others_dropped(self):
        cleaned = clean('<p>a<img src="/media/images/a.png" alt="A"><img src="https://t.example/p.gif"></p>')
        assert cleaned == '<p>a<img src="/media/images/a.png" alt="A"></p>'

    @override_settings(MEDIA_URL="https://files.council.example/media/")
    def test_absolute_media_url(self):
        ok = '<p>x<img src="https://files.council.example/media/a.png"></p>'
        assert clean(ok) == ok
        assert clean('<p>x<img src="/media/a.png"></p>') == "<p>x</p>"

    @pytest.mark.parametrize("media_url", ["", "/"])
    def test_no_images_without_a_storage_prefix(self, media_url):
        with override_settings(MEDIA_URL=media_url):
            assert clean('<p>x<img src="/media/a.png"></p>') == "<p>x</p>"


class TestPreview:
    def test_preview_requested_only_by_the_preview_button(self):
        factory = RequestFactory()
        assert preview_requested(factory.post("/", {"body": "x", "preview": "1"})) is True
        assert preview_requested(factory.post("/", {"body": "x"})) is False
        assert preview_requested(factory.get("/", {"preview": "1"})) is False

    def test_preview_is_the_cleaned_value(self):
        form = MessageForm(data={"title": "Hi", "body": "Hello & <script>x</script>welcome"})
        assert preview_html(form) == "<p>Hello &amp; welcome</p>"

    def test_preview_needs_only_the_body_to_be_valid(self):
        form = MessageForm(data={"title": "", "body": "Draft"})
        assert preview_html(form) == "<p>Draft</p>"
        assert not form.is_valid()

    def test_no_preview_when_the_body_is_invalid_or_the_form_unbound(self):
        assert preview_html(MessageForm(data={"title": "Hi", "body": "<p></p>"})) == ""
        assert preview_html(MessageForm()) == ""


class TestWidget:
    def test_renders_a_plain_textarea_marked_for_the_editor(self):
        rendered = RichTextEditor(attrs={"class": "x"}).render("body", "<p>hi</p>")
        (textarea,) = Elements(rendered).find("textarea")
        assert textarea["data-khub-editor"] is None  # a bare boolean attribute
        assert textarea["rows"] == "10"
        assert textarea["class"] == "x"
        assert textarea["data-khub-image-prefix"] == "/media/"

    @override_settings(MEDIA_URL="/")
    def test_no_image_prefix_when_images_are_not_allowed(self):
        assert "data-khub-image-prefix" not in RichTextEditor().render("body", "")

    def test_field_uses_the_editor_and_is_required(self):
        field = MemberRichTextField()
        assert isinstance(field.widget, RichTextEditor)
        assert field.required


class TestIncludes:
    def render(self, form, preview=""):
        return render_to_string(
            "khub_plugin/includes/rich_text_field.html", {"field": form["body"], "preview": preview}
        )

    def test_label_hint_and_formatting_line(self):
        document = Elements(self.render(MessageForm()))
        (label,) = document.find("label", **{"for": "id_body"})
        (textarea,) = document.find("textarea", id="id_body")
        assert textarea["aria-describedby"] == "id_body_helptext id_body_format"
        assert {"id_body_helptext", "id_body_format"} <= document.ids
        assert "aria-invalid" not in textarea
        assert not document.find("section")

    def test_errors_are_described_and_every_described_id_exists(self):
        form = MessageForm(data={"title": "Hi", "body": "<p><br></p>"})
        html = self.render(form)
        document = Elements(html)
        (textarea,) = document.find("textarea", id="id_body")
        described = textarea["aria-describedby"].split()
        assert described == ["id_body_helptext", "id_body_format", "id_body_error"]
        assert set(described) <= document.ids
        assert textarea["aria-invalid"] == "true"
        assert document.find("div", **{"class": "khub-form-group khub-rich-text khub-form-group--error"})
        assert "Error:</span> Enter a message" in html

    def test_preview_region(self):
        form = MessageForm(data={"title": "Hi", "body": "Hello <em>you</em>"})
        html = self.render(form, preview=preview_html(form))
        document = Elements(html)
        (section,) = document.find("section", **{"class": "khub-preview"})
        assert section["aria-labelledby"] == "id_body_preview-title"
        assert document.find("h2", id="id_body_preview-title")
        assert '<div class="khub-preview__body"><p>Hello <em>you</em></p></div>' in html

    def test_script_include(self):
        (script,) = Elements(render_to_string("khub_plugin/includes/rich_text_js.html")).find("script")
        assert script["src"] == "/static/khub_plugin/js/editor.js"
        assert "defer" in script

    def test_static_files_exist(self):
        assert finders.find("khub_plugin/js/editor.js")
        with open(finders.find("khub_plugin/css/khub.css"), encoding="utf-8") as css:
            assert ".khub-editor__toolbar" in css.read()


def test_browser_bold_and_italic_are_stored_as_strong_and_em():
    from khub_plugin.common.richtext import member_html

    assert member_html("<p><b>Bold</b> and <i>italic</i> <b onclick='x()'>b</b></p>") == (
        "<p><strong>Bold</strong> and <em>italic</em> <strong>b</strong></p>"
    )
    assert member_html(member_html("<p><b>x</b></p>")) == "<p><strong>x</strong></p>"


def test_empty_paragraphs_at_the_ends_are_dropped():
    from khub_plugin.common.richtext import member_html

    assert member_html("<p></p><blockquote><p>q</p></blockquote><p><br></p><p> </p>") == (
        "<blockquote><p>q</p></blockquote>"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "One line.",
        "First paragraph.\n\nSecond & more\nwith a line break",
        "5 < 6 and 7 > 3, \"quoted\", it's & that's",
        "Use the &lt;p&gt; tag, literally",
    ],
)
def test_a_message_of_paragraphs_is_edited_as_the_plain_text_that_makes_it(typed):
    stored = member_html(typed)
    shown = as_plain_text(stored)
    assert shown is not None and "<p>" not in shown
    assert member_html(shown) == stored  # saving it unchanged changes nothing


@pytest.mark.parametrize(
    "stored",
    [
        "<p>Some <strong>bold</strong> words</p>",
        '<p>A <a href="https://example.org" rel="nofollow noopener noreferrer">link</a></p>',
        "<blockquote><p>Quoted</p></blockquote><p>Reply</p>",
        "<ul><li>one</li></ul>",
        "<h2>Heading</h2><p>text</p>",
        "",
    ],
)
def test_formatted_messages_are_edited_as_html(stored):
    assert as_plain_text(stored) is None


def test_text_that_would_read_back_as_html_stays_html():
    # Shown as text, "Use the <p> tag" would be taken for HTML when saved again: keep the HTML.
    stored = "<p>Use the &lt;p&gt; tag</p>"
    assert as_plain_text(stored) is None
    assert "&lt;p&gt;" in RichTextEditor().render("body", stored)


def test_the_editing_box_shows_plain_text_for_a_message_of_paragraphs():
    html = RichTextEditor().render("body", "<p>First.</p><p>Second &amp; third</p>")
    assert ">\nFirst.\n\nSecond &amp; third</textarea>" in html  # a leading newline is dropped by browsers
