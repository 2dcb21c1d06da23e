"""A small review website on 127.0.0.1 for the ingest tests: real HTTP, real sockets.

Routes serve the pages in ./pages with the headers review sites send, plus redirects, errors,
slow and oversized responses. `Site.hits` records every request path (to prove a refused URL
was never requested).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).parent / "pages"
HTML = "text/html; charset=utf-8"

PLAIN_REVIEW = (
    "Paper Moons is a small film about a retired astronomer who builds a planetarium in her "
    "garden shed, and it is far more moving than that sentence suggests.\n\n"
) + " ".join(["The shed scenes glow with a warmth the rest of the film keeps reaching for."] * 12)


@dataclass
class Site:
    port: int
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


Route = Callable[[BaseHTTPRequestHandler, Site], None]


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None = HTML) -> None:
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _page(name: str, ctype: str | None = HTML) -> Route:
    return lambda h, site: _send(h, 200, (PAGES / name).read_bytes(), ctype)


def _redirect(status: int, location: Callable[[Site], str]) -> Route:
    def route(h: BaseHTTPRequestHandler, site: Site) -> None:
        h.send_response(status)
        h.send_header("Location", location(site))
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def _huge(h: BaseHTTPRequestHandler, site: Site) -> None:
    """300 kB of HTML without a Content-Length (the size is only known by reading it)."""
    h.send_response(200)
    h.send_header("Content-Type", HTML)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b"<html><body>")
    for _ in range(300):
        h.wfile.write(b"<p>" + b"more words " * 90 + b"</p>\n")
    h.close_connection = True


def _chunked(h: BaseHTTPRequestHandler, site: Site) -> None:
    """300 kB in HTTP/1.1 chunks of 3 kB, then the connection closes."""
    h.protocol_version = "HTTP/1.1"
    h.send_response(200)
    h.send_header("Content-Type", HTML)
    h.send_header("Transfer-Encoding", "chunked")
    h.send_header("Connection", "close")
    h.end_headers()
    chunk = b"<p>" + b"chunk " * 500 + b"</p>"
    for _ in range(100):
        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    h.wfile.write(b"0\r\n\r\n")
    h.close_connection = True


def _slow(h: BaseHTTPRequestHandler, site: Site) -> None:
    time.sleep(3)
    _send(h, 200, (PAGES / "news.html").read_bytes())


def _drip(h: BaseHTTPRequestHandler, site: Site) -> None:
    """Headers at once, then a few bytes every 0.2 s for 3 s (each read is quick)."""
    h.send_response(200)
    h.send_header("Content-Type", HTML)
    h.send_header("Connection", "close")
    h.end_headers()
    for _ in range(15):
        h.wfile.write(b"<p>drip</p>\n")
        h.wfile.flush()
        time.sleep(0.2)
    h.close_connection = True


ROUTES: dict[str, Route] = {
    "/news.html": _page("news.html"),
    "/blog.html": _page("blog.html"),
    "/split.html": _page("split.html"),
    "/amp.html": _page("amp.html"),
    # The charset only in the page's <meta http-equiv>, as many old sites do …
    "/cp1252.html": _page("cp1252.html", "text/html"),
    # … and only in the HTTP header.
    "/cp1252-header.html": _page("cp1252.html", "text/html; charset=windows-1252"),
    "/login.html": _page("login.html"),
    "/reviews/2025/midnight-ferry": _page("moved.html"),
    # A short link → an old slug (relative Location) → the article.
    "/go/midnight-ferry": _redirect(301, lambda s: s.url("/reviews/2025/midnight-ferry-old")),
    "/reviews/2025/midnight-ferry-old": _redirect(302, lambda s: "midnight-ferry"),
    "/loop": _redirect(302, lambda s: "/loop"),
    "/to-loopback": _redirect(302, lambda s: s.url("/news.html")),
    "/to-sneaky": _redirect(307, lambda s: s.url("/news.html", host="sneaky.test")),
    "/paper-moons.txt": lambda h, s: _send(
        h, 200, PLAIN_REVIEW.encode(), "text/plain; charset=utf-8"
    ),
    "/gallery.html": lambda h, s: _send(
        h, 200, b"<html><body><div class='gallery'><img src='1.jpg'></div></body></html>"
    ),
    "/review.pdf": lambda h, s: _send(h, 200, b"%PDF-1.7\n", "application/pdf"),
    "/untyped": lambda h, s: _send(h, 200, b"<p>hello</p>", None),
    "/missing": lambda h, s: _send(h, 404, b"<h1>Not found</h1>"),
    "/broken": lambda h, s: _send(h, 500, b"<h1>Oops</h1>"),
    "/huge.html": _huge,
    "/chunked.html": _chunked,
    "/slow.html": _slow,
    "/drip.html": _drip,
}


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        self.site.hits.append(self.path)
        route = ROUTES.get(self.path.split("?", 1)[0])
        if route is None:
            _send(self, 404, b"<h1>Not found</h1>")
        else:
            route(self, self.site)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-body (size cap, timeouts) are expected here; stay quiet."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve() -> Iterator[Site]:
    """Run the site on 127.0.0.1 (a free port) until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    site = Site(server.server_address[1])
    _Handler.site = site
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
