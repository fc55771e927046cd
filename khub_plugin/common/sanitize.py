"""The one sanitiser for HTML that comes from members or from outside (news feeds).

Everything that will later be rendered with ``|safe`` goes through :func:`clean_html` on the way in. It is
an allow-list built on nh3 (the Rust ``ammonia`` library, which parses like a browser with html5ever and
serialises the tree it built, so mutation-XSS tricks relying on a parser/serialiser mismatch do not survive).

:func:`clean_text` and :func:`excerpt` return *plain text*: it must be autoescaped when rendered (Django does
that unless someone adds ``|safe``).
"""

import html
import re
from urllib.parse import unquote, urljoin

import nh3

#: Tags a member may use. Anything else is removed but its text kept (``<div>hi</div>`` becomes ``hi``).
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "h4",
        "ul", "ol", "li", "blockquote", "a", "code", "pre",
    }
)  # fmt: skip

#: Tags removed *with* their content: code, styling, foreign content and embedded documents.
REMOVED_WITH_CONTENT = frozenset(
    {
        "script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "noembed", "noframes", "template", "textarea", "select", "title", "xmp", "plaintext",
        "head", "canvas", "audio", "video",
    }
)  # fmt: skip

#: Schemes a link may use. Relative links (``/page``, ``#anchor``) are kept.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

#: Forced on every link: members' links neither pass ranking nor get a handle on our window.
LINK_REL = "nofollow noopener noreferrer"

_ATTRIBUTES = {"a": {"href", "title"}}
_IMG_ATTRIBUTES = {"src", "alt", "title", "width", "height"}

# A scheme at the start of a URL once whitespace and control characters (which browsers ignore) are removed.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
# Also the two noncharacters XML forbids: one in a post would make the forum's feed unreadable for everyone.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# An <img> that lost its src (not from our storage): nothing to show, so drop it. nh3's output is a
# normalised serialisation (attributes double-quoted, ">" inside values escaped), so this is reliable there.
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
# Block-level boundaries become spaces in plain text, so "<p>a</p><p>b</p>" reads "a b", not "ab".
_BLOCK_BOUNDARY = re.compile(
    r"<(/?)(p|br|li|ul|ol|h[1-6]|div|blockquote|pre|tr|td|th|table|section|article|header|footer|hr|dd|dt)\b",
    re.IGNORECASE,
)


def _scheme_allowed(value):
    compact = _IGNORED_IN_URLS.sub("", value).lower()
    match = _SCHEME.match(compact)
    return match is None or match.group(1) in ALLOWED_SCHEMES


def _normalise_prefixes(prefixes):
    result = []
    for prefix in prefixes or ():
        prefix = (prefix or "").strip()
        if not prefix:
            continue
        # "https://cdn.example.org" must not also allow "https://cdn.example.org.evil.test/".
        result.append(prefix if prefix.endswith("/") else prefix + "/")
    return tuple(result)


def _image_src_allowed(src, prefixes):
    if not src or src != src.strip() or _IGNORED_IN_URLS.search(src) or "\\" in src:
        return False
    decoded = unquote(src)
    if "\\" in decoded or any(segment in ("..", ".") for segment in decoded.split("?")[0].split("/")):
        return False
    for prefix in prefixes:
        if src.startswith("//") and not prefix.startswith("//"):
            continue  # protocol-relative: another host, whatever the prefix looks like
        if src.startswith(prefix):
            return True
    return False


def _attribute_filter(prefixes, base_url):
    def attribute_filter(tag, attribute, value):
        # nh3 passes the decoded value (entities resolved) and re-escapes what we return.
        if attribute in ("href", "src"):
            if base_url and not (tag == "img" and value.startswith("/") and not value.startswith("//")):
                try:
                    value = urljoin(base_url, value.strip())
                except ValueError:
                    return None
            if not _scheme_allowed(value):
                return None  # belt and braces: nh3 already checks schemes
        if tag == "img" and attribute == "src" and not _image_src_allowed(value, prefixes):
            return None
        if attribute in ("width", "height") and not value.isdigit():
            return None
        return value

    return attribute_filter


def clean_html(html_text, allowed_image_prefixes=None, *, base_url=None):
    """Sanitise member or feed HTML to the allow-list.

    ``allowed_image_prefixes``: URL prefixes of the site's own storage (for example ``("/media/",)`` or
    ``("https://files.council.example/media/",)``). ``<img>`` is only kept when its ``src`` starts with one of
    them; with none given (the default) there are no images at all.

    ``base_url``: resolve relative links against it (for HTML from a feed, whose relative links are relative
    to the feed, not to our site). Without it relative links are kept as they are.
    """
    if not html_text:
        return ""
    prefixes = _normalise_prefixes(allowed_image_prefixes)
    tags = set(ALLOWED_TAGS)
    attributes = {tag: set(names) for tag, names in _ATTRIBUTES.items()}
    if prefixes:
        tags.add("img")
        attributes["img"] = set(_IMG_ATTRIBUTES)
    cleaned = nh3.clean(
        _CONTROL_CHARS.sub("", str(html_text)),
        tags=tags,
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes=attributes,
        attribute_filter=_attribute_filter(prefixes, base_url),
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_SCHEMES),
    )
    if prefixes:
        cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    return cleaned


def clean_text(text):
    """Plain text from ``text`` (which may contain HTML): tags and their markup removed, entities decoded,
    whitespace collapsed. For titles, names and excerpts; autoescape it when rendering."""
    if not text:
        return ""
    spaced = _BLOCK_BOUNDARY.sub(r" <\1\2", str(text))
    stripped = nh3.clean(
        _CONTROL_CHARS.sub("", spaced),
        tags=set(),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )
    # nh3 escapes the text it keeps ("&" -> "&amp;"); decode it once to get the plain text back.
    return " ".join(html.unescape(stripped).split())


def excerpt(html_text, length=200):
    """The plain text of ``html_text``, at most ``length`` characters, cut at a word boundary with "…"."""
    text = clean_text(html_text)
    if len(text) <= length:
        return text
    if length < 2:
        return "…"[:length]
    cut = text[: length - 1]  # room for the ellipsis
    if not text[length - 1].isspace():
        # Back up to the last space, unless that would throw away most of the text (one enormous "word").
        space = cut.rfind(" ")
        if space > length // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"
