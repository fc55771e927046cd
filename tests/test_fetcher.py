"""The safe fetcher (khub_plugin/common/fetch.py): what it refuses, and that refused fetches reach nothing.

Every test runs on a fake network (tests/fetcher_support.py): the resolver is a stub, every socket urllib3
opens is recorded by the address the fetcher chose, and only routed addresses connect, to a loopback
server. So an SSRF test can assert both the refusal and that no connection was even attempted.
"""

import socket
from urllib.parse import quote

import pytest
import urllib3.util.connection
from django.core.exceptions import ImproperlyConfigured

from khub_plugin.common import fetch
from khub_plugin.conf import khub_settings
from tests.fetcher_support import (
    DEAD_IP,
    ETAG,
    FEED,
    LAST_MODIFIED,
    PUBLIC_IP,
    PUBLIC_IP6,
    FakeNetwork,
    Proxy,
    Server,
    SlowAnswer,
    StubResolver,
    answers,
    make_certificates,
)

RESOLVER_TABLE = {
    "feeds.example": [PUBLIC_IP],
    "feeds6.example": [PUBLIC_IP6],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.example": ["169.254.169.254"],
    "internal.example": ["10.1.2.3"],
    "corp.example": ["172.16.5.4"],
    "home.example": ["192.168.0.10"],
    "cgnat.example": ["100.64.1.1"],
    "zero.example": ["0.0.0.0"],  # noqa: S104
    "multicast.example": ["224.0.0.251"],
    "reserved.example": ["240.0.0.1"],
    "broadcast.example": ["255.255.255.255"],
    "v6-loopback.example": ["::1"],
    "v6-mapped.example": ["::ffff:127.0.0.1"],
    "v6-nat64.example": ["64:ff9b::a9fe:a9fe"],
    "v6-6to4.example": ["2002:a00:1::1"],
    "v6-ula.example": ["fd00:ec2::254"],
    "v6-linklocal.example": ["fe80::1%eth0"],
    "mixed.example": [PUBLIC_IP, "10.0.0.1"],
    "mixed6.example": [PUBLIC_IP, "::1"],
    "garbage.example": ["not-an-address"],
    "intranet.council.local": ["127.0.0.1"],
}


@pytest.fixture(scope="module")
def running_server():
    server = Server()
    yield server
    server.close()


@pytest.fixture
def server(running_server):
    running_server.reset()
    return running_server


@pytest.fixture
def net(monkeypatch, server):
    network = FakeNetwork()
    network.route(PUBLIC_IP, 80, server)
    network.route(PUBLIC_IP6, 80, server)
    network.route("127.0.0.1", server.port, server)  # the loopback server itself, at its real address
    monkeypatch.setattr(urllib3.util.connection, "create_connection", network.create_connection)
    return network


@pytest.fixture
def resolver():
    return StubResolver(RESOLVER_TABLE)


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def fetch_settings(settings, monkeypatch):
    for name in PROXY_VARIABLES:  # whatever the machine running the tests has
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    settings.KHUB_FETCH_PROXY = ""
    settings.KHUB_FETCH_ALLOWED_HOSTS = []
    settings.KHUB_FETCH_ALLOWED_PORTS = [80, 443]
    settings.KHUB_FETCH_MAX_BYTES = 5_000_000
    settings.KHUB_FETCH_TIMEOUT = 5
    return settings


@pytest.fixture
def open_port(settings, server):
    """Allow the loopback server's port, so that only the address check stands between a URL and it."""
    settings.KHUB_FETCH_ALLOWED_PORTS = [80, 443, server.port]
    return server.port


# --- SSRF: refused, and nothing reached ---------------------------------------------------------------------

B, S, C, P, I, N = (  # noqa: E741 - a table is easier to read with short names
    fetch.BlockedAddress,
    fetch.BlockedScheme,
    fetch.BlockedCredentials,
    fetch.BlockedPort,
    fetch.InvalidURL,
    fetch.HostNotFound,
)

SSRF_CASES = [
    # Schemes other than http and https.
    ("file:///etc/passwd", S),
    ("file://localhost/etc/passwd", S),
    ("ftp://feeds.example/feed.xml", S),
    ("gopher://feeds.example:70/_GET%20/", S),
    ("data:text/plain;base64,SGk=", S),
    ("javascript:alert(1)", S),
    ("dict://127.0.0.1:{port}/info", S),
    ("feeds.example/feed", S),
    ("//feeds.example/feed", S),
    # User names and passwords.
    ("http://user:pass@feeds.example/feed", C),
    ("http://user@feeds.example/feed", C),
    ("http://feeds.example@127.0.0.1:{port}/feed", C),
    ("http://127.0.0.1:{port}\\@feeds.example/feed", C),
    # Ports.
    ("http://feeds.example:22/", P),
    ("http://feeds.example:6379/", P),
    ("https://feeds.example:8443/", P),
    ("http://feeds.example:0/", P),
    # Loopback in every spelling (at the live server's port: only the address check stops these).
    ("http://127.0.0.1:{port}/feed", B),
    ("http://127.0.0.1.:{port}/feed", B),
    ("http://127.1:{port}/feed", B),
    ("http://127.0.1:{port}/feed", B),
    ("http://2130706433:{port}/feed", B),
    ("http://0x7f000001:{port}/feed", B),
    ("http://0x7f.1:{port}/feed", B),
    ("http://0177.0.0.1:{port}/feed", B),
    ("http://0177.1:{port}/feed", B),
    ("http://017700000001:{port}/feed", B),
    ("http://127.000.000.001:{port}/feed", B),
    ("http://127.255.255.254:{port}/feed", B),
    ("http://[::1]:{port}/feed", B),
    ("http://[0:0:0:0:0:0:0:1]:{port}/feed", B),
    ("http://[::ffff:127.0.0.1]:{port}/feed", B),
    ("http://[::ffff:7f00:1]:{port}/feed", B),
    ("http://[::127.0.0.1]:{port}/feed", B),
    ("http://[64:ff9b::7f00:1]:{port}/feed", B),
    ("http://[2002:7f00:1::]:{port}/feed", B),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{port}/feed", B),  # Teredo, client 127.0.0.1
    ("http://[::ffff:0:7f00:1]:{port}/feed", B),  # IPv4-translated
    ("http://localhost:{port}/feed", B),
    ("http://LOCALHOST.:{port}/feed", B),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:{port}/feed", B),  # full-width letters
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/feed", B),  # full-width digits
    ("http://127\u30020\u30020\u30021:{port}/feed", B),  # ideographic full stops
    # Unspecified ("this host"), which connects to the server itself.
    ("http://0.0.0.0:{port}/feed", B),
    ("http://0:{port}/feed", B),
    ("http://[::]:{port}/feed", B),
    ("http://zero.example:{port}/feed", B),
    # Cloud metadata (link-local) in several spellings.
    ("http://169.254.169.254/latest/meta-data/", B),
    ("http://2852039166/latest/meta-data/", B),
    ("http://0xa9fea9fe/latest/meta-data/", B),
    ("http://[::ffff:169.254.169.254]/latest/meta-data/", B),
    ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", B),
    ("http://[2002:a9fe:a9fe::]/latest/meta-data/", B),
    ("http://[fd00:ec2::254]/latest/meta-data/", B),  # AWS's IPv6 metadata address (unique local)
    ("http://metadata.example/latest/meta-data/", B),
    ("http://[fe80::1]/", B),
    ("http://[fe80::1%25eth0]/", B),
    # Private, CGNAT, multicast, broadcast, reserved, documentation and benchmarking ranges.
    ("http://10.0.0.1/", B),
    ("http://172.16.0.1/", B),
    ("http://192.168.1.1/", B),
    ("http://100.64.0.1/", B),
    ("http://100.127.255.254/", B),
    ("http://224.0.0.1/", B),
    ("http://239.255.255.250/", B),
    ("http://255.255.255.255/", B),
    ("http://240.0.0.1/", B),
    ("http://192.0.2.1/", B),
    ("http://198.18.0.1/", B),
    ("http://[64:ff9b:1::a00:1]/", B),
    ("http://[fc00::1]/", B),
    ("http://[fec0::1]/", B),
    ("http://[ff02::1]/", B),
    ("http://[2001:db8::1]/", B),
    # Names that resolve to forbidden addresses.
    ("http://internal.example/feed", B),
    ("http://corp.example/feed", B),
    ("http://home.example/feed", B),
    ("http://cgnat.example/feed", B),
    ("http://multicast.example/feed", B),
    ("http://reserved.example/feed", B),
    ("http://broadcast.example/feed", B),
    ("http://v6-loopback.example:{port}/feed", B),
    ("http://v6-mapped.example:{port}/feed", B),
    ("http://v6-nat64.example/feed", B),
    ("http://v6-6to4.example/feed", B),
    ("http://v6-ula.example/feed", B),
    ("http://v6-linklocal.example/feed", B),
    ("http://garbage.example/feed", B),
    # One bad address among good ones is enough to refuse.
    ("http://mixed.example/feed", B),
    ("http://mixed6.example/feed", B),
    # Addresses that are not addresses.
    ("http://", I),
    ("http:///feed", I),
    ("http://exa mple.com/", I),
    ("http://[::1/", I),
    ("http://256.0.0.1/", I),
    ("http://1.2.3.4.5/", I),
    ("http://-feeds.example/", I),
    ("http://feeds.example:99999/", I),
    ("", I),
    ("http://no-such-host.example/feed", N),
]


@pytest.mark.parametrize(("url", "error"), SSRF_CASES, ids=[case[0] or "empty" for case in SSRF_CASES])
def test_refused_and_nothing_reached(url, error, server, net, resolver, open_port):
    url = url.format(port=open_port)
    with pytest.raises(error) as refusal:
        fetch.fetch(url, resolver=resolver)
    assert net.attempts == []  # no connection was even tried
    assert server.requests == []
    message = refusal.value.public_message
    assert message and "127.0.0.1" not in message and "169.254" not in message
    # Forms show the same message before a source is saved, unless the refusal needed DNS (at fetch time).
    if not resolver.calls:
        assert fetch.url_problem(url) == message


REDIRECT_CASES = [
    (301, "http://127.0.0.1:{port}/feed", B),
    (302, "http://169.254.169.254/latest/meta-data/", B),
    (307, "http://internal.example:{port}/feed", B),
    (308, "http://[::1]:{port}/feed", B),
    (303, "http://2130706433:{port}/feed", B),
    (302, "http://0x7f.1:{port}/feed", B),
    (302, "http://[::ffff:127.0.0.1]:{port}/feed", B),
    (307, "http://localhost:{port}/feed", B),
    (308, "http://metadata.example/", B),
    (302, "//127.0.0.1:{port}/feed", B),  # scheme-relative
    (302, "file:///etc/passwd", S),
    (301, "gopher://feeds.example/", S),
    (302, "http://user:pw@feeds.example/feed", C),
    (302, "http://feeds.example:22/", P),
]


@pytest.mark.parametrize(("status", "location", "error"), REDIRECT_CASES)
def test_redirects_are_checked_like_new_addresses(status, location, error, server, net, resolver, open_port):
    location = location.format(port=open_port)
    with pytest.raises(error):
        fetch.fetch(f"http://feeds.example/redirect?status={status}&to={quote(location)}", resolver=resolver)
    assert len(server.requests) == 1  # only the redirect itself
    assert net.attempts == [(PUBLIC_IP, 80)]


def test_at_most_three_redirects(server, net, resolver):
    result = fetch.fetch("http://feeds.example/chain/3", resolver=resolver)
    assert result.content == FEED
    assert result.redirects == [f"http://feeds.example/chain/{n}" for n in (3, 2, 1)]
    assert result.url == "http://feeds.example/chain/0"

    server.requests.clear()
    with pytest.raises(fetch.TooManyRedirects):
        fetch.fetch("http://feeds.example/chain/4", resolver=resolver)
    assert server.paths == ["/chain/4", "/chain/3", "/chain/2", "/chain/1"]  # the fourth is not followed


def test_a_redirect_loop_stops(server, net, resolver):
    with pytest.raises(fetch.TooManyRedirects):
        fetch.fetch("http://feeds.example/loop", resolver=resolver)
    assert server.paths == ["/loop"] * 4


def test_a_redirect_without_a_location_is_an_error(server, net, resolver):
    with pytest.raises(fetch.BadResponse):
        fetch.fetch("http://feeds.example/redirect?status=302", resolver=resolver)


# --- DNS rebinding ------------------------------------------------------------------------------------------


def test_the_connection_goes_to_the_address_that_was_checked(server, net, resolver):
    # A rebinding name: public when checked, loopback if anyone asks again.
    resolver.table["rebind.example"] = answers([PUBLIC_IP], ["127.0.0.1"])
    result = fetch.fetch("http://rebind.example/feed", resolver=resolver)
    assert result.content == FEED
    assert result.address == PUBLIC_IP
    assert resolver.calls_for("rebind.example") == [("rebind.example", 80)]  # resolved once
    assert net.attempts == [(PUBLIC_IP, 80)]  # connected by address, not by name
    assert server.requests[0]["headers"]["host"] == "rebind.example"


def test_rebinding_between_redirects_is_caught(server, net, resolver, open_port):
    resolver.table["rebind.example"] = answers([PUBLIC_IP], ["127.0.0.1"])
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://rebind.example/redirect?to=/feed", resolver=resolver)
    assert len(resolver.calls_for("rebind.example")) == 2  # every hop is resolved and checked afresh
    assert net.attempts == [(PUBLIC_IP, 80)]
    assert server.paths == ["/redirect?to=/feed"]


def test_the_next_checked_address_is_tried_when_one_does_not_answer(server, net, resolver):
    resolver.table["two.example"] = [DEAD_IP, PUBLIC_IP]
    result = fetch.fetch("http://two.example/feed", resolver=resolver)
    assert result.address == PUBLIC_IP
    assert net.attempts == [(DEAD_IP, 80), (PUBLIC_IP, 80)]


def test_an_address_that_does_not_answer(server, net, resolver):
    resolver.table["dead.example"] = [DEAD_IP]
    with pytest.raises(fetch.ConnectionFailed):
        fetch.fetch("http://dead.example/feed", resolver=resolver)


def test_ipv6_public_addresses_work(server, net, resolver):
    assert fetch.fetch("http://feeds6.example/feed", resolver=resolver).address == PUBLIC_IP6
    assert fetch.fetch(f"http://[{PUBLIC_IP6}]/feed", resolver=resolver).content == FEED
    assert server.requests[-1]["headers"]["host"] == f"[{PUBLIC_IP6}]"


def test_the_default_resolver_is_the_systems(server, net, open_port):
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(f"http://localhost:{open_port}/feed")
    assert net.attempts == []


# --- Address rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("8.8.8.8", False),
        (PUBLIC_IP, False),
        ("2606:4700:4700::1111", False),
        ("::ffff:8.8.8.8", False),  # the same as 8.8.8.8
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8, as on IPv6-only networks with DNS64
        ("2002:808:808::1", True),  # 6to4 is refused outright, even of 8.8.8.8
        ("127.0.0.1", True),
        ("10.255.255.255", True),
        ("100.64.0.0", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),  # noqa: S104
        ("224.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("::ffff:10.0.0.1", True),
        ("::10.0.0.1", True),
        ("64:ff9b::a00:1", True),
        ("2002:c0a8:101::1", True),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo (all of 2001::/32)
        ("fd12:3456::1", True),
        ("fec0::1", True),
        ("fe80::1%eth0", True),
        ("ff0e::1", True),
        ("not an address", True),
    ],
)
def test_is_forbidden_address(address, forbidden):
    assert fetch.is_forbidden_address(address) is forbidden


# --- The allow-list -----------------------------------------------------------------------------------------


def test_an_allow_listed_intranet_host_is_fetched(settings, server, net, resolver, open_port):
    url = f"http://intranet.council.local:{open_port}/feed"
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(url, resolver=resolver)

    settings.KHUB_FETCH_ALLOWED_HOSTS = ["Intranet.Council.Local"]
    result = fetch.fetch(url, resolver=resolver)
    assert result.content == FEED
    assert server.requests[0]["headers"]["host"] == f"intranet.council.local:{open_port}"
    assert fetch.url_problem(url) is None


def test_an_allow_listed_ip_is_fetched_in_any_spelling(settings, server, net, resolver, open_port):
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    assert fetch.fetch(f"http://127.0.0.1:{open_port}/feed", resolver=resolver).content == FEED
    assert fetch.fetch(f"http://2130706433:{open_port}/feed", resolver=resolver).content == FEED
    # An allow-listed address lets that address through, not every name that resolves to it.
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(f"http://localhost:{open_port}/feed", resolver=resolver)


def test_the_allow_list_is_exact(settings, server, net, resolver, open_port):
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["council.local", "10.0.0.5"]
    resolver.table["intranet.council.local"] = ["10.0.0.5"]
    with pytest.raises(fetch.BlockedAddress):  # not a subdomain match
        fetch.fetch("http://intranet.council.local/feed", resolver=resolver)
    with pytest.raises(fetch.BlockedAddress):  # not any other address
        fetch.fetch("http://10.0.0.6/feed", resolver=resolver)
    assert net.attempts == []


def test_allow_listed_names_still_never_reach_metadata_or_unspecified(settings, server, net, resolver):
    unspecified = "0.0.0.0"  # noqa: S104 - as an address to refuse, not to listen on
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["intranet.council.local", unspecified]
    for address in ("169.254.169.254", unspecified, "::", "224.0.0.1", "::ffff:169.254.169.254"):
        resolver.table["intranet.council.local"] = [address]
        with pytest.raises(fetch.BlockedAddress):
            fetch.fetch("http://intranet.council.local/feed", resolver=resolver)
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://0.0.0.0/feed", resolver=resolver)
    assert net.attempts == []


def test_the_allow_list_does_not_open_ports(settings, server, net, resolver):
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["intranet.council.local"]
    with pytest.raises(fetch.BlockedPort):
        fetch.fetch(f"http://intranet.council.local:{server.port}/feed", resolver=resolver)


@pytest.mark.parametrize(
    "entry",
    [
        "a b",
        "intranet.council.local:http",
        "intranet.council.local:0",
        "intranet.council.local:99999",
        "ftp://intranet.council.local/",
        "http://user@intranet.council.local/",
        "http://intranet.council.local/feeds/?x=1",
        "[intranet.council.local]:80",
        "intranet.council.local/feeds/",
    ],
)
def test_a_malformed_allow_list_entry_is_a_configuration_error(settings, entry):
    settings.KHUB_FETCH_ALLOWED_HOSTS = [entry]
    with pytest.raises(ImproperlyConfigured):
        fetch.fetch("http://feeds.example/feed", resolver=StubResolver(RESOLVER_TABLE))


def test_a_string_allow_list_is_a_configuration_error(settings):
    settings.KHUB_FETCH_ALLOWED_HOSTS = "intranet.council.local"
    with pytest.raises(ImproperlyConfigured):
        fetch.check_url("http://10.0.0.1/")


# --- Size ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["chunked", "close", "length"])
def test_a_body_over_the_cap_is_refused(mode, settings, server, net, resolver):
    settings.KHUB_FETCH_MAX_BYTES = 1000
    url = "http://feeds.example/bytes?mode=" + mode
    assert len(fetch.fetch(url + "&size=1000", resolver=resolver).content) == 1000
    with pytest.raises(fetch.TooLarge):
        fetch.fetch(url + "&size=20000", resolver=resolver)


def test_a_declared_length_over_the_cap_is_refused_before_reading(server, net, resolver):
    with pytest.raises(fetch.TooLarge) as refusal:
        fetch.fetch("http://feeds.example/declared", resolver=resolver)
    # Refused on the header (the server sends 100 of the 10**9 bytes it claims, then dawdles): not by
    # counting bytes as they come, nor by the deadline.
    assert "Content-Length 1000000000" in str(refusal.value)


def test_max_bytes_argument_overrides_the_setting(server, net, resolver):
    with pytest.raises(fetch.TooLarge):
        fetch.fetch("http://feeds.example/feed", resolver=resolver, max_bytes=10)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_are_decoded_and_capped_after_decoding(encoding, settings, server, net, resolver):
    url = f"http://feeds.example/compressed?encoding={encoding}&size="
    assert fetch.fetch(url + "5000", resolver=resolver).content == b"\0" * 5000
    settings.KHUB_FETCH_MAX_BYTES = 100_000
    with pytest.raises(fetch.TooLarge):  # a few kilobytes on the wire, 20 MB decoded
        fetch.fetch(url + "20000000&mode=chunked", resolver=resolver)
    assert server.requests[-1]["headers"]["accept-encoding"] == "gzip, deflate"


def test_an_unknown_encoding_is_refused(server, net, resolver):
    with pytest.raises(fetch.BadResponse):
        fetch.fetch("http://feeds.example/compressed?encoding=br&size=10", resolver=resolver)


# --- Time ---------------------------------------------------------------------------------------------------


# No wall-clock bounds here: the slow routes keep going until the fetcher hangs up (PATIENCE, 30 s, is only a
# safety net), so "the fetcher stopped on its own deadline" is "TooSlow, and no route outlasted it".


@pytest.mark.parametrize("path", ["drip", "drip-headers", "silent"])
def test_a_slow_server_cannot_hold_the_worker(path, settings, server, net, resolver):
    settings.KHUB_FETCH_TIMEOUT = 0.5
    with pytest.raises(fetch.TooSlow) as refusal:
        fetch.fetch(f"http://feeds.example/{path}", resolver=resolver)
    assert "too long" in refusal.value.public_message
    assert server.outlasted == []


def test_a_server_that_does_not_speak_http(server, net, resolver):
    with pytest.raises(fetch.BadResponse):
        fetch.fetch("http://feeds.example/garbage", resolver=resolver)


def test_timeout_argument_overrides_the_setting(settings, server, net, resolver):
    settings.KHUB_FETCH_TIMEOUT = 600  # were the argument ignored, the drip would outlast the server
    with pytest.raises(fetch.TooSlow):
        fetch.fetch("http://feeds.example/drip", resolver=resolver, timeout=0.3)
    assert server.outlasted == []


def test_slow_dns_counts_against_the_deadline(server, net, resolver):
    answer = SlowAnswer([PUBLIC_IP])
    resolver.table["slowdns.example"] = answer
    with pytest.raises(fetch.TooSlow):
        fetch.fetch("http://slowdns.example/feed", resolver=resolver, timeout=0.3)
    assert not answer.answered.is_set()  # the fetch gave up while the resolver was still thinking
    answer.release.set()
    assert net.attempts == []


# --- Successful fetches -------------------------------------------------------------------------------------


def test_a_successful_fetch(server, net, resolver):
    result = fetch.fetch("http://Feeds.Example/redirect?status=301&to=/feed#top", resolver=resolver)
    assert result.status == 200
    assert result.content == FEED
    assert result.url == "http://feeds.example/feed"
    assert result.redirects == ["http://feeds.example/redirect?status=301&to=/feed"]
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.headers["content-type"] == result.content_type  # lower-case names
    assert result.address == PUBLIC_IP
    assert server.requests[-1]["headers"]["host"] == "feeds.example"


def test_request_headers(server, net, resolver):
    result = fetch.fetch("http://feeds.example/echo", accept="application/rss+xml", resolver=resolver)
    sent = result.content.decode()
    assert '"user-agent": "khub-plugin/' in sent
    assert '"accept": "application/rss+xml"' in sent
    assert "if-none-match" not in sent


def test_conditional_get(server, net, resolver):
    first = fetch.fetch("http://feeds.example/cond", resolver=resolver)
    assert first.status == 200 and first.etag == ETAG

    again = fetch.fetch("http://feeds.example/cond", etag=first.etag, resolver=resolver)
    assert again.status == 304
    assert again.content == b""
    assert again.etag == ETAG
    assert server.requests[-1]["headers"]["if-none-match"] == ETAG

    by_date = fetch.fetch("http://feeds.example/cond", last_modified=first.last_modified, resolver=resolver)
    assert by_date.status == 304 and by_date.content == b""
    assert by_date.last_modified == LAST_MODIFIED  # the 304 did not repeat it: the one sent is kept
    assert server.requests[-1]["headers"]["if-modified-since"] == LAST_MODIFIED

    changed = fetch.fetch("http://feeds.example/cond", etag='"v0"', resolver=resolver)
    assert changed.status == 200 and changed.content == FEED


@pytest.mark.parametrize("status", [404, 410, 403, 500, 503, 300])
def test_error_statuses(status, server, net, resolver):
    with pytest.raises(fetch.HTTPError) as refusal:
        fetch.fetch(f"http://feeds.example/status/{status}", resolver=resolver)
    assert refusal.value.status == status
    assert str(status) in refusal.value.public_message


def test_paths_are_sent_safely(server, net, resolver):
    with pytest.raises(fetch.HTTPError):  # the route does not exist: the point is what was sent
        fetch.fetch("http://feeds.example/no such/caf\u00e9?q=a b", resolver=resolver)
    assert server.paths == ["/no%20such/caf%C3%A9?q=a%20b"]


# --- HTTPS --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    made = make_certificates(tmp_path_factory.mktemp("certs"))
    if made is None:
        pytest.skip("the openssl tool is not installed")
    return made


@pytest.fixture(scope="module")
def running_tls_server(certificates):
    ca, cert, key = certificates
    server = Server(tls=(cert, key))
    yield server
    server.close()


@pytest.fixture
def tls_server(running_tls_server, net):
    running_tls_server.reset()
    net.route(PUBLIC_IP, 443, running_tls_server)
    return running_tls_server


def test_https_connects_to_the_address_but_checks_the_name(settings, certificates, tls_server, net, resolver):
    settings.KHUB_FETCH_CA_BUNDLE = str(certificates[0])
    resolver.table["secure.example"] = [PUBLIC_IP]
    result = fetch.fetch("https://secure.example/feed", resolver=resolver)
    assert result.content == FEED
    assert net.attempts[-1] == (PUBLIC_IP, 443)
    assert tls_server.server_names == ["secure.example"]  # SNI carries the name
    assert tls_server.requests[0]["headers"]["host"] == "secure.example"


def test_https_slow_drip_is_cut_off_too(settings, certificates, tls_server, net, resolver):
    settings.KHUB_FETCH_CA_BUNDLE = str(certificates[0])
    resolver.table["secure.example"] = [PUBLIC_IP]
    with pytest.raises(fetch.TooSlow):
        fetch.fetch("https://secure.example/drip", resolver=resolver, timeout=0.5)
    assert tls_server.outlasted == []


def test_https_refuses_a_certificate_for_another_name(settings, certificates, tls_server, net, resolver):
    settings.KHUB_FETCH_CA_BUNDLE = str(certificates[0])
    resolver.table["other.example"] = [PUBLIC_IP]
    with pytest.raises(fetch.TLSError):
        fetch.fetch("https://other.example/feed", resolver=resolver)
    assert tls_server.requests == []


def test_https_refuses_an_untrusted_certificate(certificates, tls_server, net, resolver):
    resolver.table["secure.example"] = [PUBLIC_IP]
    with pytest.raises(fetch.TLSError):  # the test CA is not in the operating system's store
        fetch.fetch("https://secure.example/feed", resolver=resolver)
    assert tls_server.requests == []


# --- Settings and helpers -----------------------------------------------------------------------------------


def test_defaults(settings):
    for name in ("ALLOWED_HOSTS", "ALLOWED_PORTS", "MAX_BYTES", "TIMEOUT"):
        delattr(settings, f"KHUB_FETCH_{name}")  # undo the autouse fixture
    assert khub_settings.FETCH_ALLOWED_HOSTS == []
    assert khub_settings.FETCH_ALLOWED_PORTS == [80, 443]
    assert khub_settings.FETCH_MAX_BYTES == 5_000_000
    assert khub_settings.FETCH_TIMEOUT == 10
    assert khub_settings.FETCH_CA_BUNDLE is None
    assert khub_settings.FETCH_USER_AGENT.startswith("khub-plugin/")


def test_check_url_normalises(resolver):
    assert fetch.check_url("  HTTP://Feeds.Example:80/a b?x=1#frag ") == "http://feeds.example/a%20b?x=1"
    assert fetch.url_problem("https://feeds.example/feed") is None
    assert fetch.url_problem("ftp://feeds.example/") == str(fetch.BlockedScheme.default_message)


def test_the_resolver_is_never_asked_about_literal_addresses(server, net, resolver):
    fetch.fetch(f"http://{PUBLIC_IP}/feed", resolver=resolver)
    assert resolver.calls == []


def test_a_resolver_error_is_host_not_found(server, net):
    def broken(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(fetch.HostNotFound):
        fetch.fetch("http://feeds.example/feed", resolver=broken)
    with pytest.raises(fetch.HostNotFound):
        fetch.fetch("http://feeds.example/feed", resolver=lambda host, port: [])


# --- The allow-list: host:port and URL prefixes -------------------------------------------------------------


def test_a_host_port_entry_allows_that_port_only(settings, server, net, resolver):
    settings.KHUB_FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{server.port}"]  # the port is not in ALLOWED_PORTS
    assert fetch.fetch(f"http://127.0.0.1:{server.port}/feed", resolver=resolver).content == FEED
    assert fetch.url_problem(f"http://127.0.0.1:{server.port}/feed") is None
    for url in ("http://127.0.0.1/feed", "http://127.0.0.1:443/feed"):
        with pytest.raises(fetch.BlockedAddress):
            fetch.fetch(url, resolver=resolver)
    for url in ("http://127.0.0.1:8080/feed", f"http://localhost:{server.port}/feed"):
        with pytest.raises(fetch.BlockedPort):  # the entry opens its port for its own host only
            fetch.fetch(url, resolver=resolver)
    assert net.attempts == [("127.0.0.1", server.port)]


def test_a_named_host_port_entry(settings, server, net, resolver):
    settings.KHUB_FETCH_ALLOWED_HOSTS = [f"Intranet.Council.Local:{server.port}"]
    assert fetch.fetch(f"http://intranet.council.local:{server.port}/feed", resolver=resolver).content == FEED
    with pytest.raises(fetch.BlockedAddress):  # the same name on another (allowed) port
        fetch.fetch("http://intranet.council.local/feed", resolver=resolver)


def test_a_url_prefix_entry_allows_only_that_prefix(settings, server, net, resolver):
    base = f"http://127.0.0.1:{server.port}"
    settings.KHUB_FETCH_ALLOWED_HOSTS = [f"{base}/feed"]
    assert fetch.fetch(f"{base}/feed", resolver=resolver).content == FEED
    refused = [
        f"{base}/echo",  # another path on the same host and port
        f"https://127.0.0.1:{server.port}/feed",  # another scheme
        "http://127.0.0.1/feed",  # another port
        f"{base}/feed/../echo",  # climbing out, in every spelling
        f"{base}/feed/%2e%2e/echo",
        f"{base}/feed/%252e%252e/echo",
        f"{base}/feed/%25252e%25252e/echo",
        f"{base}/feed/%2525252525252e%2e/echo",
        f"{base}/feed/..%2fecho",
        f"{base}/feed/..;/echo",
        f"{base}/feed/..\\echo",
    ]
    for url in refused:
        with pytest.raises((fetch.BlockedAddress, fetch.BlockedPort)):
            fetch.fetch(url, resolver=resolver)
    # A redirect out of the prefix is checked like any other address.
    settings.KHUB_FETCH_ALLOWED_HOSTS = [f"{base}/redirect"]
    with pytest.raises(fetch.BlockedPort):  # the port is open for the prefix only
        fetch.fetch(f"{base}/redirect?to=/echo", resolver=resolver)
    assert server.paths == ["/feed", "/redirect?to=/echo"]


def test_the_demo_allow_list_reaches_only_the_demos_feeds(settings, server, net, resolver):
    """example_project's dev settings: its own sample feeds, and no other local service."""
    from pathlib import Path

    namespace = {}
    source = (Path(__file__).parents[1] / "example_project/anytown/settings/dev.py").read_text()
    lines = [line for line in source.splitlines() if line.startswith("KHUB_FETCH_ALLOWED_")]
    exec("\n".join(lines), namespace)  # noqa: S102 - two assignments from our own settings file
    settings.KHUB_FETCH_ALLOWED_HOSTS = namespace["KHUB_FETCH_ALLOWED_HOSTS"]
    settings.KHUB_FETCH_ALLOWED_PORTS = namespace.get("KHUB_FETCH_ALLOWED_PORTS", [80, 443])
    assert fetch.url_problem("http://127.0.0.1:8000/demo/feeds/anytown-news.xml") is None
    for url in (
        "http://127.0.0.1:8000/admin/",
        "http://127.0.0.1:8000/demo/feeds/../../admin/",
        "http://localhost:8000/demo/feeds/anytown-news.xml",
        "http://127.0.0.1/",
        "http://127.0.0.1:443/",
        "http://localhost/",
        "http://127.0.0.1:6379/",
        "http://127.0.0.1:5432/",
    ):
        assert fetch.url_problem(url, resolve=True, resolver=resolver), url


# --- Checking before saving (forms) -------------------------------------------------------------------------


def test_url_problem_can_resolve_and_check_like_a_fetch(settings, resolver):
    assert fetch.url_problem("http://localhost/feed", resolver=resolver) is None  # not resolved by default
    blocked = str(fetch.BlockedAddress.default_message)
    for url in ("http://localhost/feed", "http://metadata.example/", "http://mixed.example/"):
        assert fetch.url_problem(url, resolve=True, resolver=resolver) == blocked
    not_found = fetch.url_problem("http://metadata.google.internal/", resolve=True, resolver=resolver)
    assert not_found == str(fetch.HostNotFound.default_message)
    assert fetch.url_problem("http://feeds.example/feed", resolve=True, resolver=resolver) is None
    settings.KHUB_FETCH_ALLOWED_HOSTS = ["intranet.council.local"]
    assert fetch.url_problem("http://intranet.council.local/", resolve=True, resolver=resolver) is None


# --- Through a proxy ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running_proxy():
    proxy = Proxy()
    yield proxy
    proxy.close()


@pytest.fixture
def proxy(running_proxy, server, net, settings):
    running_proxy.requests.clear()
    running_proxy.routes.clear()
    running_proxy.credentials = None
    running_proxy.route(PUBLIC_IP, 80, server)
    running_proxy.route(PUBLIC_IP6, 80, server)
    net.route("127.0.0.1", running_proxy.port, running_proxy)  # the only place khub may connect to
    settings.KHUB_FETCH_PROXY = f"http://127.0.0.1:{running_proxy.port}"
    return running_proxy


def test_through_a_proxy_connect_goes_to_the_checked_address(server, net, resolver, proxy):
    resolver.table["rebind.example"] = answers([PUBLIC_IP], ["127.0.0.1"])
    result = fetch.fetch("http://rebind.example/feed", resolver=resolver)
    assert result.content == FEED
    assert result.address == PUBLIC_IP
    assert resolver.calls_for("rebind.example") == [("rebind.example", 80)]  # resolved once, here
    assert proxy.targets == [("CONNECT", f"{PUBLIC_IP}:80")]  # by address: the proxy's DNS plays no part
    assert net.attempts == [("127.0.0.1", proxy.port)]  # nothing but the proxy was connected to
    assert server.requests[0]["headers"]["host"] == "rebind.example"
    assert server.paths == ["/feed"]  # origin-form inside the tunnel


def test_through_a_proxy_ipv6_addresses_are_bracketed(server, net, resolver, proxy):
    assert fetch.fetch("http://feeds6.example/feed", resolver=resolver).content == FEED
    assert proxy.targets == [("CONNECT", f"[{PUBLIC_IP6}]:80")]


@pytest.mark.parametrize(
    "url",
    [
        "http://internal.example/feed",
        "http://localhost/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://mixed.example/feed",
        "http://feeds.example:22/",
    ],
)
def test_through_a_proxy_a_refused_target_never_reaches_the_proxy(url, server, net, resolver, proxy):
    with pytest.raises((fetch.BlockedAddress, fetch.BlockedPort)):
        fetch.fetch(url, resolver=resolver)
    assert proxy.requests == []
    assert net.attempts == []


def test_through_a_proxy_every_redirect_is_checked(server, net, resolver, proxy):
    location = quote("http://internal.example/feed")
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(f"http://feeds.example/redirect?to={location}", resolver=resolver)
    assert proxy.targets == [("CONNECT", f"{PUBLIC_IP}:80")]  # the first hop only
    result = fetch.fetch("http://feeds.example/chain/2", resolver=resolver)
    assert result.content == FEED
    assert len(proxy.targets) == 4


def test_the_proxy_from_the_environment(settings, monkeypatch, server, net, resolver, proxy):
    settings.KHUB_FETCH_PROXY = None
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    fetch.fetch("http://feeds.example/feed", resolver=resolver)  # HTTPS_PROXY is for https only
    assert proxy.requests == []
    monkeypatch.setenv("http_proxy", f"127.0.0.1:{proxy.port}")  # no scheme: http
    assert fetch.fetch("http://feeds.example/feed", resolver=resolver).content == FEED
    assert proxy.targets == [("CONNECT", f"{PUBLIC_IP}:80")]


def test_the_setting_wins_over_the_environment(settings, monkeypatch, server, net, resolver, proxy):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing there
    assert fetch.fetch("http://feeds.example/feed", resolver=resolver).content == FEED
    assert net.attempts == [("127.0.0.1", proxy.port)]

    settings.KHUB_FETCH_PROXY = ""  # never a proxy, whatever the environment says
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    proxy.requests.clear()
    assert fetch.fetch("http://feeds.example/feed", resolver=resolver).content == FEED
    assert proxy.requests == []
    assert net.attempts[-1] == (PUBLIC_IP, 80)


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypassed"),
    [
        ("feeds.example", "http://feeds.example/feed", True),
        ("FEEDS.EXAMPLE", "http://feeds.example/feed", True),
        (".example", "http://feeds.example/feed", True),
        ("example", "http://feeds.example/feed", True),  # a domain suffix, as curl reads it
        ("other.example, feeds.example", "http://feeds.example/feed", True),
        ("feeds.example:80", "http://feeds.example/feed", True),
        ("*", "http://feeds.example/feed", True),
        (PUBLIC_IP, f"http://{PUBLIC_IP}/feed", True),
        ("93.184.216.0/24", f"http://{PUBLIC_IP}/feed", True),
        ("other.example", "http://feeds.example/feed", False),
        ("eeds.example", "http://feeds.example/feed", False),  # a suffix, but not of whole labels
        (PUBLIC_IP, "http://feeds.example/feed", False),  # NO_PROXY compares what the address says
        ("10.0.0.0/8", f"http://{PUBLIC_IP}/feed", False),
    ],
)
def test_no_proxy(no_proxy, url, bypassed, monkeypatch, server, net, resolver, proxy):
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert fetch.fetch(url, resolver=resolver).content == FEED
    assert (proxy.requests == []) is bypassed
    assert net.attempts == ([(PUBLIC_IP, 80)] if bypassed else [("127.0.0.1", proxy.port)])


def test_no_proxy_still_checks_the_target(monkeypatch, server, net, resolver, proxy):
    monkeypatch.setenv("NO_PROXY", "*")
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://internal.example/feed", resolver=resolver)
    assert net.attempts == []


def test_proxy_credentials_are_sent_and_never_logged(settings, caplog, server, net, resolver, proxy):
    proxy.credentials = "council user:s3cret:p@ss"
    settings.KHUB_FETCH_PROXY = f"http://council%20user:s3cret%3Ap%40ss@127.0.0.1:{proxy.port}"
    caplog.set_level("DEBUG")
    assert fetch.fetch("http://feeds.example/feed", resolver=resolver).content == FEED
    sent = proxy.requests[0]["headers"]["proxy-authorization"]
    assert sent == "Basic Y291bmNpbCB1c2VyOnMzY3JldDpwQHNz"  # base64 of the decoded user:password
    assert "proxy-authorization" not in server.requests[0]["headers"]  # only the proxy sees it

    proxy.credentials = "someone:else"
    with pytest.raises(fetch.ConnectionFailed) as refusal:
        fetch.fetch("http://feeds.example/feed", resolver=resolver)
    assert "407" in str(refusal.value)
    assert f"The proxy http://127.0.0.1:{proxy.port} refused khub's sign-in (407)" in caplog.text
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://internal.example/feed", resolver=resolver)
    for text in (
        caplog.text,
        str(refusal.value),
        refusal.value.public_message,
        repr(fetch._proxy_for(fetch._parse("http://feeds.example/"))),
    ):
        assert "s3cret" not in text and sent not in text and "Y291bmNpbCB1c2Vy" not in text


def test_a_proxy_that_cannot_reach_the_target(server, net, resolver, proxy):
    resolver.table["dead.example"] = [DEAD_IP]
    with pytest.raises(fetch.ConnectionFailed) as refusal:
        fetch.fetch("http://dead.example/feed", resolver=resolver)
    assert proxy.targets == [("CONNECT", f"{DEAD_IP}:80")]
    assert "through the proxy http://127.0.0.1:" in str(refusal.value)


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "http://:3128"])
def test_a_proxy_khub_cannot_use_is_a_configuration_error(value, settings, server, net, resolver):
    settings.KHUB_FETCH_PROXY = value
    with pytest.raises(ImproperlyConfigured) as error:
        fetch.fetch("http://feeds.example/feed", resolver=resolver)
    assert net.attempts == []
    assert "http://" in str(error.value)


def test_https_through_a_proxy_checks_the_certificate_for_the_name(
    settings, certificates, tls_server, net, resolver, proxy
):
    settings.KHUB_FETCH_CA_BUNDLE = str(certificates[0])
    proxy.route(PUBLIC_IP, 443, tls_server)
    resolver.table["secure.example"] = [PUBLIC_IP]
    resolver.table["other.example"] = [PUBLIC_IP]
    result = fetch.fetch("https://secure.example/feed", resolver=resolver)
    assert result.content == FEED
    assert proxy.targets == [("CONNECT", f"{PUBLIC_IP}:443")]
    assert tls_server.server_names == ["secure.example"]  # SNI carries the name, inside the tunnel
    assert tls_server.requests[0]["headers"]["host"] == "secure.example"
    assert net.attempts == [("127.0.0.1", proxy.port)]

    tls_server.reset()
    with pytest.raises(fetch.TLSError):  # a certificate for another name is refused through the tunnel too
        fetch.fetch("https://other.example/feed", resolver=resolver)
    settings.KHUB_FETCH_CA_BUNDLE = None
    with pytest.raises(fetch.TLSError):  # and so is one from an untrusted CA
        fetch.fetch("https://secure.example/feed", resolver=resolver)
    assert tls_server.requests == []
