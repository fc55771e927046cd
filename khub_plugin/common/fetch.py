"""The safe fetcher: the only way khub fetches anything from the outside world.

Members give khub web addresses (news feeds now, more later) and the server fetches them, so every fetch is a
chance for someone to make the server reach places they cannot: its own admin ports, the council's internal
systems, the cloud provider's metadata service. This module refuses all of that (server-side request forgery):

* only ``http`` and ``https``; no user name or password in the address; only the ports in
  ``KHUB_FETCH_ALLOWED_PORTS``;
* the host name is resolved here, *every* address it resolves to is checked (:func:`is_forbidden_address`:
  private, loopback, link-local, CGNAT, multicast, reserved and unspecified ranges, IPv4 and IPv6, with the
  IPv4 address inside IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo forms unwrapped and checked too),
  and the connection is made to a checked address, never by name again, so DNS cannot change between check
  and connect ("DNS rebinding"). TLS still uses the host name, for SNI and for checking the certificate;
* redirects are followed here, at most :data:`MAX_REDIRECTS`, and every one is checked like a new address;
* the whole fetch has a wall-clock deadline (``KHUB_FETCH_TIMEOUT``), enforced by a watchdog that closes the
  socket, so a server that answers one byte at a time cannot hold a worker;
* the body is capped (``KHUB_FETCH_MAX_BYTES``), both as received and after gzip/deflate decoding, while it
  streams; a ``Content-Length`` over the cap is refused before anything is read;
* ``KHUB_FETCH_ALLOWED_HOSTS`` lets named intranet hosts through on purpose (a whole host, one host:port, or
  one URL prefix);
* behind a proxy (``KHUB_FETCH_PROXY``, or ``HTTPS_PROXY``/``HTTP_PROXY`` with ``NO_PROXY``) the target is
  still resolved and checked here, then reached by ``CONNECT`` to its checked address through the proxy.

Every refusal is a :class:`FetchError` whose ``public_message`` is plain words a member can be shown;
``str()`` of the error holds the technical detail, for logs. See ``docs/reference/fetcher.md``.
"""

import contextlib
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from base64 import b64encode
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from requests.utils import requote_uri
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util.ssl_match_hostname import CertificateError

from khub_plugin.conf import khub_settings

logger = logging.getLogger(__name__)

#: The most redirects one fetch follows.
MAX_REDIRECTS = 3
#: The statuses that are followed as redirects (with their ``Location``).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: How much is read from the socket at a time.
CHUNK_SIZE = 64 * 1024


# --- Errors -------------------------------------------------------------------------------------------------


class FetchError(Exception):
    """The address could not be fetched. ``public_message`` is for members; ``str(error)`` is for logs."""

    default_message = _("That address could not be fetched.")

    def __init__(self, detail="", *, public_message=None, url=None):
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        self.url = url
        self.public_message = str(public_message or self.default_message)


class InvalidURL(FetchError):
    default_message = _("That web address is not valid. Check it and try again.")


class BlockedScheme(FetchError):
    default_message = _("Only web addresses that start with http:// or https:// can be fetched.")


class BlockedCredentials(FetchError):
    default_message = _(
        "Web addresses with a user name or password in them cannot be fetched. "
        "Remove that part and try again."
    )


class BlockedPort(FetchError):
    default_message = _(
        "That web address uses a port number that is not allowed, so it cannot be fetched. "
        "Use the site's ordinary address, without a colon and number after its name."
    )


class BlockedAddress(FetchError):
    default_message = _(
        "That address points inside the council's network, or to this server itself, so it cannot be "
        "fetched. If it is an intranet feed, ask your site administrator to allow it."
    )


class HostNotFound(FetchError):
    default_message = _("That site could not be found. Check the address and try again.")


class ConnectionFailed(FetchError):
    default_message = _("That site could not be reached. It may be down: try again later.")


class TLSError(FetchError):
    default_message = _("That site's security certificate could not be checked, so it was not fetched.")


class TooSlow(FetchError):
    default_message = _("That site took too long to answer. Try again later.")


class TooLarge(FetchError):
    default_message = _("The file at that address is too large to fetch.")


class TooManyRedirects(FetchError):
    default_message = _(
        "That address sends visitors on to other addresses too many times, so it was not fetched."
    )


class BadResponse(FetchError):
    default_message = _("That site sent an answer that could not be read.")


class HTTPError(FetchError):
    """The server answered with an error status (or one the fetcher does not follow)."""

    def __init__(self, status, detail="", *, url=None):
        self.status = status
        if status in (404, 410):
            message = gettext("Nothing was found at that address (error %(status)s). Check the address.")
        elif status in (401, 403, 407):
            message = gettext(
                "That site would not share that address (error %(status)s). It may need a sign-in, which "
                "khub cannot do."
            )
        elif status >= 500:
            message = gettext("That site had a problem answering (error %(status)s). Try again later.")
        else:
            message = gettext("That site answered with an error (error %(status)s).")
        super().__init__(detail or f"HTTP {status}", public_message=message % {"status": status}, url=url)


# --- Addresses ----------------------------------------------------------------------------------------------

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # IPv4-mapped
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # IPv4-compatible (deprecated), and :: and ::1
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # IPv4-translated (SIIT)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix
_V6_FORBIDDEN = (
    _COMPATIBLE,
    _TRANSLATED,
    *(
        ipaddress.IPv6Network(net)
        for net in (
            "64:ff9b:1::/48",  # local-use NAT64
            "100::/64",  # discard-only
            "2001::/32",  # Teredo
            "2001:db8::/32",  # documentation
            "2002::/16",  # 6to4 (deprecated; relays are all but gone): refused whatever it wraps
            "fc00::/7",  # unique local
            "fe80::/10",  # link-local
            "fec0::/10",  # site-local (deprecated)
            "ff00::/8",  # multicast
        )
    ),
)


def _as_address(ip):
    if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ip
    return ipaddress.ip_address(str(ip).strip())


def _embedded_ipv4(address):
    """The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4, Teredo), or None."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or address in _COMPATIBLE or address in _TRANSLATED:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client, de-obfuscated
    return None


def is_forbidden_address(ip):
    """Whether khub must never connect to ``ip`` (a string or ``ipaddress`` object) unless it is allow-listed.

    True for anything that is not an ordinary public address: private, loopback, link-local (cloud metadata at
    169.254.169.254), CGNAT (100.64.0.0/10), multicast, reserved, unspecified, documentation and benchmarking
    ranges, IPv6 unique-local and site-local, and any IPv6 address that carries a forbidden IPv4 address
    (IPv4-mapped ``::ffff:127.0.0.1``, IPv4-compatible ``::127.0.0.1``, NAT64 ``64:ff9b::7f00:1``, 6to4
    ``2002:7f00:1::``, Teredo). Something that is not an IP address at all is forbidden too.
    """
    try:
        address = _as_address(ip)
    except ValueError:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:  # "fe80::1%eth0": only ever link-local
            return True
        embedded = _embedded_ipv4(address)
        if embedded is not None and is_forbidden_address(embedded):
            return True
        if address in _MAPPED or address in _NAT64:
            # An IPv4 address in IPv6 clothing: it is what the IPv4 address is (Python calls these ranges
            # "reserved", which would refuse every site on an IPv6-only network that uses DNS64).
            return embedded is None
        if any(address in net for net in _V6_FORBIDDEN):
            return True
    elif address in _CGNAT:
        return True
    return bool(
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def _is_unusable(address):
    """Addresses no allow-list makes sense of: unspecified (it reaches this server), multicast, broadcast."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return True
        embedded = _embedded_ipv4(address)
        if embedded is not None and _is_unusable(embedded):
            return True
    return address.is_unspecified or address.is_multicast or address == _BROADCAST


def _is_link_local(address):
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return True
        embedded = _embedded_ipv4(address)
        if embedded is not None and embedded.is_link_local:
            return True
    return address.is_link_local


# --- Addresses of web pages ---------------------------------------------------------------------------------

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalise_host(raw):
    """``(host, ip)``: the host in lower-case ASCII, and the ``ipaddress`` object when it is an IP literal.

    IPv4 literals are recognised in every spelling the C library accepts (``2130706433``, ``0x7f000001``,
    ``0x7f.1``, ``0177.0.0.1``, ``127.1``) and returned in dotted-quad form, so the check sees what a
    connection would reach.
    """
    if not raw:
        raise InvalidURL("no host name")
    host = raw.strip().lower()
    if ":" in host:  # IPv6 literal; urlsplit has removed the brackets
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidURL(f"bad IPv6 address {raw!r}") from None
        return str(address), address
    if host.endswith("."):
        host = host[:-1]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidURL(f"bad international host name {raw!r}") from None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidURL(f"bad host name {raw!r}")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # A name whose last part is a number is an IPv4 address, however it is spelt.
        try:
            packed = socket.inet_aton(host)
        except OSError:
            raise InvalidURL(f"bad IPv4 address {raw!r}") from None
        address = ipaddress.IPv4Address(packed)
        return str(address), address
    return host, None


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    ip: object  # ipaddress object for IP literals, else None
    port: int
    request_target: str
    url: str
    path: str = "/"

    @property
    def host_header(self):
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == _DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def _parse(url):
    """Check the parts of ``url`` that need no network: scheme, user name, host spelling, port."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("empty address", url=url)
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidURL(f"{error}: {url!r}", url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BlockedScheme(f"scheme {scheme!r} refused: {url!r}", url=url)
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise BlockedCredentials(f"user information refused: {url!r}", url=url)
    host, ip = _normalise_host(parts.hostname)
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    path = requote_uri(parts.path if parts.path.startswith("/") else "/" + parts.path)
    query = requote_uri(parts.query)
    request_target = f"{path}?{query}" if query else path
    if _CONTROL.search(request_target) or " " in request_target:
        raise InvalidURL(f"control characters in path: {url!r}", url=url)
    netloc = f"[{host}]" if ":" in host else host
    if port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    target = _Target(
        scheme, host, ip, port, request_target, urlunsplit((scheme, netloc, path, query, "")), path
    )
    if port not in _allowed_ports() and not any(
        entry.port == port and entry.matches(target) for entry in _allow_list()
    ):
        raise BlockedPort(f"port {port} refused: {url!r}", url=url)
    return target


# --- Settings -----------------------------------------------------------------------------------------------


def _allowed_ports():
    ports = khub_settings.FETCH_ALLOWED_PORTS
    try:
        return {int(port) for port in ports}
    except (TypeError, ValueError):
        raise ImproperlyConfigured("KHUB_FETCH_ALLOWED_PORTS must be a list of port numbers.") from None


@dataclass(frozen=True)
class _AllowEntry:
    """One ``KHUB_FETCH_ALLOWED_HOSTS`` entry: a host (name or IP), and optionally a port, scheme and path."""

    host: str
    ip: object  # ipaddress object for IP entries, else None
    port: int | None = None  # None: any port in KHUB_FETCH_ALLOWED_PORTS
    scheme: str | None = None  # None: http and https
    prefix: str | None = None  # None: any path

    def matches(self, target):
        if self.ip is not None:
            if target.ip != self.ip:  # an IP entry lets that address through, not names resolving to it
                return False
        elif target.ip is not None or target.host != self.host:
            return False
        if self.port is not None and target.port != self.port:
            return False
        if self.scheme is not None and target.scheme != self.scheme:
            return False
        return self.prefix is None or _path_is_under(target.path, self.prefix)


def _path_is_under(path, prefix):
    """Whether ``path`` starts with ``prefix`` and cannot climb out of it (no ``.``/``..`` segments in any
    spelling: encoded, with backslashes, or with ``;`` parameters, which some servers strip)."""
    if not path.startswith(prefix):
        return False
    decoded = path
    for _round in range(5):  # however many times a server or a proxy in front of it might decode it
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            break
    else:
        return False  # still changing after five rounds: nobody means that
    decoded = decoded.replace("\\", "/")
    return not any(segment.split(";")[0] in (".", "..") for segment in decoded.split("/"))


_ENTRY_HOST_PORT = re.compile(r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>[0-9]{1,5}))?")


def _allow_entry(entry):
    """Parse one allow-list entry: ``host``, ``host:port``, ``[v6]``, ``[v6]:port``, a bare IPv6 address, or
    a URL prefix ``scheme://host[:port]/path/``."""
    text = str(entry).strip()

    def bad(why):
        return ImproperlyConfigured(
            f"KHUB_FETCH_ALLOWED_HOSTS: {entry!r} is not a host name, IP address, host:port or URL prefix "
            f"({why})."
        )

    if "://" in text:
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise bad("bad URL") from None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise bad("only http:// and https:// URLs")
        if "@" in parts.netloc or parts.query or parts.fragment or "?" in text or "#" in text:
            raise bad("no user name, query or fragment")
        try:
            host, ip = _normalise_host(parts.hostname)
        except InvalidURL:
            raise bad("bad host") from None
        path = requote_uri(parts.path or "/")
        if not path.startswith("/"):
            raise bad("bad path")
        return _AllowEntry(host, ip, port or _DEFAULT_PORTS[scheme], scheme, path)
    if text.count(":") > 1 and not text.startswith("["):  # a bare IPv6 address
        match, v6 = None, text
    else:
        match = _ENTRY_HOST_PORT.fullmatch(text)
        if match is None:
            raise bad("give no scheme or path, or give a whole http(s) URL")
        v6 = match["v6"]
    try:
        host, ip = _normalise_host(v6 or match["host"])
    except InvalidURL:
        raise bad("bad host") from None
    if v6 is not None and not isinstance(ip, ipaddress.IPv6Address):
        raise bad("only IPv6 addresses go in brackets")
    port = int(match["port"]) if match is not None and match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise bad("bad port")
    return _AllowEntry(host, ip, port)


def _allow_list():
    """The parsed ``KHUB_FETCH_ALLOWED_HOSTS``, normalised like the hosts of addresses."""
    entries = khub_settings.FETCH_ALLOWED_HOSTS
    if isinstance(entries, str):
        raise ImproperlyConfigured(
            "KHUB_FETCH_ALLOWED_HOSTS must be a list of host names, IP addresses, host:port pairs or URL "
            "prefixes."
        )
    return [_allow_entry(entry) for entry in entries]


def _allow_entry_for(target):
    """The first allow-list entry that lets ``target`` through, or None."""
    return next((entry for entry in _allow_list() if entry.matches(target)), None)


# --- Checking -----------------------------------------------------------------------------------------------


def _check_addresses(target, addresses):
    """Refuse unless every address ``target`` resolved to may be reached; return them as ``ipaddress``s."""
    entry = _allow_entry_for(target)
    name_listed = entry is not None and entry.ip is None
    ip_listed = entry is not None and entry.ip is not None
    checked = []
    for raw in addresses:
        try:
            address = _as_address(raw)
        except ValueError:
            raise BlockedAddress(
                f"{target.host} resolved to {raw!r}, not an IP address", url=target.url
            ) from None
        if _is_unusable(address):
            refused = True
        elif ip_listed:
            refused = False
        elif name_listed:
            refused = _is_link_local(address)  # an allow-listed name still never reaches cloud metadata
        else:
            refused = is_forbidden_address(address)
        if refused:
            logger.info("Refused to fetch %s: %s is at %s", target.url, target.host, address)
            raise BlockedAddress(
                f"{target.host} is at {address}, which is not a public address", url=target.url
            )
        checked.append(address)
    return checked


def check_url(url, *, resolve=False, resolver=None):
    """Refuse ``url`` for anything that can be seen before fetching; return its normalised form.

    Checks the scheme, user name, host spelling, port, and IP-literal hosts (in every spelling) against the
    forbidden ranges and the allow-list. With ``resolve``, a host name is resolved too (by ``resolver``, as
    :func:`fetch` would) and every address it resolves to is checked by the same code a fetch uses; a name
    that does not resolve is :class:`HostNotFound`. Without it, names are only resolved when fetched.
    """
    target = _parse(url)
    if target.ip is not None:
        _check_addresses(target, [target.ip])
    elif resolve:
        deadline = time.monotonic() + float(khub_settings.FETCH_TIMEOUT)
        _check_addresses(target, _resolve(resolver or system_resolver, target, deadline))
    return target.url


def url_problem(url, *, resolve=False, resolver=None):
    """Plain words saying why ``url`` cannot be fetched, or None. For forms: see :func:`check_url`."""
    try:
        check_url(url, resolve=resolve, resolver=resolver)
    except FetchError as error:
        return error.public_message
    return None


def system_resolver(host, port):
    """The addresses ``host`` resolves to, by the operating system's resolver."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _resolve(resolver, target, deadline):
    """Resolve once, in a thread so that a slow DNS server cannot outlast the deadline."""
    box = {}

    def run():
        try:
            box["addresses"] = list(resolver(target.host, target.port))
        except Exception as error:  # noqa: BLE001 - handed back to the fetching thread
            box["error"] = error

    thread = threading.Thread(target=run, name="khub-fetch-resolve", daemon=True)
    thread.start()
    thread.join(_remaining(deadline, target))
    if thread.is_alive():
        raise TooSlow(f"resolving {target.host} took too long", url=target.url)
    if "error" in box:
        raise HostNotFound(f"{target.host} did not resolve: {box['error']}", url=target.url)
    unique = list(dict.fromkeys(str(address) for address in box["addresses"]))
    if not unique:
        raise HostNotFound(f"{target.host} resolved to no addresses", url=target.url)
    return unique


# --- Proxies ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Proxy:
    """An HTTP proxy that khub reaches targets through, by ``CONNECT`` to their checked address."""

    host: str
    port: int
    headers: dict = field(default_factory=dict, repr=False)  # Proxy-Authorization: never in logs or errors

    def __str__(self):
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{name}:{self.port}"


def _proxy_environment():
    """``{"http": ..., "https": ..., "all": ..., "no": ...}`` from the environment, as urllib reads it."""
    return urllib.request.getproxies_environment()


def _parse_proxy(url):
    """A :class:`_Proxy` from ``http://[user:password@]host[:port]`` (no scheme means http)."""
    text = str(url).strip()
    if "://" not in text:
        text = "http://" + text
    problem = "KHUB_FETCH_PROXY (or HTTP_PROXY/HTTPS_PROXY) must be an http://host:port address"
    try:
        parts = urlsplit(text)
        port = parts.port or 80
    except ValueError:
        raise ImproperlyConfigured(problem + " (it is not a valid address).") from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise ImproperlyConfigured(problem + " (only plain http:// proxies are supported).")
    headers = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Proxy-Authorization"] = "Basic " + b64encode(credentials.encode("utf-8")).decode("ascii")
    return _Proxy(parts.hostname, port, headers)


def _bypasses_proxy(target, environment):
    """Whether ``NO_PROXY`` names ``target``: host names, domain suffixes, ``*``, IP addresses, networks."""
    no_proxy = environment.get("no")
    if not no_proxy:
        return False
    name = f"[{target.host}]" if ":" in target.host else target.host
    if urllib.request.proxy_bypass_environment(f"{name}:{target.port}", environment):
        return True
    if target.ip is not None:  # urllib compares IP addresses as text; networks (10.0.0.0/8) are matched here
        for entry in no_proxy.replace(" ", ",").split(","):
            with contextlib.suppress(ValueError):
                if target.ip in ipaddress.ip_network(entry.strip().strip("[]"), strict=False):
                    return True
    return False


def _proxy_for(target):
    """The proxy to reach ``target`` through, or None to connect directly.

    ``KHUB_FETCH_PROXY`` wins when set (``""`` means never use a proxy); otherwise ``HTTPS_PROXY`` for https
    and ``HTTP_PROXY`` for http (or ``ALL_PROXY``), as urllib reads the environment. ``NO_PROXY`` is honoured
    either way.
    """
    environment = _proxy_environment()
    configured = khub_settings.FETCH_PROXY
    if configured is not None:
        url = str(configured).strip()
    else:
        url = environment.get(target.scheme) or environment.get("all") or ""
    if not url or _bypasses_proxy(target, environment):
        return None
    return _parse_proxy(url)


# --- Fetching -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    """What a fetch returned. ``status`` is 200 (or another 2xx) with ``content``, or 304 with ``b""``."""

    url: str  # the final address, after redirects
    status: int
    content: bytes
    headers: dict  # lower-case names
    etag: str | None
    last_modified: str | None
    content_type: str | None
    redirects: list = field(default_factory=list)  # the addresses that redirected, in order
    address: str = ""  # the IP address the final response came from


def _remaining(deadline, target):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TooSlow("the fetch took longer than its time limit", url=target.url)
    return left


class _Watchdog:
    """Shuts the connection's socket at the deadline, waking any read that is still waiting."""

    def __init__(self, connection, seconds):
        self.connection = connection
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0), self._fire)
        self._timer.daemon = True

    def _fire(self):
        self.fired = True
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, even under TLS

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()


class _Decoder:
    """gzip/deflate decoding that never produces more than it is asked for (no decompression bombs)."""

    def __init__(self, encoding, target):
        name = (encoding or "").strip().lower()
        self.target = target
        self.gzip = name in ("gzip", "x-gzip")
        self.raw_fallback = name == "deflate"
        if name in ("", "identity"):
            self._obj = None
        elif self.gzip:
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._obj = zlib.decompressobj()
        else:
            raise BadResponse(f"unsupported content encoding {encoding!r}", url=target.url)
        self._done = False

    def feed(self, data, room):
        """Decoded bytes for ``data``; at most ``room + 1`` of them (one more than fits means: too large)."""
        if self._obj is None:
            return data
        output, size, pending = [], 0, data
        while pending and not self._done and size <= room:
            try:
                piece = self._obj.decompress(pending, room + 1 - size)
            except zlib.error as error:
                if self.raw_fallback:  # some servers send raw deflate without the zlib header
                    self.raw_fallback = False
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BadResponse(f"bad compressed body: {error}", url=self.target.url) from None
            self.raw_fallback = False
            output.append(piece)
            size += len(piece)
            if self._obj.eof:
                rest = self._obj.unused_data
                if self.gzip and rest.strip(b"\0"):  # another gzip member follows
                    self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    pending = rest
                    continue
                self._done = True
                break
            pending = self._obj.unconsumed_tail
        return b"".join(output)

    def finish(self):
        if self._obj is not None and self.gzip and not self._done:
            raise BadResponse("the compressed body ended early", url=self.target.url)


def _connect(target, addresses, deadline, ca_bundle):
    """A connection to the first of the checked ``addresses`` that answers.

    Through a proxy (see :func:`_proxy_for`) the connection goes to the proxy, which is asked to
    ``CONNECT`` to the checked address and port (never the name, so the proxy's DNS cannot be rebound
    either); TLS then runs inside that tunnel with the host name for SNI and the certificate, as directly.
    The proxy's own address is the administrator's choice and is not checked.
    """
    failure = None
    proxy = _proxy_for(target)
    for address in addresses:
        timeout = _remaining(deadline, target)
        host, port = (proxy.host, proxy.port) if proxy else (str(address), target.port)
        if target.scheme == "https":
            connection = HTTPSConnection(
                host,
                port,
                timeout=timeout,
                server_hostname=target.host,  # SNI
                assert_hostname=target.host,  # the certificate must name the host, not the address
                cert_reqs="CERT_REQUIRED",
                ca_certs=ca_bundle or None,
            )
        else:
            connection = HTTPConnection(host, port, timeout=timeout)
        if proxy:
            connection.set_tunnel(str(address), target.port, headers=proxy.headers)
        try:
            connection.connect()
        except (ssl.SSLError, Urllib3SSLError, CertificateError) as error:
            connection.close()
            raise TLSError(f"TLS with {target.host} at {address} failed: {error}", url=target.url) from None
        except (OSError, Urllib3HTTPError) as error:
            connection.close()
            failure = error
            continue
        return connection, address
    via = f" through the proxy {proxy}" if proxy else ""
    if proxy and " 407 " in f" {failure} ":
        # The proxy wants a (different) sign-in: every fetch will fail until its settings are fixed.
        logger.warning("The proxy %s refused khub's sign-in (407): check its user name and password", proxy)
    # (urllib3's NewConnectionError is, for history's sake, a kind of ConnectTimeoutError.)
    timed_out = isinstance(failure, TimeoutError | ConnectTimeoutError)
    if timed_out and not isinstance(failure, NewConnectionError):
        raise TooSlow(f"connecting to {target.host}{via} timed out: {failure}", url=target.url)
    raise ConnectionFailed(f"could not connect to {target.host}{via}: {failure}", url=target.url)


def _clean_header(value):
    if value is None:
        return None
    value = str(value).strip()
    return value if value and not _CONTROL.search(value) else None


def _read_body(response, target, max_bytes, deadline):
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"Content-Length {declared} is over the {max_bytes} byte limit", url=target.url)
    decoder = _Decoder(response.headers.get("content-encoding"), target)
    chunks, received, size = [], 0, 0
    while True:
        data = response.read1(CHUNK_SIZE)
        if not data:
            break
        received += len(data)
        if received > max_bytes:
            raise TooLarge(f"more than {max_bytes} bytes received", url=target.url)
        decoded = decoder.feed(data, max_bytes - size)
        size += len(decoded)
        if size > max_bytes:
            raise TooLarge(f"more than {max_bytes} bytes after decoding", url=target.url)
        chunks.append(decoded)
        _remaining(deadline, target)
    decoder.finish()
    return b"".join(chunks)


def fetch(url, *, etag=None, last_modified=None, accept=None, resolver=None, max_bytes=None, timeout=None):
    """Fetch ``url`` safely with ``GET``; a :class:`FetchResult`, or a :class:`FetchError` saying why not.

    ``etag`` and ``last_modified`` (from an earlier result) make it a conditional GET: an unchanged resource
    comes back as status 304 with empty content. ``accept`` is the ``Accept`` header. ``resolver(host, port)``
    returns the IP addresses of a host name (default: the operating system's). ``max_bytes`` and ``timeout``
    (seconds, for the whole fetch) override ``KHUB_FETCH_MAX_BYTES`` and ``KHUB_FETCH_TIMEOUT``.
    """
    resolver = resolver or system_resolver
    max_bytes = int(khub_settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes)
    timeout = float(khub_settings.FETCH_TIMEOUT if timeout is None else timeout)
    deadline = time.monotonic() + timeout
    headers = {
        "User-Agent": khub_settings.FETCH_USER_AGENT,
        "Accept": _clean_header(accept) or "*/*",
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
    }
    if _clean_header(etag):
        headers["If-None-Match"] = _clean_header(etag)
    if _clean_header(last_modified):
        headers["If-Modified-Since"] = _clean_header(last_modified)
    ca_bundle = khub_settings.FETCH_CA_BUNDLE

    redirects = []
    current = url
    while True:
        target = _parse(current)
        if target.ip is not None:
            addresses = _check_addresses(target, [target.ip])
        else:
            addresses = _check_addresses(target, _resolve(resolver, target, deadline))
        result = _fetch_once(target, addresses, headers, deadline, max_bytes, ca_bundle, redirects)
        if isinstance(result, FetchResult):
            if result.status == 304:  # a 304 need not repeat the validators: keep the ones that were sent
                result = replace(
                    result, etag=result.etag or etag, last_modified=result.last_modified or last_modified
                )
            return result
        if len(redirects) >= MAX_REDIRECTS:
            raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects, from {url!r}", url=target.url)
        redirects.append(target.url)
        current = urljoin(target.url, result)


def _fetch_once(target, addresses, headers, deadline, max_bytes, ca_bundle, redirects):
    """One request to one checked address: a :class:`FetchResult`, or the ``Location`` of a redirect."""
    connection, address = _connect(target, addresses, deadline, ca_bundle)
    response = None
    with _Watchdog(connection, _remaining(deadline, target)) as watchdog:
        try:
            connection.timeout = _remaining(deadline, target)
            connection.request(
                "GET",
                target.request_target,
                headers={"Host": target.host_header, **headers},
                preload_content=False,
                decode_content=False,
            )
            response = connection.getresponse()
            status = response.status
            response_headers = {name.lower(): response.headers[name] for name in response.headers}
            if status in REDIRECT_STATUSES:
                location = response.headers.get("location", "").strip()
                if not location:
                    raise BadResponse(f"HTTP {status} with no Location", url=target.url)
                return location
            if status == 304:
                content = b""
            elif 200 <= status < 300 and status != 206:
                content = _read_body(response, target, max_bytes, deadline)
                if watchdog.fired:  # the socket was shut under a body with no length: it is cut short
                    raise TooSlow("the fetch took longer than its time limit", url=target.url)
            else:
                raise HTTPError(status, url=target.url)
        except FetchError:
            if watchdog.fired:
                raise TooSlow("the fetch took longer than its time limit", url=target.url) from None
            raise
        except (OSError, Urllib3HTTPError, http.client.HTTPException, ValueError) as error:
            timed_out = isinstance(error, TimeoutError | Urllib3TimeoutError)
            if timed_out or watchdog.fired or time.monotonic() >= deadline:
                raise TooSlow(f"the fetch took longer than its time limit: {error}", url=target.url) from None
            raise BadResponse(f"reading from {target.host} failed: {error!r}", url=target.url) from None
        finally:
            if response is not None:
                response.close()
            connection.close()
    return FetchResult(
        url=target.url,
        status=status,
        content=content,
        headers=response_headers,
        etag=response_headers.get("etag"),
        last_modified=response_headers.get("last-modified"),
        content_type=response_headers.get("content-type"),
        redirects=list(redirects),
        address=str(address),
    )
