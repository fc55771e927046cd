"""Hostile input in the forum: nothing a member types may run in anyone's browser or feed reader.

Each payload below goes everywhere a member can put text into the forum, through the real forms:

* a topic's title, message (the rich-text field) and tags (the new-topic form, previewed then posted);
* a reply, and a reply that quotes it (``reply/?quote=<id>``: the form is pre-filled, then posted);
* an edit of the opening post (new title and message), so the post history has the hostile earlier version;
* the reason a facilitator gives for hiding a reply (the moderation log);
* the query of the forum's own search, its tag filter and the site-wide search.

Then every page that shows them is fetched (as the member who wrote them and as a facilitator) and checked,
by parsing it, not by string matching: no ``<script>`` but the page's own known scripts (those of the same
page with harmless text), no ``on*`` event attribute, no ``href``/``src``/``action``/``formaction``/
``xlink:href``... whose value starts with ``javascript:``, ``data:`` or ``vbscript:`` once whitespace and
control characters are removed, no ``srcdoc``, no ``style`` attribute, no ``<iframe>``, ``<object>``,
``<embed>``, ``<base>``, ``<style>``, ``<svg>``, ``<math>``, ``<meta http-equiv>``; ``<img>`` only from the
site's own storage, and forms only to this site. RSS and Atom feeds must be well-formed XML, carry no raw
``<script``, and their HTML parts (an RSS title and description, an Atom summary or content of type html)
pass the same checks. Template syntax is shown literally (``{{ 7*7 }}`` never becomes ``49``).

To stay fast, the community and people are created once for the module and the pages of every payload are
collected once (each payload in its own savepoint, rolled back after, so one payload's pages show only its
own content); the parametrised tests then check what was collected, so a failure names its payload.
"""

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from wagtail.models import Site

from khub_plugin.communities.models import CommunityIndexPage
from khub_plugin.forums.blocks import LatestDiscussionsBlock
from khub_plugin.forums.models import Post, Topic
from tests import factories

pytestmark = pytest.mark.django_db

LONG_EVENTS = '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>' * 300

# (name, payload). The name is the test id.
PAYLOADS = [
    # <script> in its many spellings
    ("script", "<script>alert(1)</script>"),
    ("script-variants", "<SCRIPT SRC=//evil.test/x.js></SCRIPT><scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("closing-tag-breakouts", "</textarea></title></style></noscript></script><script>alert(1)</script>"),
    ("script-pre-escaped", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    # What the editor sends when someone types markup as text: it must stay text everywhere.
    (
        "markup-typed-in-the-editor",
        "<p>&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>",
    ),
    ("script-null-byte", "<scr\x00ipt>alert(1)</scr\x00ipt><img src=x \x00onerror=alert(1)>"),
    # event handlers on many elements, allowed ones included
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-entities", "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>"),
    (
        "events-on-common-elements",
        '<body onload=alert(1)><div onmouseover="alert(1)">hover</div>'
        '<a href="https://ok.test/" onclick="alert(1)">click</a>',
    ),
    (
        "autofocus-events",
        "<p onfocus=alert(1) tabindex=0 autofocus>focus</p><input autofocus onfocus=alert(1)>",
    ),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    (
        "allowed-tag-with-event",
        "<strong onpointerenter=alert(1)>bold</strong><blockquote onclick=alert(1)>q</blockquote>",
    ),
    ("custom-element-onclick", "<x-widget onclick=alert(1)>custom</x-widget>"),
    # javascript:, data: and vbscript: links, with entity, whitespace and case tricks
    ("href-javascript", '<a href="javascript:alert(1)">js</a><a href="JaVaScRiPt:alert(1)">case</a>'),
    (
        "href-javascript-whitespace",
        '<a href=" \t\n javascript:alert(1)">ws</a><a href="java\nscript:alert(1)">nl</a>'
        '<a href="\x01javascript:alert(1)">ctrl</a><a href="java&#x09;script:alert(1)">tab</a>',
    ),
    (
        "href-javascript-entities",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">dec</a>'
        '<a href="&#x6A;avascript&colon;alert(1)">hex</a>',
    ),
    ("href-javascript-zero-width", '<a href="java\u200bscript:alert(1)">zw</a>'),
    (
        "href-data",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">b64</a>'
        '<a href="data:text/html,<script>alert(1)</script>">raw</a>',
    ),
    ("href-vbscript", '<a href="vbscript:msgbox(1)">vb</a>'),
    ("table-background", '<table background="javascript:alert(1)"><td>x</td></table>'),
    ("javascript-as-text", "javascript:alert(document.cookie)"),
    # SVG and MathML
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script><animate onbegin=alert(1) attributeName=x dur=1s></svg>"),
    (
        "svg-foreignobject",
        '<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>',
    ),
    ("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>'),
    (
        "mathml",
        '<math href="javascript:alert(1)">CLICK</math>'
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    ),
    # CSS
    (
        "style-attributes",
        '<p style="background:url(javascript:alert(1))">url</p>'
        '<div style="width:expression(alert(1))">ie</div>',
    ),
    (
        "style-elements",
        '<style>body{background:url("javascript:alert(1)")}</style><style>@import "https://evil.test/x.css";</style>',
    ),
    ("link-stylesheet", '<link rel=stylesheet href="javascript:alert(1)">'),
    # embedded documents, forms, meta, base
    (
        "iframes",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe><iframe src="https://evil.test/"></iframe>',
    ),
    (
        "object-and-embed",
        '<object data="javascript:alert(1)"></object>'
        '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    ),
    (
        "form-action-formaction",
        '<form action="https://evil.test/"><button formaction="javascript:alert(1)">go</button></form>',
    ),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base-href", '<base href="https://evil.test/">'),
    ("template-script", "<template><script>alert(1)</script></template>"),
    # mutation XSS
    ("mxss-noscript", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("mxss-svg-style", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'),
    ("mxss-mglyph", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    (
        "mxss-mglyph-comment",
        '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;'
        'src=1&Tab;onerror=alert(1)&gt;">',
    ),
    ("mxss-comment", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    ("mxss-cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    # breaking out of attributes and of the feed's XML
    ("attribute-breakout", '"><img src=x onerror=alert(1)>'),
    ("attribute-breakout-single", "'><svg onload=alert(1)>"),
    ("attribute-injection", '" autofocus onfocus="alert(1)" x=\' autofocus onfocus=\'alert(1)'),
    ("xml-breakout", "]]></description><script>alert(1)</script><description><![CDATA["),
    # template injection
    ("template-variable", "{{ 7*7 }}"),
    ("template-tag", "{% debug %}"),
    ("template-others", "${7*7} #{7*7} <%= 7*7 %> {{request.user.password}}"),
    # unicode, invisible and awkward characters
    ("rtl-override", "\u202etxt.exe \u2066admin\u2069 \u200f"),
    ("zero-width", "\u200b\u200c\u200d\ufeffhidden\u2060words"),
    ("xml-invalid-characters", "before \ufffe\uffff \x0b\x0c after"),
    ("astral-and-combining", "\U0001f600 Z\u0351\u0352\u0353algo \U0001d54f"),
    # very long
    ("long-plain", "A" * 20_000),
    ("long-hostile", LONG_EVENTS),
]

PAYLOAD_BY_NAME = dict(PAYLOADS)
assert len(PAYLOAD_BY_NAME) == len(PAYLOADS)

DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
        "codebase", "dynsrc", "lowsrc", "ping", "srcset", "longdesc", "usemap", "manifest", "icon",
    }
)  # fmt: skip
BANNED_ELEMENTS = frozenset(
    {
        "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math",
        "foreignobject", "template", "noscript", "xmp", "plaintext", "portal", "fencedframe",
    }
)  # fmt: skip
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_MARKER = re.compile(r"zq\d+x")


# -- what a browser would find in a page ---------------------------------------------------------------------


class Document(HTMLParser):
    """The elements of an HTML document: tag, attributes (entities resolved), and for scripts their text.

    Each element also carries the last payload marker (``zq<n>x``) seen before it or in its own attributes,
    so that on a page listing several payloads a finding is laid at the door of the payload it came with.
    """

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []  # [(marker, tag, [(name, value), ...])]
        self.scripts = []  # [(marker, (sorted attributes, inline text))]
        self.text = []
        self._marker = None
        self._script = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        for _, value in attrs:
            found = _MARKER.findall(value or "")
            if found:
                self._marker = found[-1]
        self.elements.append((self._marker, tag, attrs))
        if tag == "script":
            self._script = [self._marker, tuple(sorted((name, value or "") for name, value in attrs)), ""]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        self.text.append(data)
        found = _MARKER.findall(data)
        if found:
            self._marker = found[-1]
        if self._script is not None:
            self._script[2] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            marker, attributes, inline = self._script
            self.scripts.append((marker, (attributes, inline.strip())))
            self._script = None


def dangerous_url(value):
    compact = _IGNORED_IN_URLS.sub("", value or "").lower()
    return compact.startswith(DANGEROUS_SCHEMES)


def html_problems(text, known_scripts=frozenset()):
    """What could run in ``text`` (an HTML page or fragment): ``[(marker, finding)]``, empty if nothing."""
    document = Document(text)
    problems = []
    for marker, script in document.scripts:
        if script not in known_scripts:
            problems.append((marker, f"<script {script[0]}>{script[1][:80]}</script>"))
    for marker, tag, attributes in document.elements:
        values = dict(attributes)
        if tag in BANNED_ELEMENTS:
            problems.append((marker, f"<{tag}> element"))
        if tag == "meta" and "http-equiv" in values:
            problems.append((marker, f"<meta {attributes}>"))
        if tag == "link" and values.get("rel") not in ("stylesheet", "alternate"):
            problems.append((marker, f"<link {attributes}>"))
        for name, value in attributes:
            if (
                name.startswith("on")
                or name in ("style", "srcdoc", "formaction")
                or (name in URL_ATTRIBUTES and dangerous_url(value))
            ):
                problems.append((marker, f"<{tag} {name}={value!r}>"))
        if tag == "img" and not (values.get("src") or "").startswith(("/media/", "/static/")):
            problems.append((marker, f"<img {attributes}> not from the site's storage"))
        if tag == "form":
            action = values.get("action") or ""
            if action and (not action.startswith("/") or action.startswith("//")):
                problems.append((marker, f"<form action={action!r}> leaves the site"))
    return problems


ATOM = "{http://www.w3.org/2005/Atom}"
FEED_VOCABULARY = {
    "rss", "channel", "title", "link", "description", "language", "lastBuildDate", "item", "guid",
    "pubDate", "author", "category", "comments", "enclosure", "source", "ttl", "image", "url",
    "feed", "id", "updated", "entry", "summary", "content", "name", "email", "uri", "published", "subtitle",
    "rights", "generator", "{http://purl.org/dc/elements/1.1/}creator",
}  # fmt: skip


def _parse_feed(raw):
    return ET.fromstring(raw)  # noqa: S314 - the site's own output, parsed to check it


def _feed_parts(root):
    """``(element, local name, whether a reader reads it as HTML)`` for every element of a feed."""
    for element in root.iter():
        local = element.tag.replace(ATOM, "")
        if root.tag == "rss":  # RSS readers read titles and descriptions as HTML
            is_html = local in ("title", "description")
        else:  # Atom says which text constructs are HTML
            is_html = local in ("title", "summary", "content", "subtitle") and element.get("type") in (
                "html",
                "xhtml",
            )
        yield element, local, is_html


def _unparsable_items(raw, error):
    """Which payloads broke a feed's XML: the markers of the items that do not parse on their own."""
    text = raw.decode("utf-8", "replace")
    chunks = re.findall(r"<item>.*?</item>|<entry>.*?</entry>", text, flags=re.S)
    problems = []
    for chunk in chunks:
        try:
            ET.fromstring(chunk)  # noqa: S314 - the site's own output
        except ET.ParseError as chunk_error:
            found = _MARKER.findall(chunk)
            problems.append((found[0] if found else None, f"not well-formed XML: {chunk_error}"))
    return problems or [(None, f"not well-formed XML: {error}")]


@functools.cache
def feed_problems(raw):
    """What could run in an RSS or Atom feed (bytes), or break it: ``[(marker, finding)]``."""
    if b"<script" in raw.lower():
        return [(None, "a raw <script in the feed")]
    try:
        root = _parse_feed(raw)
    except ET.ParseError as error:
        return _unparsable_items(raw, error)
    owner = {}
    for item in [*root.iter("item"), *root.iter(f"{ATOM}entry")]:
        found = _MARKER.findall(" ".join(item.itertext()))
        owner.update(dict.fromkeys(item.iter(), found[0] if found else None))
    problems = []
    for element, local, is_html in _feed_parts(root):
        marker = owner.get(element)
        if local not in FEED_VOCABULARY and element.tag not in FEED_VOCABULARY:
            problems.append((marker, f"unexpected element <{element.tag}>"))
        for name, value in element.attrib.items():
            if name.startswith("on") or dangerous_url(value):
                problems.append((marker, f"<{local} {name}={value!r}>"))
        if is_html and element.text:
            problems.extend((marker, f"<{local}> {finding}") for _, finding in html_problems(element.text))
    return problems


@functools.cache
def feed_text(raw):
    """The text of a feed as a reader shows it (its HTML parts reduced to their text); if the feed does not
    parse, its raw text."""
    try:
        root = _parse_feed(raw)
    except ET.ParseError:
        return raw.decode("utf-8", "replace")
    return " ".join(
        " ".join(Document(element.text).text) if is_html else element.text
        for element, _, is_html in _feed_parts(root)
        if element.text
    )


@functools.cache
def page_problems(kind, content, known_scripts):
    if kind == "feed":
        return feed_problems(content)
    return html_problems(content.decode(), known_scripts)


def shows(kind, content, marker):
    """Whether a page (its text or its attributes) or a feed (as a reader shows it) carries ``marker``."""
    return marker in (feed_text(content) if kind == "feed" else content.decode())


@functools.cache
def page_text(kind, content):
    return feed_text(content) if kind == "feed" else " ".join(Document(content.decode()).text)


# -- collecting the pages ------------------------------------------------------------------------------------

#: Payloads are written in batches; the pages that list content (forum, activity, panels, feeds, the log,
#: search) are fetched once per batch and hold all its payloads. The home page panel shows five topics.
BATCH = 5


@dataclass
class Collected:
    """The pages of one payload: its own (``{surface: (kind, status, content)}``) and its batch's."""

    marker: str
    pages: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    error: BaseException | None = None


def _search_url():
    try:
        return reverse("khub:search")
    except NoReverseMatch:  # the site-wide search is not installed
        return None


def _quoted_body(html):
    """The pre-filled text of the reply page's textarea (what the member's browser would post back)."""
    match = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', html, flags=re.S)
    assert match, "the reply page has no reply textarea"
    return unescape(match.group(1)).lstrip("\n")


def _render_block(person, community):
    request = RequestFactory().get("/intranet/")
    request.user = person or AnonymousUser()
    block = LatestDiscussionsBlock()
    value = block.to_python(
        {"heading": "Latest discussions", "community": community.pk if community else None, "count": 20}
    )
    return ("html", 200, block.render(value, context={"request": request}).encode())


def _no_nulls(text, limit):
    return text.replace("\x00", "")[:limit]


def _keeper(pages):
    def keep(surface, response):
        kind = "feed" if "xml" in response.get("Content-Type", "") else "html"
        pages[surface] = (kind, response.status_code, response.content)
        return response

    return keep


def write_and_fetch(world, index, payload):
    """Put ``payload`` in a topic's title, message and tags, a reply, a quoting reply, an edit and a
    moderation reason, through the real forms; fetch the pages about that one topic."""
    community, as_member, as_facilitator = world["community"], world["as_member"], world["as_facilitator"]
    forum = community.url + "forum/"
    found = Collected(f"zq{index}x")
    keep = _keeper(found.pages)

    title = f"Hostile {found.marker} {payload}"
    # Text before and after: a payload that swallows what follows (an unclosed <svg>) still leaves a message.
    body = f"Start of {found.marker}.\n\n{payload}\n\nEnd of {found.marker}."
    data = {"title": title, "body": body, "tags": payload}
    keep("new topic: preview", as_member.post(forum + "new/", {**data, "preview": "1"}))
    response = as_member.post(forum + "new/", data)
    if response.status_code != 302:
        keep("new topic: form with errors", response)
        found.notes.append("the new-topic form refused the payload as it was; posted shortened, without NUL")
        data = {
            "title": _no_nulls(title, 200),
            "body": _no_nulls(body, 40_000),
            "tags": _no_nulls(payload, 600),
        }
        response = as_member.post(forum + "new/", data)
        assert response.status_code == 302, "the topic could not be started"
    topic = Topic.objects.filter(community=community).latest("pk")
    opening = topic.posts.get(is_opening=True)
    topic_url = f"{forum}{topic.pk}/"
    tag = topic.tags.order_by("name").first()

    # A reply, then a reply quoting it (as the reply page pre-fills it) with the payload again.
    response = as_member.post(f"{topic_url}reply/", {"body": _no_nulls(body, 40_000)})
    assert response.status_code == 302, "the reply was refused"
    reply = Post.objects.filter(topic=topic).latest("pk")
    quoting = keep("reply page quoting the reply", as_facilitator.get(f"{topic_url}reply/?quote={reply.pk}"))
    quoted = _quoted_body(quoting.content.decode())
    response = as_facilitator.post(
        f"{topic_url}reply/", {"body": _no_nulls(quoted + body, 40_000), "parent": reply.pk}
    )
    assert response.status_code == 302, "the quoting reply was refused"
    quoting_reply = Post.objects.filter(topic=topic).latest("pk")
    keep("delete page", as_facilitator.get(f"{forum}posts/{quoting_reply.pk}/delete/"))

    # The author edits the opening post: the hostile first version goes into the history.
    edit = {
        "title": _no_nulls(f"Hostile {found.marker} edited {payload}", 200),
        "body": _no_nulls(body, 40_000),
    }
    response = as_member.post(f"{forum}posts/{opening.pk}/edit/", edit)
    assert response.status_code == 302, "the edit was refused"
    keep("edit page", as_member.get(f"{forum}posts/{opening.pk}/edit/"))
    keep("post history", as_facilitator.get(f"{forum}posts/{opening.pk}/history/"))

    # The first reply hidden, with the payload as the reason.
    keep("hide reply page", as_facilitator.get(f"{forum}posts/{reply.pk}/hide/"))
    keep("hide topic page", as_facilitator.get(f"{topic_url}hide/"))
    keep("move page", as_facilitator.get(f"{topic_url}move/"))
    response = as_facilitator.post(f"{forum}posts/{reply.pk}/hide/", {"reason": payload[:1000]})
    if response.status_code != 302:
        keep("hide reply: form with errors", response)
        found.notes.append("the reason was refused as it was; given shortened, without NUL")
        response = as_facilitator.post(f"{forum}posts/{reply.pk}/hide/", {"reason": _no_nulls(payload, 1000)})
        assert response.status_code == 302, "the reply could not be hidden"

    # As a facilitator sees it: everything members see, and the hidden reply too.
    keep("topic page", as_facilitator.get(topic_url))
    # The forum's search and tag filter repeat what was asked for.
    query = {"q": _no_nulls(payload, 200), "tag": tag.name if tag else _no_nulls(payload, 100)}
    keep("topic list: search and tag filter", as_member.get(forum, query))
    search = _search_url()
    if search is not None:
        keep("site search for the payload", as_member.get(search, {"q": _no_nulls(payload, 200)}))
    for kind in ("rss", "atom"):
        keep(f"topic feed ({kind})", as_member.get(f"{topic_url}feed/{kind}/"))
    return found


def fetch_shared(world):
    """The pages that list the forum's content, each fetched once for a batch of payloads."""
    community, as_member, as_facilitator = world["community"], world["as_member"], world["as_facilitator"]
    forum = community.url + "forum/"
    pages = {}
    keep = _keeper(pages)
    keep("topic list", as_member.get(forum, {"per_page": 50}))
    keep("what's happening", as_member.get("/khub/whats-happening/", {"per_page": 50}))
    keep("community home page", as_member.get(community.url))
    keep("moderation log", as_facilitator.get(community.url + "manage/moderation/", {"per_page": 50}))
    pages["latest discussions block"] = _render_block(world["member"], community)
    pages["my communities block"] = _render_block(world["facilitator"], None)
    search = _search_url()
    if search is not None:
        keep("site search", as_member.get(search, {"q": "Hostile", "per_page": 50}))
    for kind in ("rss", "atom"):
        keep(f"forum feed ({kind})", as_member.get(f"{forum}feed/{kind}/"))
    return pages


# Pages that may rightly not show the payload's topic: a filter or a search that finds nothing.
MAY_NOT_SHOW_THE_TOPIC = {
    "topic list: search and tag filter",
    "site search for the payload",
    "hide reply: form with errors",
}


@pytest.fixture(scope="module")
def observed(django_db_setup, django_db_blocker):
    """``(baseline, {payload name: Collected})``: everything collected once, then rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        home = Site.objects.get(is_default_site=True).root_page
        directory = home.add_child(
            instance=CommunityIndexPage(title="All communities", slug="communities", intro="<p>x</p>")
        )
        community = factories.community(directory, "Hostile ground", "open", slug="hostile-ground")
        member, facilitator = factories.user("mallory"), factories.user("fiona")
        factories.membership(community, member, "active")
        factories.membership(community, facilitator, "active", "facilitator")
        as_member, as_facilitator = Client(), Client()
        as_member.force_login(member)
        as_facilitator.force_login(facilitator)
        world = {
            "community": community,
            "member": member,
            "facilitator": facilitator,
            "as_member": as_member,
            "as_facilitator": as_facilitator,
        }
        baseline = write_and_fetch(world, 0, "Plain words, nothing hostile.")
        baseline.shared = fetch_shared(world)
        collected = {}
        numbered = list(enumerate(PAYLOADS, start=1))
        for start in range(0, len(numbered), BATCH):
            with transaction.atomic():
                batch = []
                for index, (name, payload) in numbered[start : start + BATCH]:
                    try:
                        with transaction.atomic():
                            collected[name] = write_and_fetch(world, index, payload)
                    except Exception as error:  # noqa: BLE001 - reported by the payload's own tests
                        collected[name] = Collected(f"zq{index}x", error=error)
                    batch.append(collected[name])
                try:
                    shared = fetch_shared(world)
                except Exception as error:  # noqa: BLE001
                    for found in batch:
                        found.error = found.error or error
                for found in batch:
                    found.shared = shared
                transaction.set_rollback(True)
        yield baseline, collected
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def known_scripts(observed):
    """The scripts of the pages with harmless text: the only ones a hostile page may carry."""
    baseline, _ = observed
    scripts = set()
    for kind, _, content in [*baseline.pages.values(), *baseline.shared.values()]:
        if kind == "html":
            scripts.update(script for _, script in Document(content.decode()).scripts)
    return frozenset(scripts)


def _collected(observed, name):
    found = observed[1][name]
    if found.error is not None:
        raise found.error
    return found


def _all_pages(found):
    """``[(surface, kind, status, content, shared)]`` of a payload's own pages, then its batch's."""
    own = [(surface, *page, False) for surface, page in found.pages.items()]
    return own + [(surface, *page, True) for surface, page in found.shared.items()]


# -- the checks ----------------------------------------------------------------------------------------------

NAMES = [name for name, _ in PAYLOADS]


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 40


def test_the_baseline_pages_are_clean_and_complete(observed, known_scripts):
    baseline, _ = observed
    assert baseline.error is None and not baseline.notes
    for surface, kind, status, content, _ in _all_pages(baseline):
        assert status == 200, surface
        problems = page_problems(kind, content, known_scripts)
        assert not problems, (surface, problems)
        assert surface in MAY_NOT_SHOW_THE_TOPIC or shows(kind, content, baseline.marker), surface
    # khub's pages carry only external scripts from the site's static files (the editor's), no inline code.
    editor = (("defer", ""), ("src", "/static/khub_plugin/js/editor.js"))
    assert (editor, "") in known_scripts
    assert all(
        dict(attrs).get("src", "").startswith("/static/") and not code for attrs, code in known_scripts
    )


@pytest.mark.parametrize("name", NAMES)
def test_no_executable_markup_survives(observed, known_scripts, name):
    found = _collected(observed, name)
    problems = {}
    for surface, kind, status, content, shared in _all_pages(found):
        assert status == 200, (surface, status)
        found_here = page_problems(kind, content, known_scripts)
        # A page listing the whole batch: only what came with this payload (or with nothing in particular).
        mine = [finding for marker, finding in found_here if (not shared or marker in (None, found.marker))]
        if mine:
            problems[surface] = mine
    assert not problems


@pytest.mark.parametrize("name", NAMES)
def test_the_hostile_content_reached_every_page(observed, name):
    """The checks above mean something only if the pages really showed the hostile topic."""
    baseline, found = observed[0], _collected(observed, name)
    assert set(found.pages) >= set(baseline.pages)
    for surface, kind, _, content, _ in _all_pages(found):
        if surface not in MAY_NOT_SHOW_THE_TOPIC:
            assert shows(kind, content, found.marker), surface


@pytest.mark.parametrize("name", ["template-variable", "template-tag", "template-others"])
def test_template_syntax_is_shown_literally(observed, name):
    found = _collected(observed, name)
    payload = PAYLOAD_BY_NAME[name]
    for surface, kind, _, content, _ in _all_pages(found):
        text = page_text(kind, content)
        assert f"{found.marker} 49" not in text, surface
        assert "'True': True" not in text, surface  # how {% debug %} output starts
        if surface in (
            "topic page",
            "topic list",
            "what's happening",
            "community home page",
            "topic feed (atom)",
        ):
            assert f"Hostile {found.marker} edited {payload}" in text, surface


# -- the checks themselves catch what they should ------------------------------------------------------------

CAUGHT = [
    "<script>alert(1)</script>",
    '<script src="/static/other.js"></script>',
    "<img src=x onerror=alert(1)>",
    '<p onclick="x">',
    '<a href="  JAVA\tSCRIPT:alert(1)">',
    '<a href="&#106;avascript:alert(1)">',
    '<a href="data:text/html,x">',
    '<form action="https://evil.test/">',
    '<button formaction="/x">',
    '<iframe srcdoc="x"></iframe>',
    '<object data="x"></object>',
    '<embed src="/x">',
    '<base href="/">',
    '<meta http-equiv="refresh" content="0">',
    "<style>p{}</style>",
    '<p style="color:red">',
    '<svg><a xlink:href="javascript:alert(1)"></a></svg>',
    "<math></math>",
    '<img src="https://evil.test/x.png">',
    '<input value=""><img src=x onerror=alert(1)>">',
]
PASSED = [
    "<p>Hello <strong>there</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>",
    '<a href="https://ok.test/" rel="nofollow noopener noreferrer">ok</a>',
    '<input type="text" name="title" value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">',
    '<textarea name="body">&lt;script&gt;alert(1)&lt;/script&gt;</textarea>',
    '<form method="post" action="/communities/x/forum/new/"></form>',
    '<img src="/media/images/a.png" alt="">',
    "<p>javascript:alert(1) as words</p>",
]


@pytest.mark.parametrize("html", CAUGHT)
def test_the_checks_catch_executable_markup(html):
    editor = (("defer", ""), ("src", "/static/khub_plugin/js/editor.js"))
    assert html_problems(html, frozenset({(editor, "")}))


@pytest.mark.parametrize("html", PASSED)
def test_the_checks_let_inert_markup_through(html):
    assert not html_problems(html)


@pytest.mark.parametrize(
    "feed",
    [
        b"<rss><channel><title>t</title><script>x</script></channel></rss>",
        b"<rss><channel><description>&lt;img src=x onerror=alert(1)&gt;</description></channel></rss>",
        b"<rss><channel><item><title>&lt;svg onload=x&gt;</title></item></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><summary type="html">'
        b"&lt;a href=&quot;javascript:x&quot;&gt;&lt;/a&gt;</summary></entry></feed>",
        b"<rss><channel><title>\xef\xbf\xbe</title></channel></rss>",
    ],
)
def test_the_feed_checks_catch_executable_or_broken_feeds(feed):
    assert feed_problems(feed)


def test_the_feed_checks_let_a_plain_atom_title_be_text():
    feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lt;b&gt;bold?&lt;/b&gt;</title></feed>'
    assert not feed_problems(feed)


# -- bugs this file found, now fixed: kept as regressions ---------------------------------------------


@pytest.mark.parametrize("name", ["marquee-onstart", "custom-element-onclick", "markup-typed-in-the-editor"])
def test_the_topic_feed_description_is_text_for_rss_readers(observed, name):
    found = _collected(observed, name)
    _, _, content = found.pages["topic feed (rss)"]
    assert not [finding for marker, finding in feed_problems(content) if marker is None]


def test_feeds_stay_well_formed_whatever_characters_members_type(observed):
    found = _collected(observed, "xml-invalid-characters")
    for _, kind, _, content, _ in _all_pages(found):
        if kind == "feed":
            _parse_feed(content)
