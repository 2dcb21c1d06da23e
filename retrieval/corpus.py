"""Review files (`*.md`: YAML front matter + the critic's words) → validated `Review` values.

A bad file never stops the others: `load_corpus` returns the good reviews and a `Rejected` entry
(path + one-line problem) for each file it had to skip.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import DataDirError, ReviewFileError
from .models import Rejected, Review

log = logging.getLogger(__name__)

KNOWN_FIELDS = ("id", "film", "year", "critic", "outlet", "title", "url", "rating", "published")
_TEXT_FIELDS = ("critic", "outlet", "title", "url", "rating", "published")
# Ids become Chroma metadata and passage ids; keep them to a safe, readable alphabet.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _text(value: Any, field: str, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    raise ReviewFileError(
        path, f"front matter field {field!r} must be text, not {type(value).__name__}"
    )


def parse_review(path: Path, raw: bytes | None = None) -> Review:
    """Parse one review file; raise ReviewFileError naming the file and the problem."""
    where = str(path)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise ReviewFileError(where, f"cannot be read ({err.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReviewFileError(
            where, f"is not UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.lstrip().startswith("---"):
        raise ReviewFileError(where, "has no YAML front matter (it must start with a '---' line)")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ReviewFileError(where, f"malformed front matter{at}: {problem}") from None
    meta = post.metadata
    if not isinstance(meta, dict) or not meta:
        raise ReviewFileError(where, "malformed front matter: expected 'key: value' lines")

    film = _text(meta.get("film"), "film", where)
    if not film:
        raise ReviewFileError(where, "missing required front matter field 'film'")
    review_id = _text(meta.get("id"), "id", where) or path.stem
    if not _ID.match(review_id):
        raise ReviewFileError(
            where, f"id {review_id!r} may use only letters, digits, '.', '_' and '-'"
        )
    year = meta.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ReviewFileError(
            where, f"front matter field 'year' must be a whole number, not {year!r}"
        )
    body = post.content
    if not body.strip():
        raise ReviewFileError(where, "has an empty body (no review text after the front matter)")
    unknown = sorted(set(meta) - set(KNOWN_FIELDS))
    if unknown:
        log.debug("%s: ignoring unknown front matter fields %s", where, unknown)
    fields = {f: _text(meta.get(f), f, where) for f in _TEXT_FIELDS}
    return Review(
        id=review_id,
        film=film,
        body=body,
        path=where,
        content_hash=hashlib.sha256(raw).hexdigest(),
        year=year,
        **fields,
    )


def load_corpus(data_dir: Path) -> tuple[list[Review], list[Rejected]]:
    """Every `*.md` review under `data_dir` (sorted by path), and the files that were rejected."""
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise DataDirError(f"Reviews folder {data_dir} {what} (set --data or REVIEWBOT_DATA_DIR)")
    reviews: list[Review] = []
    rejected: list[Rejected] = []
    seen: dict[str, str] = {}
    for path in sorted(data_dir.rglob("*.md")):
        try:
            review = parse_review(path)
            if review.id in seen:
                raise ReviewFileError(
                    str(path), f"duplicate id {review.id!r} (also in {seen[review.id]})"
                )
        except ReviewFileError as err:
            log.warning("rejected review file %s", err)
            rejected.append(Rejected(err.path, err.problem))
            continue
        seen[review.id] = review.path
        reviews.append(review)
    return reviews, rejected


def load_reviews(data_dir: Path) -> list[Review]:
    """The good reviews only (for tests and tools that don't care about rejects)."""
    return load_corpus(data_dir)[0]
