"""Test doubles for the safe fetcher: a loopback HTTP(S) server, a fake network and a stub resolver.

Nothing here touches the real network. ``FakeNetwork`` replaces the one function urllib3 opens sockets
with, so every connection attempt is recorded (by the address the fetcher chose) and only routed addresses
connect, to the loopback server; anything else is refused as if nothing listened there.
"""

import base64
import gzip
import json
import select
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs, urlsplit

#: Public addresses the fake network routes to the loopback server (they are never really contacted).
PUBLIC_IP = "93.184.216.34"
PUBLIC_IP6 = "2606:2800:220:1:248:1893:25c8:1946"
#: A public address with nothing behind it on the fake network.
DEAD_IP = "93.184.216.35"
#: How long the slow routes (and slow DNS answers) keep going before giving up: far beyond any deadline the
#: tests set, so a fetch that stops before them stopped on its own deadline, however busy the machine is.
PATIENCE = 30

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<item><title>Bins</title><link>https://feeds.example/bins</link></item></channel></rss>"""
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 02 Jun 2025 10:00:00 GMT"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "khub-test"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - the name http.server calls
        owner = self.server.owner
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        owner.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        self.close_connection = True
        route = parts.path.strip("/").split("/")
        handler = getattr(self, "route_" + route[0].replace("-", "_"), None)
        try:
            if handler is None:
                self.send(404, b"not found")
            else:
                handler(query, *route[1:])
        except OSError:  # the fetcher gave up and closed the connection: fine
            pass

    # Helpers

    def send(self, status, body=b"", headers=None, *, length=True, chunked=False):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if chunked:
            for start in range(0, len(body), 1000):
                piece = body[start : start + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def feed(self):
        self.send(
            200,
            FEED,
            {
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": ETAG,
                "Last-Modified": LAST_MODIFIED,
            },
        )

    # Routes: /<name>/<args>?<query>

    def route_feed(self, query):
        self.feed()

    def route_echo(self, query):
        """The request's headers, as JSON."""
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send(200, body, {"Content-Type": "application/json"})

    def route_cond(self, query):
        if (
            self.headers.get("If-None-Match") == ETAG
            or self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self.send(304, headers={"ETag": ETAG}, length=False)
        else:
            self.feed()

    def route_redirect(self, query):
        headers = {"Location": query["to"]} if "to" in query else {}
        self.send(int(query.get("status", 302)), b"moved", headers)

    def route_chain(self, query, hops):
        if int(hops) > 0:
            self.send(302, b"", {"Location": f"/chain/{int(hops) - 1}"})
        else:
            self.feed()

    def route_loop(self, query):
        self.send(302, b"", {"Location": "/loop"})

    def route_status(self, query, status):
        self.send(int(status), b"error page")

    def route_bytes(self, query):
        """``size`` bytes, with a Content-Length, chunked (``mode=chunked``) or up to the close."""
        body = b"x" * int(query["size"])
        mode = query.get("mode", "length")
        if mode == "close":
            self.send(200, body, length=False)
        else:
            self.send(200, body, chunked=mode == "chunked")

    def route_declared(self, query):
        """Claims a huge body, then sends a little and dawdles: the fetcher must not wait to find out."""
        self.send_response(200)
        self.send_header("Content-Length", str(10**9))
        self.end_headers()
        self.wfile.write(b"x" * 100)
        time.sleep(2)

    def route_compressed(self, query):
        """``size`` zero bytes, compressed with ``encoding`` (gzip, deflate, raw-deflate or br)."""
        data = b"\0" * int(query["size"])
        encoding = query.get("encoding", "gzip")
        if encoding == "gzip":
            body = gzip.compress(data)
        elif encoding == "deflate":
            body = zlib.compress(data)
        elif encoding == "raw-deflate":
            compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = compressor.compress(data) + compressor.flush()
            encoding = "deflate"
        else:
            body = b"not really brotli"
        self.send(200, body, {"Content-Encoding": encoding}, chunked=query.get("mode") == "chunked")

    def patient(self, name, step):
        """Run ``step`` every 50 ms until the fetcher hangs up (OSError), the test releases the server, or
        :data:`PATIENCE` runs out; only the last is recorded (in ``outlasted``): the fetcher waited it out."""
        owner = self.server.owner
        release = owner.release  # this test's: reset() sets it and makes a new one for the next
        for _ in range(int(PATIENCE / 0.05)):
            step()
            if release.wait(0.05):
                return
        owner.outlasted.append(name)

    def route_drip(self, query):
        """Headers at once, then one byte of body every 50 ms, for as long as the fetcher listens."""
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.patient("drip", lambda: self.wfile.write(b"x"))

    def route_drip_headers(self, query):
        """A status line, then one header line every 50 ms, never finishing."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        numbers = count()
        self.patient("drip-headers", lambda: self.wfile.write(b"X-Slow-%d: y\r\n" % next(numbers)))

    def route_garbage(self, query):
        self.wfile.write(b"SPEAKING NOT HTTP\r\n\r\n")

    def route_silent(self, query):
        """Says nothing at all until released (or out of patience), then sends the feed."""
        self.patient("silent", lambda: None)
        self.feed()


class Server:
    """A threaded HTTP (or, with ``tls``, HTTPS) server on 127.0.0.1 at a random port, recording requests.

    The slow routes keep going until the fetcher hangs up or ``release`` is set; ``outlasted`` names those
    that ran out of patience instead, which a fetcher with a working deadline never lets happen.
    """

    def __init__(self, tls=None):
        self.requests = []
        self.server_names = []  # SNI names of TLS handshakes
        self.release = threading.Event()
        self.outlasted = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        if tls is not None:
            cert, key = tls
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    def reset(self):
        self.release.set()  # let the last test's slow routes go
        self.requests.clear()
        self.server_names.clear()
        self.outlasted.clear()
        self.release = threading.Event()

    @property
    def paths(self):
        return [request["path"] for request in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        owner = self.server.owner
        line = self.rfile.readline(65537).decode("latin-1").strip()
        headers = {}
        while True:
            header = self.rfile.readline(65537).decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, _, rest = line.partition(" ")
        target = rest.rpartition(" ")[0]
        owner.requests.append({"method": method, "target": target, "headers": headers})
        if owner.credentials is not None:
            expected = "Basic " + base64.b64encode(owner.credentials.encode()).decode()
            if headers.get("proxy-authorization") != expected:
                self.reply(
                    b"407 Proxy Authentication Required", b'Proxy-Authenticate: Basic realm="test"\r\n'
                )
                return
        if method != "CONNECT":  # a forward (absolute-form) request: this proxy only tunnels
            self.reply(b"501 Not Implemented")
            return
        host, _, port = target.rpartition(":")
        route = owner.routes.get((host.strip("[]"), int(port)))
        if route is None:
            self.reply(b"502 Bad Gateway")
            return
        upstream = socket.create_connection(route, timeout=5)
        self.reply(b"200 Connection established")
        self.relay(upstream)

    def reply(self, status, extra=b""):
        self.wfile.write(b"HTTP/1.1 " + status + b"\r\n" + extra + b"Content-Length: 0\r\n\r\n")
        self.wfile.flush()

    def relay(self, upstream):
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 5)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()


class Proxy:
    """A threaded HTTP proxy on 127.0.0.1 that only tunnels (``CONNECT``), recording what it was asked.

    It reaches only the ``(address, port)`` pairs routed to a loopback server (like :class:`FakeNetwork`);
    anything else gets ``502``. With ``credentials`` (``"user:password"``) it wants them, else ``407``.
    """

    def __init__(self, credentials=None):
        self.requests = []
        self.routes = {}
        self.credentials = credentials
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ProxyHandler)
        self.tcp.daemon_threads = True
        self.tcp.owner = self
        self.port = self.tcp.server_address[1]
        self.thread = threading.Thread(target=self.tcp.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    def route(self, address, port, server):
        self.routes[(address, port)] = ("127.0.0.1", server.port)

    @property
    def targets(self):
        return [(request["method"], request["target"]) for request in self.requests]

    def close(self):
        self.tcp.shutdown()
        self.tcp.server_close()


class FakeNetwork:
    """Stands in for urllib3's ``create_connection``: records every attempt, routes only known addresses."""

    def __init__(self):
        self.routes = {}
        self.attempts = []

    def route(self, address, port, server):
        self.routes[(address, port)] = ("127.0.0.1", server.port)

    def create_connection(self, address, timeout=None, source_address=None, socket_options=None):
        host, port = address
        self.attempts.append((host, port))
        if (host, port) not in self.routes:
            raise ConnectionRefusedError(f"fake network: nothing listens at {host} port {port}")
        if not isinstance(timeout, int | float):
            timeout = None
        return socket.create_connection(self.routes[(host, port)], timeout)


class StubResolver:
    """``resolver(host, port)`` answering from a table; records every call. Unknown names do not resolve.

    A value may be a list of addresses, or a callable returning one (see :func:`answers`).
    """

    def __init__(self, table):
        self.table = dict(table)
        self.calls = []

    def __call__(self, host, port):
        self.calls.append((host, port))
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answer() if callable(answer) else answer)

    def calls_for(self, host):
        return [call for call in self.calls if call[0] == host]


def answers(*lists):
    """A resolver answer that changes from call to call (DNS rebinding), repeating the last one."""
    counter = count()

    def answer():
        return lists[min(next(counter), len(lists) - 1)]

    return answer


class SlowAnswer:
    """A resolver answer given only when released (or after :data:`PATIENCE`); records whether it was."""

    def __init__(self, addresses):
        self.addresses = addresses
        self.release = threading.Event()
        self.answered = threading.Event()

    def __call__(self):
        self.release.wait(PATIENCE)
        self.answered.set()
        return self.addresses


def make_certificates(directory, name="secure.example"):
    """A throwaway CA and a server certificate for ``name`` signed by it, made with the openssl tool.

    Returns ``(ca_path, cert_path, key_path)``, or None when openssl is not installed.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    key, csr, cert, ext = (directory / name for name in ("server.key", "server.csr", "server.pem", "ext"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run([openssl, *map(str, args)], check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=khub test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
    ext.write_text(
        f"subjectAltName=DNS:{name}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    run("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "2", "-extfile", ext)  # fmt: skip
    return ca_cert, cert, key
