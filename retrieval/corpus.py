"""Review files (`*.md`: YAML front matter + the critic's words) → validated `Review` values.

A bad file never stops the others: `load_corpus` returns the good reviews and a `Rejected` entry
(path + one-line problem) for each file it had to skip.

Only regular files are read, and only up to a size cap: a FIFO named `*.md` would hang the
reader, a symlink to `/dev/zero` would exhaust memory, and a symlink leaving the reviews folder
would make another file's text quotable. Each is checked with `lstat`/`resolve` before anything is
opened, and again on the open descriptor (the file may be swapped in between).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from . import defaults
from .errors import DataDirError, ReviewFileError
from .models import Rejected, Review

log = logging.getLogger(__name__)

KNOWN_FIELDS = (
    "id", "film", "year", "critic", "outlet", "title", "url", "rating", "published", "aliases",
)  # fmt: skip
_TEXT_FIELDS = ("critic", "outlet", "title", "url", "rating", "published")
# Ids become Chroma metadata and passage ids; keep them to a safe, readable alphabet.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# The largest review file read (bytes); the setting REVIEWBOT_MAX_REVIEW_BYTES overrides it.
DEFAULT_MAX_REVIEW_BYTES = defaults.MAX_REVIEW_BYTES


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def read_review_bytes(
    path: Path, *, root: Path | None = None, max_bytes: int = DEFAULT_MAX_REVIEW_BYTES
) -> bytes:
    """The bytes of one review file, refusing anything but a regular file of at most `max_bytes`.

    A symlink is followed only when its target stays inside `root` (the reviews folder).
    Raises ReviewFileError naming the file and the problem.
    """
    where = str(path)
    try:
        st = path.lstat()
        target = path
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise ReviewFileError(where, "is a broken symbolic link") from None
            if root is not None and not target.is_relative_to(root.resolve()):
                raise ReviewFileError(
                    where, f"is a symbolic link to {target}, outside the reviews folder"
                )
            st = target.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ReviewFileError(where, f"is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise ReviewFileError(where, _too_big(st.st_size, max_bytes))
        # O_NONBLOCK: if a FIFO was swapped in after the check, open() must not wait for a writer.
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except ReviewFileError:
        raise
    except OSError as err:
        raise ReviewFileError(where, f"cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ReviewFileError(where, f"is {_kind(st.st_mode)}, not a regular file")
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ReviewFileError(where, _too_big(len(raw), max_bytes))
    return raw


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is too large ({size:,} bytes; the limit is {max_bytes:,}, "
        "set by REVIEWBOT_MAX_REVIEW_BYTES)"
    )


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


def _aliases(value: Any, path: str) -> tuple[str, ...]:
    """`aliases:` as a tuple of names: a list of names, or one name (blank entries dropped)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ReviewFileError(
                path,
                "front matter field 'aliases' must be a name or a list of names, not "
                f"{type(item).__name__}",
            )
        name = " ".join(str(item).split())
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def parse_review(
    path: Path,
    raw: bytes | None = None,
    *,
    root: Path | None = None,
    max_bytes: int = DEFAULT_MAX_REVIEW_BYTES,
) -> Review:
    """Parse one review file; raise ReviewFileError naming the file and the problem.

    `raw` is the file's content when it is already in memory (nothing is read then).
    """
    where = str(path)
    if raw is None:
        raw = read_review_bytes(path, root=root, max_bytes=max_bytes)
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
        aliases=_aliases(meta.get("aliases"), where),
        **fields,
    )


def review_paths(data_dir: Path) -> list[Path]:
    """Every `*.md` entry under `data_dir`, sorted; symlinked folders are not descended into."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(data_dir, followlinks=False):
        dirs.sort()
        found.extend(Path(folder) / name for name in files if name.endswith(".md"))
        # A symlink to a folder is listed in `dirs`; a `*.md` one is checked (and refused) below.
        found.extend(
            Path(folder) / name
            for name in dirs
            if name.endswith(".md") and (Path(folder) / name).is_symlink()
        )
    return sorted(found)


def load_corpus(
    data_dir: Path,
    *,
    max_bytes: int = DEFAULT_MAX_REVIEW_BYTES,
    reuse: Callable[[Path], Review | None] | None = None,
) -> tuple[list[Review], list[Rejected]]:
    """Every `*.md` review under `data_dir` (sorted by path), and the files that were rejected.

    `max_bytes` caps each file's size (the setting REVIEWBOT_MAX_REVIEW_BYTES). `reuse(path)`
    may return the review already parsed from that file when it knows the file is unchanged
    (the indexer does, from file stamps): it is used as is (parsing YAML front matter costs
    ~2 ms a file, 16 s for 8,811 files).
    """
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise DataDirError(f"Reviews folder {data_dir} {what} (set --data or REVIEWBOT_DATA_DIR)")
    reviews: list[Review] = []
    rejected: list[Rejected] = []
    seen: dict[str, str] = {}
    for path in review_paths(data_dir):
        try:
            known = reuse(path) if reuse is not None else None
            review = known or parse_review(path, root=data_dir, max_bytes=max_bytes)
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
