"""Fetch one web page for `reviewbot add` — safely, because the URL may come from a chat user.

    fetch_url(url, *, allow_private=False, resolve=resolve_host, trusted_hosts=(),
              timeout=TIMEOUT, max_bytes=MAX_BYTES, max_redirects=MAX_REDIRECTS) -> Fetched

- http and https only; no credentials in the URL.
- Every hop's host is resolved here and refused when any of its addresses is private, loopback,
  link-local, multicast, reserved or otherwise not global (unless `allow_private`); the
  connection then goes to the address that was checked (the Host header and TLS SNI keep the
  name), so a DNS answer cannot change between the check and the connect.
- Redirects are followed by hand, at most `max_redirects`, each target checked like the first URL.
- The body is streamed and cut at `max_bytes` (Content-Length is not trusted), within connect,
  read and overall time limits; only text/html, application/xhtml+xml and text/plain are read.

`trusted_hosts` names hosts that may resolve to private addresses (a self-hosted source);
redirect targets are checked on their own names, so a trusted host cannot redirect into the
private network under another name.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

import httpx

from ..errors import IngestError

log = logging.getLogger(__name__)

USER_AGENT = "reviewbot/0.1 (film-review question bot; fetches one review page on request)"
MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
# Seconds: connecting, waiting for each read, and the whole download.
TIMEOUT = {"connect": 5.0, "read": 10.0, "total": 30.0}
CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_REDIRECTS = {301, 302, 303, 307, 308}
PRIVATE_HINT = "set REVIEWBOT_ALLOW_PRIVATE_URLS=1 to allow private and loopback addresses"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# resolve(host, port) -> the host's IP addresses as text.
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Fetched:
    """A page as fetched: the final URL (after redirects), its media type, charset and bytes."""

    url: str
    content: bytes
    media_type: str
    charset: str | None
    redirects: tuple[str, ...] = ()


def resolve_host(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be fetched without allow_private (None: it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    # Most specific first: 169.254/16 and ::1 also count as "private" to ipaddress.
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            article = "an" if kind == "unspecified" else "a"
            return f"{article} {kind.replace('_', '-')} address"
    if not address.is_global:
        return "not a public address"
    return None


def _check_host(
    host: str, port: int, *, allow_private: bool, trusted: bool, resolve: Resolver
) -> str:
    """The address to connect to for `host`, after checking every address it resolves to."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = resolve(host, port)
        except (OSError, UnicodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise IngestError(f"Cannot resolve the host {host}: {reason}") from None
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise IngestError(f"Cannot resolve the host {host}: no addresses")
    if not (allow_private or trusted):
        for address in addresses:
            why = refusal(address)
            if why is not None:
                shown = host if literal is not None else f"{host} ({address})"
                raise IngestError(f"Refused to fetch from {shown}: {why} ({PRIVATE_HINT})")
    return str(addresses[0])


def _target(url: httpx.URL) -> tuple[str, int]:
    if url.scheme not in ("http", "https"):
        raise IngestError(
            f"Only http and https URLs can be added, not {url.scheme or 'this'}: {url}"
        )
    if url.userinfo:
        raise IngestError("URLs with a user name or password are not fetched")
    host = url.raw_host.decode("ascii")
    if not host:
        raise IngestError(f"The URL {url} has no host")
    return host, url.port or (443 if url.scheme == "https" else 80)


def _media_type(response: httpx.Response) -> tuple[str, str | None]:
    header = response.headers.get("content-type", "")
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    resolve: Resolver = resolve_host,
    trusted_hosts: Collection[str] = (),
    timeout: dict[str, float] | None = None,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET `url` under the rules in this module's docstring; raise IngestError (one line)."""
    limits = {**TIMEOUT, **(timeout or {})}
    try:
        current = httpx.URL(url.strip())
    except httpx.InvalidURL as err:
        raise IngestError(f"Not a valid URL: {url!r} ({err})") from None
    trusted = {h.lower() for h in trusted_hosts}
    hops: list[str] = []
    deadline = time.monotonic() + limits["total"]
    # trust_env=False: no proxy from the environment, so the checked address is the one dialled.
    with httpx.Client(
        timeout=httpx.Timeout(limits["read"], connect=limits["connect"]),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": ", ".join(CONTENT_TYPES) + ";q=0.9"},
    ) as client:
        while True:
            host, port = _target(current)
            address = _check_host(
                host, port, allow_private=allow_private,
                trusted=host.lower() in trusted, resolve=resolve,
            )  # fmt: skip
            # Dial the address just checked; Host and SNI carry the name (certificates still
            # verify against it).
            pinned = current.copy_with(host=address)
            headers = {"Host": current.netloc.decode("ascii")}
            extensions = {"sni_hostname": host} if current.scheme == "https" else {}
            try:
                with client.stream(
                    "GET", pinned, headers=headers, extensions=extensions
                ) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        if len(hops) >= max_redirects:
                            raise IngestError(
                                f"Too many redirects from {url} (more than {max_redirects})"
                            )
                        hops.append(str(current))
                        current = current.join(response.headers["location"])
                        log.info("redirected to %s", current)
                        continue
                    if response.status_code >= 400:
                        phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
                        raise IngestError(f"{current} returned HTTP {response.status_code}{phrase}")
                    if response.status_code != 200:
                        raise IngestError(
                            f"{current} returned HTTP {response.status_code}, not a page"
                        )
                    media, charset = _media_type(response)
                    if media not in CONTENT_TYPES:
                        raise IngestError(
                            f"{current} is {media or 'of no stated type'}, not a web page "
                            f"({', '.join(CONTENT_TYPES)})"
                        )
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise IngestError(
                                f"{current} is larger than the {max_bytes:,}-byte limit"
                            )
                        if time.monotonic() > deadline:
                            raise IngestError(
                                f"{current} took longer than {limits['total']:g} s to download"
                            )
                    return Fetched(str(current), bytes(body), media, charset, tuple(hops))
            except httpx.TimeoutException as err:
                what = "connecting to" if isinstance(err, httpx.ConnectTimeout) else "reading"
                raise IngestError(f"Timed out {what} {current}") from None
            except httpx.HTTPError as err:
                reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                raise IngestError(f"Cannot fetch {current}: {reason}") from None
