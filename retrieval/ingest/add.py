"""`add_review`: one review from a URL, a file or stdin into the data folder — or nothing at all.

Every check runs before anything is written; a bad source raises IngestError with one line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from ..corpus import DEFAULT_MAX_REVIEW_BYTES, load_corpus, parse_review, read_review_bytes
from ..errors import IngestError, ReviewFileError
from ..models import Review, url_host
from .extract import Extracted, decode, extract_html, extract_text, with_overrides
from .fetch import MAX_BYTES, Fetched, fetch_url
from .write import check_id, find_duplicate, new_id, review_file, text_key, url_key, write_atomic

# Fewer words than this is a teaser, a login wall or a capsule, not a review to quote.
MIN_WORDS = 150
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = (*HTML_SUFFIXES, ".md", ".txt")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]+:")  # ftp:, file:, data:, javascript: …
SOURCES_HELP = "an http(s) URL, a .html/.htm/.md/.txt file, or - for stdin"

Fetch = Callable[..., Fetched]  # fetch(url, *, allow_private: bool) -> Fetched


@dataclass(frozen=True)
class AddResult:
    """One review added (or, with dry_run, the file that would be written)."""

    review_id: str
    path: str
    film: str
    critic: str | None
    outlet: str | None
    url: str | None
    rating: str | None
    words: int
    content: str
    written: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "path": self.path,
            "film": self.film,
            "critic": self.critic,
            "outlet": self.outlet,
            "url": self.url,
            "rating": self.rating,
            "words": self.words,
        }


@dataclass(frozen=True)
class _Draft:
    found: Extracted
    urls: tuple[str, ...]  # every URL the page was reached by (for duplicate checks)
    raw_md: bytes | None  # a .md review file taken as it is
    md_id: str | None
    where: str


@dataclass(frozen=True)
class Upload:
    """A file's name and bytes (e.g. a chat attachment), read like a local file of that name."""

    name: str
    data: bytes


Source = str | Upload


def _read_source(
    source: Source, *, fetch: Fetch, allow_private: bool, allow_files: bool, stdin: BinaryIO
) -> _Draft:
    if isinstance(source, Upload):
        if len(source.data) > MAX_BYTES:
            raise IngestError(f"{source.name} is larger than the {MAX_BYTES:,}-byte limit")
        return _from_file(Path(Path(source.name).name), source.data, source.name)
    low = source.strip().lower()
    if low.startswith(("http://", "https://")):
        page = fetch(source.strip(), allow_private=allow_private)
        text = decode(page.content, page.charset, where=page.url)
        found = (
            extract_text(text)
            if page.media_type == "text/plain"
            else extract_html(text, url=page.url)
        )
        if page.media_type == "text/plain":
            found = replace(found, url=page.url)
        return _Draft(found, (source.strip(), *page.redirects, page.url), None, None, page.url)
    if not allow_files:
        raise IngestError(f"Only http and https URLs can be added here, not {source!r}")
    if _SCHEME.match(low) and not Path(source).exists():
        raise IngestError(f"Only http and https URLs can be added: {source}")
    if source == "-":
        raw = stdin.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise IngestError(f"stdin is larger than the {MAX_BYTES:,}-byte limit")
        return _Draft(extract_text(decode(raw, where="stdin")), (), None, None, "stdin")
    path = Path(source)
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(f"Cannot add {source}: a SOURCE is {SOURCES_HELP}")
    if not path.exists() and not path.is_symlink():
        raise IngestError(f"No such file: {source}")
    try:
        raw = read_review_bytes(path, max_bytes=MAX_BYTES)
    except ReviewFileError as err:
        raise IngestError(str(err)) from None
    return _from_file(path, raw, source)


def _from_file(path: Path, raw: bytes, where: str) -> _Draft:
    """A saved page (.html/.htm), a review file (.md) or plain text (.txt, .md without front
    matter), by the name's suffix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"Cannot add {where}: a SOURCE is {SOURCES_HELP}")
    text = decode(raw, where=where)
    if suffix in HTML_SUFFIXES:
        return _Draft(extract_html(text), (), None, None, where)
    if suffix == ".md" and text.lstrip("\ufeff").lstrip().startswith("---"):
        try:
            review = parse_review(path, text.encode())
        except ReviewFileError as err:
            raise IngestError(str(err)) from None
        found = Extracted(
            text=review.body, film=review.film, critic=review.critic, outlet=review.outlet,
            title=review.title, url=review.url, rating=review.rating,
            published=review.published, year=review.year,
        )  # fmt: skip
        return _Draft(found, (), text.encode(), review.id, where)
    return _Draft(extract_text(text), (), None, None, where)


def _check(found: Extracted, where: str) -> None:
    if not found.text.strip():
        raise IngestError(f"No article text found in {where} (a login or subscription wall?)")
    if found.words < MIN_WORDS:
        raise IngestError(
            f"Only {found.words} words of review text in {where}; at least {MIN_WORDS} are "
            "needed (a login wall, a teaser, or not a review?)"
        )
    if not found.film:
        raise IngestError(
            f"{where} does not say which film it reviews (no schema.org itemReviewed); pass --film"
        )


def add_reviews(
    sources: Sequence[Source],
    *,
    data_dir: Path,
    film: str | None = None,
    critic: str | None = None,
    outlet: str | None = None,
    rating: str | None = None,
    review_id: str | None = None,
    allow_private: bool = False,
    allow_files: bool = True,
    dry_run: bool = False,
    fetch: Fetch = fetch_url,
    stdin: BinaryIO | None = None,
    max_review_bytes: int = DEFAULT_MAX_REVIEW_BYTES,
) -> list[AddResult]:
    """Add every source, or none: all are read and checked before the first file is written.

    A source is a URL, a local path, `-` (stdin) or an `Upload`. Adapters serving untrusted
    users pass `allow_files=False`, so a typed path can never read a file on the host.
    `max_review_bytes` is the indexer's cap on a review file (REVIEWBOT_MAX_REVIEW_BYTES): a
    review the index would reject is not written.
    """
    if not sources:
        raise IngestError(f"Nothing to add: give {SOURCES_HELP}")
    if review_id is not None and len(sources) > 1:
        raise IngestError("--id names one review; give a single SOURCE with it")
    if not data_dir.is_dir():
        raise IngestError(f"The reviews folder {data_dir} does not exist")
    existing: list[Review] = load_corpus(data_dir)[0]
    taken = {r.id for r in existing} | {p.stem for p in data_dir.glob("*.md")}
    overrides = {"film": film, "critic": critic, "outlet": outlet, "rating": rating}
    planned: list[tuple[str, bytes, Extracted, str | None]] = []
    for source in sources:
        draft = _read_source(
            source, fetch=fetch, allow_private=allow_private, allow_files=allow_files,
            stdin=stdin or sys.stdin.buffer,
        )  # fmt: skip
        found = with_overrides(draft.found, **overrides)
        _check(found, draft.where)
        find_duplicate(found, existing, draft.urls)
        for other_id, _, other, _ in planned:
            same_url = found.url and other.url and url_key(found.url) == url_key(other.url)
            if same_url or text_key(found.text) == text_key(other.text):
                raise IngestError(f"{draft.where} is the same review as {other_id} in this batch")
        rid = check_id(review_id) if review_id else None
        rid = rid or draft.md_id or new_id(found, taken, url_host(found.url))
        if rid in taken:
            holder = next((r.path for r in existing if r.id == rid), f"{data_dir / rid}.md")
            raise IngestError(f"The id {rid!r} is already used by {holder}; pass another --id")
        as_is = draft.raw_md is not None and found == draft.found and rid == draft.md_id
        content = draft.raw_md if as_is and draft.raw_md else review_file(found, rid)
        if len(content) > max_review_bytes:
            raise IngestError(
                f"The review from {draft.where} would be {len(content):,} bytes; review files "
                f"are limited to {max_review_bytes:,} (REVIEWBOT_MAX_REVIEW_BYTES)"
            )
        try:  # the file as the indexer will read it
            parse_review(data_dir / f"{rid}.md", content)
        except ReviewFileError as err:
            raise IngestError(str(err)) from None
        taken.add(rid)
        planned.append((rid, content, found, draft.where))

    results: list[AddResult] = []
    written: list[Path] = []
    try:
        for rid, content, found, _ in planned:
            path = data_dir / f"{rid}.md"
            if not dry_run:
                path = write_atomic(data_dir, rid, content)
                written.append(path)
            results.append(
                AddResult(
                    review_id=rid,
                    path=str(path),
                    film=found.film or "",
                    critic=found.critic,
                    outlet=found.outlet,
                    url=found.url,
                    rating=found.rating,
                    words=found.words,
                    content=content.decode(),
                    written=not dry_run,
                )
            )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return results


def add_review(source: Source, **options: Any) -> AddResult:
    """Add one review (see `add_reviews` for the options)."""
    return add_reviews([source], **options)[0]
