"""Feed parsing from bytes: formats, broken input, hostile input (XML bombs, external entities), discovery."""

import contextlib
import io
import re
import socket
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from khub_plugin.news import parsing
from khub_plugin.news.parsing import FeedParseError, discover_feed_url, looks_like_html, parse_feed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FEED_URL = "https://feeds.example.gov.uk/path/feed.xml"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def fixture(name):
    return (FEEDS / name).read_bytes()


def parse(name, **kwargs):
    kwargs.setdefault("base_url", FEED_URL)
    kwargs.setdefault("now", NOW)
    return parse_feed(fixture(name), **kwargs)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Parsing must never touch the network: any attempt fails the test (and is recorded, in case the
    exception is swallowed somewhere on the way)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    yield attempts
    assert attempts == []


@pytest.fixture
def handed(monkeypatch):
    """What parse_feed hands to feedparser, recorded (and still parsed): the work feedparser is given."""
    seen = []
    original = feedparser.parse

    def recording(stream, *args, **kwargs):
        data = stream.getvalue()
        seen.append(data)
        return original(io.BytesIO(data), *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", recording)
    return seen


_TAG = re.compile(rb"<[A-Za-z_][^<>]*")
_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s/>]")


def work(data):
    """A count of what costs feedparser time (see parsing._bounded): items, elements plus attributes, the
    most attributes on one element, and bytes. Deterministic, unlike a stopwatch on a busy machine."""
    attributes = [max(tag.count(b"="), len(tag.split()) - 1) for tag in _TAG.findall(data)]
    return {
        "items": len(_ITEM.findall(data)),
        "elements": len(attributes) + sum(attributes),
        "most_attributes": max(attributes, default=0),
        "bytes": len(data),
    }


def assert_bounded(handed, *, well_formed):
    for data in handed:
        counted = work(data)
        assert counted["items"] <= parsing.MAX_PARSED_ITEMS, counted
        assert counted["elements"] <= parsing.MAX_ELEMENTS, counted
        assert counted["most_attributes"] <= parsing.MAX_ATTRIBUTES, counted
        if not well_formed:
            assert counted["bytes"] <= parsing.MAX_LENIENT_BYTES + 100, counted  # + the XML declaration


def assert_absolute_http(url):
    assert url.startswith(("https://", "http://")), url


class TestFormats:
    def test_rss091(self):
        feed = parse("rss091.xml")
        assert feed.version == "rss091n"
        assert feed.title == "Borough Planning Bulletin"
        assert feed.link == "https://planning.example.gov.uk/"
        assert [item.title for item in feed.items] == [
            "Local Plan consultation opens",
            "Conservation area review",
        ]
        first, second = feed.items
        assert first.link == "https://planning.example.gov.uk/news/local-plan"
        assert first.guid == first.link
        assert first.summary_html == "Have your say on the <b>draft Local Plan</b>."
        assert first.published is None
        # Declared ISO-8859-1 and really is: read as such.
        assert "Café Quarter" in second.summary_html
        assert not feed.bozo
        assert feed.warnings == []

    def test_rss092(self):
        feed = parse("rss092.xml")
        assert feed.version == "rss092"
        assert feed.title == "Waste & Recycling Updates"
        first, second = feed.items
        assert first.title == "Bank holiday collections"
        assert first.summary_html == "Collections move by <em>one day</em> this week."
        # No title, no link, no guid: still an item, with a stable made-up guid.
        assert second.title == ""
        assert second.link == ""
        assert second.guid.startswith("sha256:")
        assert second.guid == parse("rss092.xml").items[1].guid
        assert "only a description" in second.summary_html

    def test_rss10_rdf(self):
        feed = parse("rss10.rdf")
        assert feed.version == "rss10"
        assert feed.title == "Open Data Releases"
        first, second = feed.items
        assert first.title == "Spend over £500, 2024"
        assert first.link == "https://data.example.gov.uk/datasets/spend-2024"
        assert first.published == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
        assert first.author == "Finance Team"
        # +01:00 normalised to UTC.
        assert second.published == datetime(2024, 3, 4, 11, 0, tzinfo=UTC)

    def test_rss20(self):
        feed = parse("rss20.xml")
        assert feed.version == "rss20"
        assert feed.title == "Council Digital Team"
        assert feed.link == "https://digital.example.gov.uk/blog"
        bin_day, accessibility, future, dangerous = feed.items
        # guid isPermaLink="false" is an id, not a link: the link comes from <link>.
        assert bin_day.guid == "tag:digital.example.gov.uk,2024:post-101"
        assert bin_day.link == "https://digital.example.gov.uk/blog/bin-day"
        # HTML in a title becomes plain text.
        assert bin_day.title == "Why we rebuilt the bin day finder"
        assert bin_day.published == datetime(2024, 3, 5, 10, 15, tzinfo=UTC)
        assert bin_day.author == "Priya Shah"
        assert accessibility.guid == "https://digital.example.gov.uk/blog/accessibility"
        assert accessibility.summary_html == "We now meet WCAG 2.2 AA &amp; publish our audit."
        assert accessibility.author == "team@digital.example.gov.uk (Digital Team)"
        # A date in the future is brought back to now.
        assert future.published == NOW
        # A javascript: link is dropped, not kept.
        assert dangerous.link == ""
        assert dangerous.guid.startswith("sha256:")
        for item in feed.items:
            assert item.published is None or item.published.tzinfo is not None

    def test_rss20_item_html_is_sanitised(self):
        summary = parse("rss20.xml").items[0].summary_html
        assert "<strong>in a week</strong>" in summary
        assert '<a href="https://example.org/ok" rel="nofollow noopener noreferrer">that</a>' in summary
        lowered = summary.lower()
        for forbidden in (
            "<script",
            "alert",
            "onclick",
            "onerror",
            "javascript:",
            "<iframe",
            "<img",
            "tracker",
        ):
            assert forbidden not in lowered, summary

    def test_atom10_relative_links_and_xml_base(self):
        feed = parse("atom10.xml")
        assert feed.version == "atom10"
        assert feed.title == "Housing Services News"
        assert feed.link == "https://housing.example.gov.uk/news/"
        repairs, damp = feed.items
        # Relative to the feed's xml:base, not to the feed URL.
        assert repairs.link == "https://housing.example.gov.uk/news/2024/repairs-backlog"
        assert repairs.title == "Repairs backlog cleared"
        assert repairs.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
        assert repairs.published == datetime(2024, 3, 6, 9, 0, tzinfo=UTC)  # published wins over updated
        assert repairs.author == "Housing Comms"
        assert repairs.summary_html == (
            '<p>Read the <a href="https://housing.example.gov.uk/news/reports/backlog.pdf" '
            'rel="nofollow noopener noreferrer">report</a>.</p>'
        )
        # The entry's own xml:base ("/archive/") applies to its link.
        assert damp.link == "https://housing.example.gov.uk/archive/damp-mould"
        assert damp.published == datetime(2024, 2, 20, 20, 30, tzinfo=UTC)
        # type="text": angle brackets are text, shown as such, never markup.
        assert damp.summary_html == (
            "<p>Plain text with &lt;b&gt;angle brackets&lt;/b&gt; that are text, not markup.</p>"
        )

    def test_relative_links_resolve_against_the_feed_url(self):
        content = (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>/</link>'
            b"<item><title>A</title><link>items/a</link>"
            b'<description>&lt;a href="../b"&gt;b&lt;/a&gt;</description></item></channel></rss>'
        )
        feed = parse_feed(content, base_url=FEED_URL, content_type="application/rss+xml")
        assert feed.link == "https://feeds.example.gov.uk/"
        assert feed.items[0].link == "https://feeds.example.gov.uk/path/items/a"
        assert 'href="https://feeds.example.gov.uk/b"' in feed.items[0].summary_html

    def test_all_links_are_absolute_http(self):
        for name in ("rss091.xml", "rss092.xml", "rss10.rdf", "rss20.xml", "atom10.xml", "malformed.xml"):
            feed = parse(name)
            if feed.link:
                assert_absolute_http(feed.link)
            for item in feed.items:
                if item.link:
                    assert_absolute_http(item.link)


class TestBrokenInput:
    def test_malformed_still_yields_items(self):
        feed = parse("malformed.xml")
        assert feed.bozo
        assert feed.warnings
        assert feed.title == "Broken Feed & Co"
        titles = [item.title for item in feed.items]
        assert titles[:2] == ["First item", "Second item"]
        assert feed.items[0].link == "https://broken.example.gov.uk/one"
        assert feed.items[1].published == datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
        # The unclosed <b> is closed by the sanitiser.
        assert feed.items[0].summary_html.count("<b>") == feed.items[0].summary_html.count("</b>")

    def test_latin1_declared_utf8(self):
        feed = parse("latin1.xml")
        assert feed.title == "Café Culture"
        assert feed.items[0].title == "Menú del día: crème brûlée"
        assert feed.items[0].summary_html == "Naïve £50 offer"
        assert any("encoded" in warning for warning in feed.warnings)

    def test_charset_from_content_type(self):
        content = '<rss version="2.0"><channel><title>Ærø</title></channel></rss>'.encode("iso-8859-1")
        feed = parse_feed(content, base_url=FEED_URL, content_type='text/xml; charset="ISO-8859-1"')
        assert feed.title == "Ærø"

    def test_utf16_with_bom(self):
        content = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Ŵales</title>'
        content += "<item><title>Ŷ</title><link>https://x.example/1</link></item></channel></rss>"
        feed = parse_feed(content.encode("utf-16"), base_url=FEED_URL)
        assert feed.title == "Ŵales"
        assert feed.items[0].title == "Ŷ"

    def test_empty(self):
        with pytest.raises(FeedParseError) as error:
            parse("empty.xml")
        assert "empty" in error.value.public_message

    def test_whitespace_only(self):
        with pytest.raises(FeedParseError):
            parse_feed(b"  \n\t ", base_url=FEED_URL)

    def test_empty_channel(self):
        feed = parse("empty_channel.xml")
        assert feed.title == "Quiet Feed"
        assert feed.items == []
        assert not feed.bozo

    def test_html_page_is_not_a_feed(self):
        with pytest.raises(FeedParseError) as error:
            parse("not_a_feed.html", content_type="text/html; charset=utf-8")
        assert "feed" in error.value.public_message

    @pytest.mark.parametrize(
        "content",
        [
            b"just some text",
            b'{"json": true}',
            b"<?xml version='1.0'?><note><to>x</to></note>",
            b"\x00\x01\x02",
        ],
    )
    def test_not_a_feed(self, content):
        with pytest.raises(FeedParseError):
            parse_feed(content, base_url=FEED_URL)

    def test_too_large(self):
        content = b"<rss>" + b" " * parsing.MAX_BYTES + b"</rss>"
        with pytest.raises(FeedParseError) as error:
            parse_feed(content, base_url=FEED_URL)
        assert "too large" in error.value.public_message

    def test_public_message_is_the_message(self):
        error = FeedParseError("Plain words.")
        assert error.public_message == "Plain words."
        assert str(error) == "Plain words."


class TestHostileInput:
    @pytest.mark.parametrize("name", ["billion_laughs.xml", "quadratic_blowup.xml", "external_entity.xml"])
    def test_entity_declarations_are_refused_fast(self, name, monkeypatch):
        def fail(*args, **kwargs):
            raise AssertionError("an XML parser was given the document")

        # Refused from the text alone: neither expat (parsing._bounded) nor feedparser ever sees it, so
        # nothing is expanded, whatever the machine's speed.
        monkeypatch.setattr(parsing, "_bounded", fail)
        monkeypatch.setattr(feedparser, "parse", fail)
        with pytest.raises(FeedParseError) as error:
            parse(name)
        assert "entities" in error.value.public_message
        assert "lol" not in error.value.public_message

    def test_bombs_never_reach_feedparser(self, monkeypatch):
        def fail(*args, **kwargs):
            raise AssertionError("feedparser was called")

        monkeypatch.setattr(feedparser, "parse", fail)
        for name in ("billion_laughs.xml", "quadratic_blowup.xml", "external_entity.xml"):
            with pytest.raises(FeedParseError):
                parse(name)

    @pytest.mark.parametrize(
        "doctype",
        [
            b'<!DOCTYPE rss [<!ATTLIST rss version CDATA "2.0">]>',  # internal subset without any ENTITY
            b'<!doctype rss [<!entity x "y">]>',
            b'<!DOCTYPE rss SYSTEM "http://x.example/a>b" [ <!ELEMENT rss ANY> ]>',  # ">" inside a quoted id
            b"<!DOCTYPE rss [\n<!ENTITY % p SYSTEM 'http://evil.example/p.dtd'> %p; ]>",
        ],
    )
    def test_internal_subsets_are_refused(self, doctype):
        content = (
            b'<?xml version="1.0"?>'
            + doctype
            + b'<rss version="2.0"><channel><title>x</title></channel></rss>'
        )
        with pytest.raises(FeedParseError):
            parse_feed(content, base_url=FEED_URL)

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
    def test_entities_cannot_hide_in_another_encoding(self, encoding):
        content = (
            f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>'
            '<rss version="2.0"><channel><title>&a;&a;</title></channel></rss>'
        ).encode(encoding)
        with pytest.raises(FeedParseError):
            parse_feed(content, base_url=FEED_URL)

    def test_external_entity_content_never_appears(self):
        with pytest.raises(FeedParseError) as error:
            parse("external_entity.xml")
        assert "root:" not in str(error.value)

    def test_external_dtd_is_not_fetched(self, no_network):
        feed = parse("external_dtd.xml")
        assert no_network == []
        assert feed.title == "Feed with an external DTD"
        assert feed.items[0].title == "Still readable"
        assert feed.items[0].link == "https://dtd.example.gov.uk/one"

    def test_bytes_that_look_like_a_path_are_not_opened(self, monkeypatch):
        # feedparser.parse(b"/etc/passwd") would read that file: parse_feed must hand it a stream.
        seen = []
        real_parse = feedparser.parse

        def spy(source, *args, **kwargs):
            seen.append(source)
            return real_parse(source, *args, **kwargs)

        monkeypatch.setattr(feedparser, "parse", spy)
        with pytest.raises(FeedParseError):
            parse_feed(b"/etc/passwd", base_url=FEED_URL)
        assert seen and all(isinstance(source, io.BytesIO) for source in seen)

    def test_url_is_never_fetched(self):
        with pytest.raises(FeedParseError):
            parse_feed(b"https://evil.example/feed.xml", base_url=FEED_URL)

    @pytest.mark.parametrize(
        "link",
        [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "ftp://x.example/a",
            "https://council.example@evil.example/",
            "http://[::1",
        ],
    )
    def test_unsafe_item_links_are_dropped(self, link):
        content = (
            '<rss version="2.0"><channel><title>T</title><item><title>A</title>'
            f"<link>{link}</link></item></channel></rss>"
        ).encode()
        assert parse_feed(content, base_url=FEED_URL).items[0].link == ""

    def test_feed_html_loses_dangerous_markup(self):
        content = (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>A</title>'
            b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            b'<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:alert(1)">j</a>'
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/></div></content></entry></feed>'
        )
        summary = parse_feed(content, base_url=FEED_URL).items[0].summary_html.lower()
        for forbidden in ("onclick", "<script", "alert", "javascript:", "<svg", "onload"):
            assert forbidden not in summary, summary
        assert "<p>hi</p>" in summary

    def test_many_items_are_capped_to_the_newest(self):
        # 300 items, dated one hour apart but listed in a shuffled order (7 and 300 are coprime).
        base = datetime(2020, 1, 1, tzinfo=UTC)
        hours = [(i * 7) % 300 for i in range(300)]
        items = "".join(
            f"<item><title>Item {h}</title><link>https://x.example/{h}</link>"
            f"<pubDate>{base + timedelta(hours=h):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
            for h in hours
        )
        content = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
        feed = parse_feed(content, base_url=FEED_URL)
        assert len(feed.items) == parsing.MAX_ITEMS
        assert {item.published for item in feed.items} == {base + timedelta(hours=h) for h in range(100, 300)}
        assert any("newest" in warning for warning in feed.warnings)

    def test_huge_feeds_are_cut_and_bounded_in_work(self, handed):
        item = (
            "<item><title>Item {i} &amp; more</title><link>https://x.example/{i}</link><guid>g{i}</guid>"
            "<pubDate>Tue, 05 Mar 2024 10:15:00 GMT</pubDate>"
            "<description>&lt;p&gt;Hello {i}&lt;/p&gt;</description></item>"
        )
        body = "".join(item.format(i=i) for i in range(20_000))
        content = f'<rss version="2.0"><channel><title>Big</title>{body}</channel></rss>'.encode()
        assert len(content) < parsing.MAX_BYTES
        feed = parse_feed(content, base_url=FEED_URL)
        assert len(handed) == 1
        assert work(handed[0])["items"] == parsing.MAX_PARSED_ITEMS  # 500 of the 20,000 reach feedparser
        assert_bounded(handed, well_formed=True)
        assert len(feed.items) == parsing.MAX_ITEMS
        assert feed.items[0].title == "Item 0 & more"
        assert not feed.bozo  # the cut document was closed properly

    @pytest.mark.parametrize(
        "content",
        [
            pytest.param((b"<a" * 3_000_000)[: parsing.MAX_BYTES], id="unclosed-tags"),
            pytest.param(
                b"<rss><channel><item "
                + b" ".join(b'a%d="x"' % i for i in range(200_000))
                + b"><title>x</title>",
                id="many-attributes",
            ),
            pytest.param(
                b"<rss><channel><item><title>a & b</title>" + b"<x>" * 600_000, id="lenient-many-tags"
            ),
            pytest.param(b"<!DOCTYPE " * 500_000, id="many-doctypes"),
        ],
    )
    def test_pathological_documents_are_bounded_in_work(self, content, handed):
        with contextlib.suppress(FeedParseError):
            parse_feed(content, base_url=FEED_URL)
        assert_bounded(handed, well_formed=False)
        assert all(len(data) < len(content) for data in handed)  # each was cut before feedparser saw it

    def test_long_item_html_is_truncated_but_well_formed(self):
        description = "&lt;p&gt;&lt;a href='https://x.example/' title='t'&gt;word&lt;/a&gt; " * 2000
        content = (
            '<rss version="2.0"><channel><title>T</title><item><title>A</title>'
            f"<description>{description}</description></item></channel></rss>"
        ).encode()
        summary = parse_feed(content, base_url=FEED_URL).items[0].summary_html
        assert 0 < len(summary) <= parsing.MAX_SUMMARY_CHARS
        assert summary.count("<a ") == summary.count("</a>")
        assert summary.count("<p>") == summary.count("</p>")

    def test_long_title_is_cut(self):
        content = (
            '<rss version="2.0"><channel><title>T</title><item><title>' + "word " * 200 + "</title>"
            "<link>https://x.example/</link></item></channel></rss>"
        ).encode()
        title = parse_feed(content, base_url=FEED_URL).items[0].title
        assert len(title) <= 300
        assert title.endswith("…")


FEED_LINK = b'<link rel="alternate" type="application/rss+xml" href="/f.rss">'


class TestDiscovery:
    def test_finds_the_feed_link(self):
        url = discover_feed_url(fixture("not_a_feed.html"), "https://www.example.gov.uk/libraries/")
        # rel is case-insensitive, the type may carry parameters, the href is resolved against the page.
        assert url == "https://www.example.gov.uk/libraries/news/feed.xml"

    def test_rss_and_atom_preferred_over_plain_xml(self):
        page = (
            b'<html><head><link rel="alternate" type="application/xml" href="/data.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="/atom"></head></html>'
        )
        assert discover_feed_url(page, "https://x.example/") == "https://x.example/atom"

    def test_honours_base_href(self):
        page = (
            b'<html><head><base href="https://cdn.example.org/site/">'
            b'<link rel="alternate" type="application/rss+xml" href="feed.rss"></head></html>'
        )
        assert discover_feed_url(page, "https://x.example/") == "https://cdn.example.org/site/feed.rss"

    @pytest.mark.parametrize(
        "page",
        [
            b"<html><head><title>No feed</title></head><body></body></html>",
            b'<link rel="stylesheet" type="application/rss+xml" href="/x">',
            b'<link rel="alternate" type="text/html" href="/x">',
            b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">',
            b'<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">',
            b'<link rel="alternate" type="application/rss+xml">',
            # feedparser 6 cannot read JSON Feed
            b'<link rel="alternate" type="application/feed+json" href="/feed.json">',
            b"",
            b"\xff\xfe\x00garbage<<<",
        ],
    )
    def test_no_usable_feed_link(self, page):
        assert discover_feed_url(page, "https://x.example/") is None

    def test_page_url_must_be_http(self):
        page = b'<link rel="alternate" type="application/rss+xml" href="/feed">'
        assert discover_feed_url(page, "file:///tmp/") is None
        assert discover_feed_url(page, "https://x.example/a/") == "https://x.example/feed"

    def test_commented_out_links_are_ignored(self):
        page = (
            b'<head><!-- <link rel="alternate" type="application/rss+xml" href="/old.rss"> -->'
            b'<link rel="alternate" type="application/rss+xml" href="/new.rss"></head>'
        )
        assert discover_feed_url(page, "https://x.example/") == "https://x.example/new.rss"

    @pytest.mark.parametrize(
        "page",
        [
            pytest.param(
                b"<!--" * 250_000, id="unclosed-comments"
            ),  # quadratic in html.parser on a whole page
            pytest.param(b"<![" * 300_000, id="marked-sections"),  # AssertionError in html.parser on 3.11
            pytest.param(b"</" * 500_000, id="end-tags"),
            pytest.param(b'<link rel="alternate" ' + b'a="x" ' * 150_000 + b">", id="huge-tag"),
        ],
    )
    def test_hostile_pages_are_quick_and_harmless(self, page, monkeypatch):
        fed = []
        original = parsing._FeedLinkFinder.feed

        def counting(finder, data):
            fed.append(len(data))
            return original(finder, data)

        monkeypatch.setattr(parsing._FeedLinkFinder, "feed", counting)
        assert discover_feed_url(page + FEED_LINK, "https://x.example/") in (None, "https://x.example/f.rss")
        # html.parser (quadratic, or crashing, on whole hostile pages) only ever gets single short tags.
        assert len(fed) <= 1000
        assert max(fed, default=0) <= 4000 + len("<link>")

    def test_absolute_href(self):
        page = (
            b'<link rel="alternate feed" type="application/rss+xml" href="https://feeds.example.org/a.xml">'
        )
        assert discover_feed_url(page, "https://x.example/") == "https://feeds.example.org/a.xml"


class TestLooksLikeHtml:
    def test_html_page(self):
        assert looks_like_html(fixture("not_a_feed.html"), "text/html; charset=utf-8")
        assert looks_like_html(fixture("not_a_feed.html"), None)

    @pytest.mark.parametrize("name", ["rss091.xml", "rss092.xml", "rss10.rdf", "rss20.xml", "atom10.xml"])
    def test_feeds_are_not_html_even_when_served_as_html(self, name):
        assert not looks_like_html(fixture(name), "text/html")
        assert not looks_like_html(fixture(name), "application/rss+xml")

    def test_content_type_decides_when_content_is_unclear(self):
        assert looks_like_html(b"hello", "text/html")
        assert looks_like_html(b"hello", "application/xhtml+xml")
        assert not looks_like_html(b"hello", "application/xml")
        assert not looks_like_html(b"", None)

    def test_html_after_comment_and_bom(self):
        assert looks_like_html(b"\xef\xbb\xbf<!-- hi -->\n<!doctype HTML><html>", None)
