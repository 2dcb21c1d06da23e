"""Safe fetching against a real HTTP server on 127.0.0.1 (no network beyond loopback)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from retrieval.errors import IngestError
from retrieval.ingest.fetch import USER_AGENT, fetch_url, refusal
from tests.retrieval.ingest.review_site import PAGES, Site, serve


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The test review site, for this module."""
    with serve() as s:
        yield s


def names(mapping: dict[str, str]):
    """A resolver answering from `mapping` (host → address), like DNS for made-up names."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in mapping:
            raise OSError(-2, "Name or service not known")
        return [mapping[host]]

    return resolve


def test_page_is_fetched_with_its_type_charset_and_user_agent(site: Site) -> None:
    """A page comes back byte for byte with its media type; the request names reviewbot."""
    page = fetch_url(site.url("/news.html"), allow_private=True)
    assert page.content == (PAGES / "news.html").read_bytes()
    assert (page.media_type, page.charset, page.redirects) == ("text/html", "utf-8", ())
    assert page.url == site.url("/news.html")
    assert USER_AGENT.startswith("reviewbot/")


def test_redirect_chain_is_followed_to_the_article(site: Site) -> None:
    """301 → 302 (relative Location) → 200: the final URL and each hop are reported."""
    page = fetch_url(site.url("/go/midnight-ferry"), allow_private=True)
    assert page.url == site.url("/reviews/2025/midnight-ferry")
    assert page.redirects == (
        site.url("/go/midnight-ferry"),
        site.url("/reviews/2025/midnight-ferry-old"),
    )
    assert page.content == (PAGES / "moved.html").read_bytes()


def test_loopback_url_is_refused_before_any_request(site: Site) -> None:
    """Without allow_private, http://127.0.0.1 is refused and the server never sees a request."""
    before = len(site.hits)
    with pytest.raises(IngestError) as err:
        fetch_url(site.url("/news.html"))
    assert str(err.value) == (
        "Refused to fetch from 127.0.0.1: a loopback address (set "
        "REVIEWBOT_ALLOW_PRIVATE_URLS=1 to allow private and loopback addresses)"
    )
    assert len(site.hits) == before


def test_redirect_to_loopback_is_refused_after_an_allowed_hop(site: Site) -> None:
    """A trusted first host that redirects to 127.0.0.1 is stopped at the redirect."""
    resolve = names({"reviews.test": "127.0.0.1"})
    with pytest.raises(IngestError, match=r"^Refused to fetch from 127\.0\.0\.1: a loopback"):
        fetch_url(
            site.url("/to-loopback", host="reviews.test"),
            resolve=resolve, trusted_hosts={"reviews.test"},
        )  # fmt: skip
    assert site.hits[-1] == "/to-loopback"


def test_redirect_to_a_name_resolving_to_loopback_is_refused(site: Site) -> None:
    """Every hop's name is resolved and checked again, not just the first URL's."""
    resolve = names({"reviews.test": "127.0.0.1", "sneaky.test": "127.0.0.1"})
    with pytest.raises(IngestError) as err:
        fetch_url(
            site.url("/to-sneaky", host="reviews.test"),
            resolve=resolve, trusted_hosts={"reviews.test"},
        )  # fmt: skip
    assert str(err.value).startswith("Refused to fetch from sneaky.test (127.0.0.1): a loopback")
    assert site.hits[-1] == "/to-sneaky"


def test_a_name_with_any_private_address_is_refused() -> None:
    """A host resolving to a public and a private address is refused (no connection made)."""

    def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(IngestError, match=r"reviews\.test \(10\.0\.0\.7\): a private address"):
        fetch_url("http://reviews.test/review.html", resolve=resolve)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("192.168.1.10", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "not a public address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("64:ff9b::a00:1", "a private address"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_classes(address: str, why: str | None) -> None:
    """Loopback, private, link-local, multicast, reserved and mapped addresses are refused."""
    assert refusal(ipaddress.ip_address(address)) == why


def test_too_many_redirects_is_refused(site: Site) -> None:
    """A redirect loop stops after five redirects with one line."""
    with pytest.raises(IngestError, match=r"^Too many redirects from .*/loop \(more than 5\)$"):
        fetch_url(site.url("/loop"), allow_private=True)
    assert site.hits[-6:] == ["/loop"] * 6


@pytest.mark.parametrize("path", ["/huge.html", "/chunked.html"])
def test_size_cap_is_enforced_while_streaming(site: Site, path: str) -> None:
    """A body over the cap is cut off while streaming; no Content-Length is needed to know."""
    with pytest.raises(IngestError, match=r"is larger than the 100,000-byte limit$"):
        fetch_url(site.url(path), allow_private=True, max_bytes=100_000)


def test_read_timeout(site: Site) -> None:
    """A server that does not answer within the read timeout is given up on."""
    with pytest.raises(IngestError, match=r"^Timed out reading .*/slow\.html$"):
        fetch_url(site.url("/slow.html"), allow_private=True, timeout={"read": 0.5})


def test_overall_download_deadline(site: Site) -> None:
    """A page dripping a little at a time is stopped by the overall deadline."""
    with pytest.raises(IngestError, match=r"took longer than 0\.6 s to download$"):
        fetch_url(site.url("/drip.html"), allow_private=True, timeout={"total": 0.6})


def test_connect_failure_is_one_line() -> None:
    """Nothing listening on the port: one line naming the URL."""
    with pytest.raises(IngestError, match=r"^Cannot fetch http://127\.0\.0\.1:9/x: "):
        fetch_url("http://127.0.0.1:9/x", allow_private=True)


def test_unknown_host_is_one_line() -> None:
    """A name that does not resolve is reported as such."""
    with pytest.raises(IngestError, match=r"^Cannot resolve the host nowhere\.test: Name or"):
        fetch_url("http://nowhere.test/review", resolve=names({}))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "returned HTTP 404 Not Found"),
        ("/broken", "returned HTTP 500 Internal Server Error"),
        ("/review.pdf", "is application/pdf, not a web page"),
        ("/untyped", "is of no stated type, not a web page"),
    ],
)
def test_error_statuses_and_other_content_are_refused(site: Site, path: str, message: str) -> None:
    """404/500 and non-text content types end in one line naming the URL."""
    with pytest.raises(IngestError) as err:
        fetch_url(site.url(path), allow_private=True)
    assert str(err.value).startswith(site.url(path) + " " + message)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/review.html", "Only http and https URLs can be added, not ftp"),
        ("file:///etc/passwd", "Only http and https URLs can be added, not file"),
        ("http://user:secret@example.org/", "URLs with a user name or password are not fetched"),
    ],
)
def test_other_schemes_and_credentials_are_refused(url: str, message: str) -> None:
    """Only plain http(s) URLs are fetched."""
    with pytest.raises(IngestError, match=f"^{message}"):
        fetch_url(url, resolve=names({}))
