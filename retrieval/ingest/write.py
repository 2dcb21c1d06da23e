"""Turn extracted review data into a review file and write it into the data folder.

review_file(found, review_id) -> bytes          # front matter (README "Review files") + body
new_id(found, taken) -> str                     # a safe, readable, unused id
find_duplicate(found, existing, url=...)        # the review already holding this URL or text
write_atomic(data_dir, review_id, content) -> Path   # never replaces an existing file
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

from ..corpus import _ID
from ..errors import DuplicateReview, IngestError
from ..models import Review
from .extract import Extracted

FIELDS = ("film", "year", "critic", "outlet", "title", "url", "rating", "published")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|amp)$", re.I)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def slug(text: str, limit: int = 60) -> str:
    """ASCII, lower case, words joined by '-', cut at a word boundary within `limit`."""
    text = re.sub(r"['’]", "", text)  # keeper's → keepers, not keeper-s
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


def new_id(found: Extracted, taken: Collection[str], host: str | None = None) -> str:
    """`<film>-<critic|outlet|host>` (or `<title>`/`<film>-review`), made unique with -2, -3…"""
    who = found.critic or found.outlet or host
    base = slug(f"{found.film} {who}") if who else slug(found.title or f"{found.film} review")
    base = base or "review"
    taken_lower = {t.lower() for t in taken}
    candidate, n = base, 2
    while candidate.lower() in taken_lower:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def check_id(review_id: str) -> str:
    if not _ID.match(review_id):
        raise IngestError(
            f"The id {review_id!r} may use only letters, digits, '.', '_' and '-' "
            "(starting with a letter or digit, at most 128 characters)"
        )
    return review_id


def review_file(found: Extracted, review_id: str) -> bytes:
    """The review file's bytes: YAML front matter with the known fields only, then the text."""
    meta: dict[str, object] = {"id": review_id}
    for field in FIELDS:
        value = getattr(found, field)
        if value is not None and value != "":
            meta[field] = value
    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{head}---\n\n{found.text.strip()}\n".encode()


def url_key(url: str) -> str:
    """A URL reduced to what names the page: no scheme, www., fragment, tracking or trailing /."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return url.strip().lower()
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{query}" if query else "")


def text_key(text: str) -> str:
    """A hash of the text with case, quote styles, dashes and spacing normalised."""
    norm = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return hashlib.sha256(" ".join(norm.split()).encode()).hexdigest()


def find_duplicate(found: Extracted, existing: Iterable[Review], urls: Iterable[str] = ()) -> None:
    """Raise DuplicateReview naming the review that already has this URL or this text."""
    wanted_urls = {url_key(u) for u in (*urls, found.url) if u}
    wanted_text = text_key(found.text)
    for review in existing:
        if review.url and url_key(review.url) in wanted_urls:
            raise DuplicateReview(
                f"Already added: review {review.id!r} ({review.path}) has the URL {review.url}",
                review.id,
            )
        if text_key(review.body) == wanted_text:
            raise DuplicateReview(
                f"Already added: review {review.id!r} ({review.path}) has the same text",
                review.id,
            )


def write_atomic(data_dir: Path, review_id: str, content: bytes) -> Path:
    """Write `<data_dir>/<review_id>.md` all at once; an existing file is never replaced."""
    target = data_dir / f"{review_id}.md"
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{review_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # atomic, and fails instead of replacing a file
        except FileExistsError:
            raise IngestError(f"{target} already exists; pass another --id") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):
        dir_fd = os.open(data_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target
