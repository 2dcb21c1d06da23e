"""`add_review` end to end over a real local HTTP server: pages in the shapes review sites use,
extracted exactly, written as review files the corpus loads; bad input writes nothing."""

from __future__ import annotations

import functools
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus, parse_review
from retrieval.errors import DuplicateReview, IngestError
from retrieval.ingest import Upload, add_review, add_reviews, fetch_url
from tests.retrieval.ingest.review_site import PAGES, PLAIN_REVIEW, Site, serve


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The test review site, for this module."""
    with serve() as s:
        yield s


def expected(name: str) -> str:
    return (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def add(site: Site, path: str, data: Path, **kw) -> object:
    return add_review(site.url(path), data_dir=data, allow_private=True, **kw)


# (page path, film, critic, outlet, rating, published, expected text file)
PAGES_SEEN = [
    ("/news.html", "The Lighthouse Keeper's Daughter", "Maya Ortiz", "The Daily Lantern", "4/5",
     "2025-09-14", "news"),
    ("/split.html", "Northbound", "Priya Raman", "Screen Ledger", "3/5", "2025-11-02", "split"),
    ("/amp.html", "Glass Orchard", "Lena Fischer", "Kino Weekly", "7/10", "2025-08-21", "amp"),
    ("/cp1252.html", "Le Dernier Été", "Hélène Marchand", "Ciné Quotidien", "4.5/5",
     "2025-07-09", "cp1252"),
    ("/cp1252-header.html", "Le Dernier Été", "Hélène Marchand", "Ciné Quotidien", "4.5/5",
     "2025-07-09", "cp1252"),
    ("/go/midnight-ferry", "Midnight Ferry", "Sam Okafor", "Frame Rate Magazine", "2.5/5",
     "2025-10-15", "moved"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "film", "critic", "outlet", "rating", "published", "text"),
    PAGES_SEEN,
    ids=[p[0] for p in PAGES_SEEN],
)
def test_review_pages_are_extracted_exactly(
    site: Site, reviews_dir: Path, path, film, critic, outlet, rating, published, text
) -> None:
    """Film, critic, outlet, rating, date and the article text (no ads, shares or comments)."""
    result = add(site, path, reviews_dir)
    assert (result.film, result.critic, result.outlet, result.rating) == (
        film, critic, outlet, rating,
    )  # fmt: skip
    review = parse_review(Path(result.path))
    assert review.body.strip() == expected(text)
    assert (review.film, review.critic, review.outlet, review.rating, review.published) == (
        film, critic, outlet, rating, published,
    )  # fmt: skip
    assert result.words == len(expected(text).split())
    assert review.display_name == f"{critic} ({outlet})"


def test_news_page_file_has_the_documented_front_matter(site: Site, reviews_dir: Path) -> None:
    """The written file is the README's format: known fields only, then the critic's words."""
    result = add(site, "/news.html", reviews_dir)
    assert result.review_id == "the-lighthouse-keepers-daughter-maya-ortiz"
    assert result.path == str(reviews_dir / f"{result.review_id}.md")
    head = Path(result.path).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert head == (
        "---\n"
        "id: the-lighthouse-keepers-daughter-maya-ortiz\n"
        "film: The Lighthouse Keeper's Daughter\n"
        "year: 2025\n"
        "critic: Maya Ortiz\n"
        "outlet: The Daily Lantern\n"
        "title: The Lighthouse Keeper's Daughter review – a storm you can hear\n"
        f"url: {site.url('/news.html')}\n"
        "rating: 4/5\n"
        "published: '2025-09-14'\n"
        "---"
    )
    assert result.to_json() == {
        "review_id": "the-lighthouse-keepers-daughter-maya-ortiz",
        "path": result.path,
        "film": "The Lighthouse Keeper's Daughter",
        "critic": "Maya Ortiz",
        "outlet": "The Daily Lantern",
        "url": site.url("/news.html"),
        "rating": "4/5",
        "words": 250,
    }
    reviews, rejected = load_corpus(reviews_dir)
    assert rejected == [] and len(reviews) == 6


def test_redirected_page_keeps_the_final_url(site: Site, reviews_dir: Path) -> None:
    """After 301 → 302 the review's url is where the article actually lives."""
    result = add(site, "/go/midnight-ferry", reviews_dir)
    assert result.url == site.url("/reviews/2025/midnight-ferry")


def test_blog_with_only_meta_author_needs_film_and_keeps_outlet_missing(
    site: Site, reviews_dir: Path
) -> None:
    """No schema.org data: the critic comes from <meta name=author>, no outlet is invented,
    and the film must be given (never guessed from the headline)."""
    before = snapshot(reviews_dir)
    with pytest.raises(IngestError) as err:
        add(site, "/blog.html", reviews_dir)
    assert str(err.value) == (
        f"{site.url('/blog.html')} does not say which film it reviews (no schema.org "
        "itemReviewed); pass --film"
    )
    assert snapshot(reviews_dir) == before
    result = add(site, "/blog.html", reviews_dir, film="Salt and Iron")
    review = parse_review(Path(result.path))
    assert (review.film, review.critic, review.outlet, review.rating) == (
        "Salt and Iron", "Tom Hadley", None, None,
    )  # fmt: skip
    assert review.title == "Salt and Iron (2025) – first thoughts"
    assert review.body.strip() == expected("blog")


def test_overrides_replace_what_was_extracted(site: Site, reviews_dir: Path) -> None:
    """--critic/--outlet/--rating/--id win over the page's own data."""
    result = add(
        site, "/amp.html", reviews_dir,
        critic="L. Fischer", outlet="Kino", rating="3/5", review_id="glass-orchard-kino",
    )  # fmt: skip
    review = parse_review(Path(result.path))
    assert (review.id, review.critic, review.outlet, review.rating, review.film) == (
        "glass-orchard-kino", "L. Fischer", "Kino", "3/5", "Glass Orchard",
    )  # fmt: skip


def test_login_wall_is_refused(site: Site, reviews_dir: Path) -> None:
    """A paywalled page's teaser is too short to be a review; nothing is written."""
    before = snapshot(reviews_dir)
    with pytest.raises(IngestError) as err:
        add(site, "/login.html", reviews_dir)
    assert str(err.value) == (
        f"Only 22 words of review text in {site.url('/login.html')}; at least 150 are needed "
        "(a login wall, a teaser, or not a review?)"
    )
    assert snapshot(reviews_dir) == before


def test_page_without_article_text_is_refused(site: Site, reviews_dir: Path) -> None:
    """A page with nothing but navigation and images has no review to add."""
    with pytest.raises(IngestError) as err:
        add(site, "/gallery.html", reviews_dir, film="X")
    assert str(err.value) == (
        f"No article text found in {site.url('/gallery.html')} (a login or subscription wall?)"
    )


def test_duplicate_url_names_the_review_holding_it(site: Site, reviews_dir: Path) -> None:
    """Adding a URL twice (even via a redirect) says which review already has it."""
    first = add(site, "/reviews/2025/midnight-ferry", reviews_dir)
    before = snapshot(reviews_dir)
    with pytest.raises(DuplicateReview) as err:
        add(site, "/go/midnight-ferry", reviews_dir)
    assert err.value.review_id == first.review_id
    assert str(err.value) == (
        f"Already added: review {first.review_id!r} ({first.path}) has the URL "
        f"{site.url('/reviews/2025/midnight-ferry')}"
    )
    assert snapshot(reviews_dir) == before


def test_duplicate_text_is_found_by_its_normalised_hash(
    site: Site, reviews_dir: Path, tmp_path: Path
) -> None:
    """The same words from another place (here a .txt with other spacing) are a duplicate."""
    first = add(site, "/news.html", reviews_dir)
    copy = tmp_path / "pasted.txt"
    copy.write_text(expected("news").replace(". ", ".  ").replace("'", "’"), encoding="utf-8")
    with pytest.raises(DuplicateReview, match=r"has the same text$") as err:
        add_review(str(copy), data_dir=reviews_dir, film="The Lighthouse Keeper's Daughter")
    assert err.value.review_id == first.review_id


def test_shipped_review_text_is_a_duplicate(reviews_dir: Path, tmp_path: Path) -> None:
    """Re-adding a shipped review's words as plain text names the shipped review."""
    body = parse_review(reviews_dir / "total-banger.md").body
    source = tmp_path / "banger.txt"
    source.write_text(body, encoding="utf-8")
    with pytest.raises(DuplicateReview, match=r"^Already added: review 'total-banger' "):
        add_review(str(source), data_dir=reviews_dir, film="Ballerina")


def test_plain_text_url_needs_film(site: Site, reviews_dir: Path) -> None:
    """A text/plain page is taken as the review's words, with its URL, and needs --film."""
    result = add(site, "/paper-moons.txt", reviews_dir, film="Paper Moons")
    review = parse_review(Path(result.path))
    assert review.body.strip() == PLAIN_REVIEW.strip()
    assert (review.url, review.critic, review.outlet) == (site.url("/paper-moons.txt"), None, None)
    assert review.display_name == "Unattributed review (127.0.0.1)"


def test_private_address_refused_unless_allowed(site: Site, reviews_dir: Path) -> None:
    """add_review refuses 127.0.0.1 by default and writes nothing."""
    before = snapshot(reviews_dir)
    with pytest.raises(IngestError, match=r"^Refused to fetch from 127\.0\.0\.1: a loopback"):
        add_review(site.url("/news.html"), data_dir=reviews_dir)
    assert snapshot(reviews_dir) == before


def test_fetch_is_injectable(site: Site, reviews_dir: Path) -> None:
    """A caller may pass its own fetcher (here one with a small size cap)."""
    small = functools.partial(fetch_url, max_bytes=1000)
    with pytest.raises(IngestError, match=r"larger than the 1,000-byte limit$"):
        add_review(site.url("/news.html"), data_dir=reviews_dir, allow_private=True, fetch=small)


def test_dry_run_writes_nothing_and_returns_the_file(site: Site, reviews_dir: Path) -> None:
    """dry_run returns the would-be file content and leaves the folder as it was."""
    before = snapshot(reviews_dir)
    result = add(site, "/split.html", reviews_dir, dry_run=True)
    assert snapshot(reviews_dir) == before
    assert result.written is False
    assert result.content.startswith("---\nid: northbound-priya-raman\nfilm: Northbound\n")
    assert result.content.endswith(expected("split") + "\n")


def test_html_and_markdown_files(reviews_dir: Path, tmp_path: Path) -> None:
    """A saved .html page is extracted like a fetched one; a .md review file is taken as is."""
    saved = tmp_path / "saved.htm"
    saved.write_bytes((PAGES / "amp.html").read_bytes())
    result = add_review(str(saved), data_dir=reviews_dir)
    assert (result.critic, result.film, result.rating) == ("Lena Fischer", "Glass Orchard", "7/10")
    assert result.url == "https://kinoweekly.example/reviews/glass-orchard"  # its canonical link

    md = tmp_path / "my-northbound.md"
    md.write_text("---\nfilm: Northbound\ncritic: Ann Lee\n---\n" + expected("split"), "utf-8")
    result = add_review(str(md), data_dir=reviews_dir)
    assert result.review_id == "my-northbound"
    assert Path(result.path).read_bytes() == md.read_bytes()


def test_stdin_is_plain_text(reviews_dir: Path) -> None:
    """`-` reads stdin as the review's words; the film is required."""
    data = io.BytesIO(PLAIN_REVIEW.encode("utf-8"))
    result = add_review("-", data_dir=reviews_dir, film="Paper Moons", critic="Jo Bright",
                        stdin=data)  # fmt: skip
    assert result.review_id == "paper-moons-jo-bright"
    assert parse_review(Path(result.path)).body.strip() == PLAIN_REVIEW.strip()


def test_text_that_is_not_utf8_is_decoded_by_detection(reviews_dir: Path, tmp_path: Path) -> None:
    """A windows-1252 .txt with curly quotes is read correctly and written as UTF-8."""
    source = tmp_path / "cp1252.txt"
    source.write_bytes(expected("cp1252").encode("cp1252"))
    result = add_review(str(source), data_dir=reviews_dir, film="Le Dernier Été")
    assert parse_review(Path(result.path)).body.strip() == expected("cp1252")


def test_undecodable_bytes_are_refused(reviews_dir: Path, tmp_path: Path) -> None:
    """Binary junk in a .txt is refused with one line, nothing written."""
    source = tmp_path / "junk.txt"
    source.write_bytes(bytes(range(256)) * 40)
    before = snapshot(reviews_dir)
    with pytest.raises(IngestError) as err:
        add_review(str(source), data_dir=reviews_dir, film="X")
    assert str(err.value) == (
        f"{source} is not UTF-8 and its character encoding could not be detected"
    )
    assert snapshot(reviews_dir) == before


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("notes.docx", "Cannot add notes.docx: a SOURCE is an http(s) URL"),
        ("missing.txt", "No such file: missing.txt"),
        ("file:///etc/passwd", "Only http and https URLs can be added"),
        ("javascript:alert(1)", "Only http and https URLs can be added"),
    ],
)
def test_unusable_sources_are_one_line(reviews_dir: Path, source: str, message: str) -> None:
    """Unknown kinds of file, missing files and other URL schemes are refused."""
    with pytest.raises(IngestError, match=f"^{re.escape(message)}"):
        add_review(source, data_dir=reviews_dir, film="X")


def test_fifo_source_is_refused(reviews_dir: Path, tmp_path: Path) -> None:
    """A FIFO given as a .txt source is refused without blocking."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(IngestError, match=r"is a FIFO \(named pipe\), not a regular file$"):
        add_review(str(fifo), data_dir=reviews_dir, film="X")


def test_a_batch_is_all_or_nothing(site: Site, reviews_dir: Path) -> None:
    """Two good pages and one bad: nothing is written."""
    before = snapshot(reviews_dir)
    with pytest.raises(IngestError, match="login"):
        add_reviews(
            [site.url("/news.html"), site.url("/amp.html"), site.url("/login.html")],
            data_dir=reviews_dir, allow_private=True,
        )  # fmt: skip
    assert snapshot(reviews_dir) == before
    results = add_reviews(
        [site.url("/news.html"), site.url("/amp.html")], data_dir=reviews_dir, allow_private=True
    )
    assert [r.critic for r in results] == ["Maya Ortiz", "Lena Fischer"]
    assert json.loads(json.dumps([r.to_json() for r in results]))[1]["rating"] == "7/10"


def test_upload_is_read_like_a_file_of_its_name(reviews_dir: Path) -> None:
    """An attachment's bytes (.html here) are extracted like a saved page; the name's folder
    part is ignored."""
    upload = Upload("../../etc/split.html", (PAGES / "split.html").read_bytes())
    result = add_review(upload, data_dir=reviews_dir, allow_files=False)
    assert (result.critic, result.outlet, result.film) == (
        "Priya Raman",
        "Screen Ledger",
        "Northbound",
    )
    assert parse_review(Path(result.path)).body.strip() == expected("split")


def test_paths_are_refused_when_files_are_not_allowed(reviews_dir: Path, tmp_path: Path) -> None:
    """With allow_files=False (a chat adapter) a typed path or `-` never reads the host's files."""
    secret = tmp_path / "secret.txt"
    secret.write_text(PLAIN_REVIEW, encoding="utf-8")
    for source in (str(secret), "-"):
        with pytest.raises(IngestError, match=r"^Only http and https URLs can be added here"):
            add_review(source, data_dir=reviews_dir, film="X", allow_files=False)


def test_review_over_the_index_cap_is_not_written(site: Site, reviews_dir: Path) -> None:
    """A review the indexer would reject for its size is refused before writing."""
    with pytest.raises(IngestError, match=r"review files are limited to 1,000 \("):
        add(site, "/news.html", reviews_dir, max_review_bytes=1000)
