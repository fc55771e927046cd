"""Reading RSS/Atom feeds safely from bytes the safe fetcher returned.

feedparser only ever sees bytes we have checked, wrapped in a stream: it is never given a URL, a file name or
a user string (``feedparser.parse(b"/etc/passwd")`` would open that file, so even bytes go in a ``BytesIO``).

Before feedparser runs:

* the input is capped in size and must not be empty;
* we decode it ourselves (byte-order mark, then UTF-8, then the declared charset, then Windows-1252) and hand
  feedparser the UTF-8 re-encoding of exactly the text we checked, so a document cannot hide an entity
  declaration in an encoding we did not look at (UTF-16, UTF-7...);
* any ``<!ENTITY`` declaration and any ``<!DOCTYPE ... [`` internal subset is refused. This stops billion
  laughs, quadratic blow-up and external entities (``SYSTEM "file:///etc/passwd"``) before any XML parser
  sees them. A DOCTYPE naming an external DTD (RSS 0.91 has one) is allowed: feedparser strips DOCTYPEs and
  its SAX parser has external entities turned off, so the DTD is never fetched.

After feedparser: every string is treated as hostile. Titles and authors become plain text
(:func:`~khub_plugin.common.sanitize.clean_text`), item HTML goes through the one sanitiser
(:func:`~khub_plugin.common.sanitize.clean_html`; feedparser's own sanitiser is switched off so that nothing
relies on it), links must be absolute http(s), dates in the future are brought back to now, and only the
newest :data:`MAX_ITEMS` items are kept.
"""

import codecs
import hashlib
import html
import io
import itertools
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser
from django.utils.translation import gettext as _

from khub_plugin.common.sanitize import clean_html, clean_text, excerpt

#: Larger documents are refused before parsing.
MAX_BYTES = 5 * 1024 * 1024
#: Only this many items (the newest) are kept from one feed.
MAX_ITEMS = 200
#: Limits on what feedparser is given (see _bounded): it is slow, and attackers choose the input. Feeds list
#: the newest items first, so what is cut off is old.
MAX_PARSED_ITEMS = 500
MAX_ELEMENTS = 20_000
MAX_ATTRIBUTES = 100
MAX_LENIENT_BYTES = 512 * 1024
#: Sanitised item HTML is kept under this many characters.
MAX_SUMMARY_CHARS = 5000
MAX_TITLE_CHARS = 300
MAX_AUTHOR_CHARS = 200
MAX_URL_CHARS = 2000
MAX_GUID_CHARS = 1000
#: Feed discovery only reads the start of a page (the <head> is there).
MAX_DISCOVERY_BYTES = 1024 * 1024

#: Link types we can parse. JSON Feed is left out: feedparser 6.0 cannot read it.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
_PREFERRED_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


class FeedParseError(Exception):
    """The content cannot be used as a feed. ``public_message`` is safe to show to the people managing the
    source (it says what is wrong in plain words and contains nothing from the document)."""

    def __init__(self, public_message):
        super().__init__(public_message)
        self.public_message = public_message


@dataclass
class ParsedItem:
    guid: str
    link: str
    title: str
    summary_html: str
    published: datetime | None
    author: str


@dataclass
class ParsedFeed:
    title: str
    link: str
    items: list[ParsedItem] = field(default_factory=list)
    #: feedparser found the document not well-formed XML (or similar) and fell back to lenient parsing.
    bozo: bool = False
    #: Plain-words notes about what was odd (bad XML, wrong encoding, items dropped).
    warnings: list[str] = field(default_factory=list)
    #: feedparser's name for the format, e.g. "rss20", "atom10".
    version: str = ""


# --- Safety checks on the raw document --------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# "<?" or "<" in UTF-16/32 without a byte-order mark.
_MARKERS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']""")
_XML_DECLARATION = re.compile(r"^<\?xml\b[^>]{0,300}\?>")
_ENTITY_DECLARATION = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
# "<!DOCTYPE name PUBLIC '...' '...' [" - quoted strings may contain ">" or "["; bounded to stay linear.
_DOCTYPE_INTERNAL_SUBSET = re.compile(
    r"""<!\s*DOCTYPE(?:[^>\["']|"[^"]*"|'[^']*'){0,2000}\[""", re.IGNORECASE
)
_DOCTYPE = re.compile(r"<!\s*DOCTYPE", re.IGNORECASE)
# Characters XML 1.0 does not allow at all; removing them lets the strict parser read more real-world feeds.
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TOKEN = re.compile(r"^[a-z0-9!#$&^_.+\-]{1,60}/[a-z0-9!#$&^_.+\-]{1,60}$")


def _media_type_and_charset(content_type):
    media_type, charset = "", ""
    if content_type:
        media_type, _sep, params = str(content_type).partition(";")
        media_type = media_type.strip().lower()
        for param in params.split(";"):
            key, _sep, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip("\"'")
    if not _TOKEN.match(media_type):
        media_type = ""
    return media_type, charset


def _text_codec(name):
    """The Python codec name for ``name`` if it is a text encoding we can decode with, else ``None``."""
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # rot13, base64, zlib...
    return info.name


def _decode(content, http_charset):
    """Decode the document ourselves. Returns ``(text, encoding, warning or None)``."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, "replace"), encoding, None
    for marker, encoding in _MARKERS:
        if content.startswith(marker):
            return content.decode(encoding, "replace"), encoding, None
    declared = _DECLARED_ENCODING.match(content)
    declared = declared.group(1).decode("ascii") if declared else ""
    try:
        # Valid UTF-8 is almost never meant as anything else (pure ASCII reads the same in every charset we
        # accept below), so it wins over a wrong "iso-8859-1" default on the server.
        return content.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    for name in (http_charset, declared, "windows-1252"):
        codec = _text_codec(name)
        if codec is None or codec in ("utf-8", "utf-16", "utf-32"):
            continue
        try:
            text = content.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
        warning = None
        if codec != _text_codec(declared or "utf-8"):
            message = _("The feed says it is encoded as %(declared)s but is not; it was read as %(used)s.")
            warning = message % {"declared": declared or "UTF-8", "used": codec}
        return text, codec, warning
    warning = _("The feed's character encoding could not be worked out; some characters may be wrong.")
    return content.decode("latin-1"), "latin-1", warning


def _checked_text(content, content_type):
    if content is None:
        raise FeedParseError(_("The address returned nothing."))
    content = bytes(content)
    if len(content) > MAX_BYTES:
        raise FeedParseError(
            _("The feed is too large (over %(size)d MB).") % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise FeedParseError(_("The address returned an empty document."))
    _media_type, http_charset = _media_type_and_charset(content_type)
    text, encoding, warning = _decode(content, http_charset)
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedParseError(_("The address returned an empty document."))
    if _ENTITY_DECLARATION.search(text):
        raise FeedParseError(_entities_refused())
    doctypes = [match.start() for match in itertools.islice(_DOCTYPE.finditer(text), 2)]
    if len(doctypes) > 1:
        raise FeedParseError(_("The address did not return a feed that could be read."))
    if doctypes and _DOCTYPE_INTERNAL_SUBSET.match(text, doctypes[0]):
        raise FeedParseError(_entities_refused())
    return text, warning


def _entities_refused():
    return _(
        "The feed declares its own XML entities (a DOCTYPE with an internal subset), which is refused "
        "for safety reasons."
    )


def _utf8_document(text):
    """The checked text as UTF-8 bytes, with an XML declaration that says so."""
    text = _INVALID_XML_CHARS.sub("", text)
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    if _XML_DECLARATION.match(text):
        text = _XML_DECLARATION.sub(declaration, text, count=1)
    elif text.startswith("<"):
        text = declaration + "\n" + text
    return text.encode("utf-8")


class _Enough(Exception):
    pass


_ITEM_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s/>]")
_START_TAG = re.compile(rb"<[A-Za-z_][^<>]*")


def _bounded(data):
    """Cut ``data`` (checked UTF-8 XML) to what feedparser may spend time on. Returns ``(data, warning)``.

    feedparser is slow in ways an attacker can choose: about a millisecond an item, fifteen microseconds a tag
    when it reads broken XML leniently, and time growing with the *square* of the number of attributes on one
    element (``xml.sax`` looks each one up by a linear search). So it gets at most MAX_PARSED_ITEMS items, a
    budget of MAX_ELEMENTS elements plus attributes, and no element with more than MAX_ATTRIBUTES attributes.

    A quick pass with expat (in C; no DTD, no entities but the five predefined ones, as checked above) counts
    them. Past a limit the document is cut before the start tag that went over and the elements still open are
    closed, so it stays well-formed. A document that is not well-formed is cut, at an item boundary where
    possible, to MAX_LENIENT_BYTES and the same budget counted on the text.
    """
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    open_elements = []
    counts = {"items": 0, "budget": MAX_ELEMENTS}

    def start(name, attributes):
        counts["budget"] -= 1 + len(attributes)
        if name.rpartition(":")[2] in ("item", "entry"):
            counts["items"] += 1
        if counts["items"] > MAX_PARSED_ITEMS or counts["budget"] < 0 or len(attributes) > MAX_ATTRIBUTES:
            raise _Enough(parser.CurrentByteIndex)
        open_elements.append(name)

    def end(_name):
        open_elements.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Enough as enough:
        cut = enough.args[0]
        closing = "".join(f"</{name}>" for name in reversed(open_elements)).encode("utf-8")
        return data[:cut] + closing, _cut_warning()
    except xml.parsers.expat.ExpatError:
        pass  # not well-formed: feedparser's lenient parser will read it
    else:
        return data, None

    limit = min(len(data), MAX_LENIENT_BYTES)
    budget = MAX_ELEMENTS
    for match in _START_TAG.finditer(data, 0, limit):
        tag = match.group()
        # An upper bound on what the lenient parser will take for attributes: name=value pairs need no space
        # between them, bare names do.
        attributes = max(tag.count(b"="), len(tag.split()) - 1)
        budget -= 1 + attributes
        if budget < 0 or attributes > MAX_ATTRIBUTES:
            limit = match.start()
            break
    starts = [match.start() for match in itertools.islice(_ITEM_START.finditer(data), MAX_PARSED_ITEMS + 1)]
    cut = starts[MAX_PARSED_ITEMS] if len(starts) > MAX_PARSED_ITEMS else len(data)
    if cut > limit:
        before = [start for start in starts if 0 < start <= limit]
        cut = before[-1] if before else limit
    if cut < len(data):
        return data[:cut], _cut_warning()
    return data, None


def _cut_warning():
    return _("The feed is very long or unusual; only its first items were read.")


# --- Cleaning what feedparser found -----------------------------------------------------------------------


def safe_http_url(value, base_url=""):
    """``value`` as an absolute http(s) URL (resolved against ``base_url``), or "" if it is anything else."""
    if not value or not isinstance(value, str):
        return ""
    value = value.strip()
    if not value or len(value) > MAX_URL_CHARS or re.search(r"[\x00-\x20\x7f]", value):
        return ""
    try:
        if urlsplit(value).scheme and not urlsplit(value).netloc:
            return ""  # "https:" or "https:/path": not a link to anywhere (urljoin would give the base back)
        url = urljoin(base_url or "", value)
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not hostname:
        return ""
    if "@" in parts.netloc:
        return ""  # "https://council.gov.uk@elsewhere.example/" - only there to mislead
    return url if len(url) <= MAX_URL_CHARS else ""


def _datetime(struct, now):
    if not struct:
        return None
    try:
        year, month, day, hour, minute, second = tuple(struct)[:6]
        value = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return min(value, now)


def _item_html(entry, base_url):
    # The summary (with its type and xml:base) if there is one, else the full content. (feedparser also puts
    # Atom content in "summary" without a summary_detail: the content then has the right base.)
    detail = entry.get("summary_detail") if entry.get("summary") else None
    if not detail and entry.get("content"):
        detail = entry["content"][0]
    if not detail and entry.get("summary"):
        detail = {"value": entry["summary"], "type": "text/html"}
    if not detail:
        return ""
    value = detail.get("value") or ""
    if not isinstance(value, str):
        return ""
    if detail.get("type") == "text/plain":
        value = "<p>" + html.escape(value) + "</p>"
    # Relative links in the HTML are relative to the xml:base in force where it was (feedparser tracks it).
    return bounded_clean_html(value, base_url=safe_http_url(detail.get("base"), base_url) or base_url)


def bounded_clean_html(value, limit=MAX_SUMMARY_CHARS, base_url=None):
    """``clean_html(value)`` kept under ``limit`` characters. The *input* is shortened and then cleaned (so
    the result is always well-formed; cutting sanitised HTML could leave an open attribute or tag)."""
    cut = limit
    cleaned = clean_html(value[:cut], base_url=base_url)
    while len(cleaned) > limit and cut > 50:
        cut //= 2
        cleaned = clean_html(value[:cut], base_url=base_url)
    if len(cleaned) > limit:
        cleaned = "<p>" + html.escape(excerpt(value, 200)) + "</p>"
    return cleaned


def _guid(entry, link, title, summary_html):
    guid = entry.get("id") or entry.get("guid") or ""
    guid = " ".join(guid.split()) if isinstance(guid, str) else ""
    if not guid:
        guid = link
    if not guid:
        # No id and no link: the title identifies the item (the text too when there is no title either, so
        # that untitled items do not all collapse into one).
        seed = f"{title}\n{link}" if title else f"\n\n{summary_html}"
        guid = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    if len(guid) > MAX_GUID_CHARS:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return guid


def _text(value, length):
    return excerpt(value, length) if isinstance(value, str) else ""


def _item(entry, base_url, published):
    """The cleaned item, or ``None`` if nothing is left to show (no title, link or text)."""
    link = safe_http_url(entry.get("link"), base_url)
    title = _text(entry.get("title"), MAX_TITLE_CHARS)
    summary_html = _item_html(entry, base_url)
    if not (title or link or clean_text(summary_html)):
        return None
    return ParsedItem(
        guid=_guid(entry, link, title, summary_html),
        link=link,
        title=title,
        summary_html=summary_html,
        published=published,
        author=_text(entry.get("author"), MAX_AUTHOR_CHARS),
    )


def _describe(exception):
    name = type(exception).__name__
    if name == "CharacterEncodingOverride":
        return None  # we re-encoded to UTF-8 ourselves; our own warning says what happened
    if name == "NonXMLContentType":
        return _("The server does not say the feed is XML (content type); it was read anyway.")
    message = " ".join(str(exception).split())[:200]
    return _("The feed is not well-formed XML and was read leniently (%(problem)s).") % {"problem": message}


def parse_feed(content: bytes, *, base_url: str, content_type: str | None = None, now=None) -> ParsedFeed:
    """Parse feed bytes fetched from ``base_url``. Raises :class:`FeedParseError` for unusable input."""
    now = now or datetime.now(UTC)
    text, encoding_warning = _checked_text(content, content_type)
    media_type, _charset = _media_type_and_charset(content_type)
    headers = {"content-type": f"{media_type or 'application/xml'}; charset=utf-8"}
    base_url = safe_http_url(base_url)
    if base_url:
        headers["content-location"] = base_url
    data, length_warning = _bounded(_utf8_document(text))
    result = feedparser.parse(
        io.BytesIO(data),  # a stream: feedparser must never treat the input as a file name or URL
        response_headers=headers,
        # Both off: clean_html is the one sanitiser and resolves relative links itself (in Rust, against the
        # xml:base feedparser reports); feedparser's own pass over the HTML is slow (seconds a megabyte).
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries = list(result.get("entries") or [])
    version = result.get("version") or ""
    channel = result.get("feed") or {}
    if not version and not entries:
        raise FeedParseError(_("The address did not return an RSS or Atom feed."))

    warnings = [warning for warning in (encoding_warning, length_warning) if warning]
    bozo = bool(result.get("bozo"))
    if bozo and result.get("bozo_exception") is not None:
        described = _describe(result["bozo_exception"])
        if described:
            warnings.append(described)

    dated = [
        (_datetime(entry.get("published_parsed") or entry.get("updated_parsed"), now), index)
        for index, entry in enumerate(entries)
    ]
    if len(entries) > MAX_ITEMS:
        oldest = datetime.min.replace(tzinfo=UTC)
        newest_first = sorted(dated, key=lambda pair: (pair[0] or oldest, -pair[1]), reverse=True)
        dated = sorted(newest_first[:MAX_ITEMS], key=lambda pair: pair[1])
        warnings.append(_("Only the newest %(count)d items were kept.") % {"count": MAX_ITEMS})

    feed_link = safe_http_url(channel.get("link"), base_url)
    items = [_item(entries[index], base_url or feed_link, published) for published, index in dated]
    items = [item for item in items if item is not None]
    return ParsedFeed(
        title=_text(channel.get("title"), MAX_TITLE_CHARS),
        link=feed_link,
        items=items,
        bozo=bozo,
        warnings=warnings,
        version=version,
    )


# --- HTML pages -------------------------------------------------------------------------------------------

# What a document starts with, after white space, comments and processing instructions (and, for a feed, a
# DOCTYPE). Only the first 4 KB are looked at.
_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?[^>]*>)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
    re.IGNORECASE | re.DOTALL,
)
_FEED_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?[^>]*>|<!doctype[^>]*>)*<(?:rss|feed|rdf:rdf|[a-z0-9]+:rss)\b",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(content, content_type=None):
    """Whether ``content`` is a web page (to look for a feed link in) rather than a feed. The content wins
    over the content type: plenty of servers send feeds as ``text/html``."""
    head = bytes(content or b"")[:4096]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :].decode(encoding, "replace").encode("utf-8")
            break
    if _FEED_START.match(head):
        return False
    if _HTML_START.match(head):
        return True
    media_type, _charset = _media_type_and_charset(content_type)
    return media_type in ("text/html", "application/xhtml+xml")


class _FeedLinkFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.base = None
        self.links = []  # (media type, href), in document order

    def handle_starttag(self, tag, attrs):
        attributes = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and attributes.get("href"):
            self.base = attributes["href"]
        elif tag == "link":
            rels = attributes.get("rel", "").lower().split()
            media_type = attributes.get("type", "").split(";")[0].strip().lower()
            href = attributes.get("href", "").strip()
            if "alternate" in rels and media_type in FEED_TYPES and href:
                self.links.append((media_type, href))

    handle_startendtag = handle_starttag


_LINK_OR_BASE_TAG = re.compile(r"<(?:link|base)\b[^<>]{0,4000}>", re.IGNORECASE)


def _without_comments(text):
    """``text`` without HTML comments, in linear time (a regex for them goes quadratic on "<!--" repeated)."""
    parts, position = [], 0
    while True:
        start = text.find("<!--", position)
        if start < 0:
            parts.append(text[position:])
            return "".join(parts)
        parts.append(text[position:start])
        end = text.find("-->", start + 4)
        if end < 0:
            return "".join(parts)
        position = end + 3


def discover_feed_url(html_content: bytes, base_url: str) -> str | None:
    """The feed a web page links to with ``<link rel="alternate" type="application/rss+xml" href="...">``
    (RSS and Atom preferred over generic XML), resolved against the page (and its ``<base href>``); http(s)
    only. ``None`` if there is none.

    Only the ``<link>`` and ``<base>`` tags are handed to ``html.parser``, one at a time: on a whole hostile
    page it can take time growing with the square of the input (unclosed comments) or raise AssertionError
    (``<![``) on the Python versions we support.
    """
    page_url = safe_http_url(base_url)
    if not page_url:
        return None
    text = _without_comments(bytes(html_content or b"")[:MAX_DISCOVERY_BYTES].decode("utf-8", "replace"))
    finder = _FeedLinkFinder()
    for match in itertools.islice(_LINK_OR_BASE_TAG.finditer(text), 1000):
        try:
            finder.feed(match.group())
            finder.close()
        except (AssertionError, ValueError):  # pragma: no cover - defensive, see the docstring
            pass
        finder.reset()
    base = (safe_http_url(finder.base, page_url) if finder.base else "") or page_url
    candidates = sorted(
        enumerate(finder.links), key=lambda pair: (pair[1][0] not in _PREFERRED_FEED_TYPES, pair[0])
    )
    for _index, (_media_type, href) in candidates:
        url = safe_http_url(href, base)
        if url:
            return url
    return None
