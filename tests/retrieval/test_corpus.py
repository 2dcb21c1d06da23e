from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus, parse_review, read_review_bytes
from retrieval.errors import DataDirError, ReviewFileError
from tests.conftest import REVIEWS


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_shipped_reviews_parse_with_their_front_matter() -> None:
    """The five sample reviews load, with film, rating, outlet and url from the front matter."""
    reviews, rejected = load_corpus(REVIEWS)
    assert rejected == []
    by_id = {r.id: r for r in reviews}
    assert len(by_id) == 5
    assert by_id["slows-down-four-stars"].rating == "4/5"
    assert by_id["filmstories-en-pointe-or-tutu-much"].outlet == "Film Stories"
    assert all(r.film == "From the World of John Wick: Ballerina" for r in reviews)
    assert by_id["total-banger"].body.startswith("BALLERINA (2025)")


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"critic": "Ann Lee", "outlet": "Daily", "title": "T"}, "Ann Lee (Daily)"),
        ({"critic": "Ann Lee", "title": "T"}, "Ann Lee"),
        ({"outlet": "Daily", "title": "T"}, "Daily"),
        ({"title": "T"}, 'Unattributed review: "T"'),
        (
            {"title": "T", "url": "https://www.example.org/r/1"},
            'Unattributed review: "T" (example.org)',
        ),
        ({"url": "https://example.org/r/1"}, "Unattributed review (example.org)"),
        ({}, "Unattributed review my-review"),
    ],
)
def test_display_name_says_who_wrote_it_or_that_nobody_is_named(
    tmp_path: Path, meta: dict[str, str], expected: str
) -> None:
    """Critic, then outlet; with neither, the review is labelled unattributed — never invented."""
    lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
    path = _write(tmp_path, "my-review.md", f"---\nfilm: X\n{lines}---\nGood film.\n")
    assert parse_review(path).display_name == expected


def test_shipped_unattributed_reviews_are_labelled_as_such() -> None:
    """No shipped review is shown under its film's title or a bare slug as if that were a critic."""
    names = {r.id: r.display_name for r in load_corpus(REVIEWS)[0]}
    assert names == {
        "film-review-ballerina": 'Unattributed review: "Film Review – Ballerina"',
        "filmstories-en-pointe-or-tutu-much": "Film Stories",
        "seat-at-the-high-table": "Unattributed review seat-at-the-high-table",
        "slows-down-four-stars": (
            'Unattributed review: "From the World of John Wick: Ballerina (2025)"'
        ),
        "total-banger": "Unattributed review total-banger",
    }
    assert len(set(names.values())) == len(names)


def test_critics_row_says_which_fields_are_known() -> None:
    """`info()` (the `critics --json` row) flags unattributed reviews and lists the known fields."""
    by_id = {r.id: r for r in load_corpus(REVIEWS)[0]}
    stars = by_id["slows-down-four-stars"].info()
    assert stars["attributed"] is False
    assert stars["known"] == ["title", "rating", "year"]
    assert stars["critic"] is None and stars["outlet"] is None
    film_stories = by_id["filmstories-en-pointe-or-tutu-much"].info()
    assert film_stories["attributed"] is True
    assert film_stories["known"] == ["outlet", "title", "url", "year"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("---\nfilm: [unclosed\n---\nText.\n", "malformed front matter"),
        ("---\ncritic: A\n---\nText.\n", "missing required front matter field 'film'"),
        (b"---\nfilm: X\n---\nCaf\xe9 text.\n", "is not UTF-8"),
        ("---\nfilm: X\n---\n   \n", "empty body"),
        ("Just text, no front matter.\n", "has no YAML front matter"),
        ("---\nfilm: X\nyear: soon\n---\nText.\n", "'year' must be a whole number"),
        ("---\nfilm: X\naliases: {a: b}\n---\nText.\n", "'aliases' must be a name or a list"),
        ("---\nfilm: X\naliases: [[a]]\n---\nText.\n", "'aliases' must be a name or a list"),
    ],
)
def test_bad_review_file_is_named_and_skipped_while_others_load(
    reviews_dir: Path, content: str | bytes, problem: str
) -> None:
    """A broken file is rejected with its path and a one-line reason; the others still load."""
    bad = _write(reviews_dir, "zz-bad.md", content)
    reviews, rejected = load_corpus(reviews_dir)
    assert len(reviews) == 5
    assert len(rejected) == 1
    assert rejected[0].path == str(bad)
    assert problem in rejected[0].problem
    assert "\n" not in rejected[0].problem


def test_duplicate_id_rejects_the_second_file(reviews_dir: Path) -> None:
    """Two files claiming one id: the later one is rejected, naming the first."""
    _write(reviews_dir, "zz-copy.md", "---\nid: total-banger\nfilm: X\n---\nText.\n")
    reviews, rejected = load_corpus(reviews_dir)
    assert len(reviews) == 5
    assert "duplicate id 'total-banger'" in rejected[0].problem
    assert "total-banger.md" in rejected[0].problem


def test_missing_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    """A reviews folder that does not exist is a DataDirError naming it."""
    with pytest.raises(DataDirError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_parse_review_raises_for_unreadable_text(tmp_path: Path) -> None:
    """parse_review raises ReviewFileError (not UnicodeDecodeError) for bad bytes."""
    path = _write(tmp_path, "x.md", b"\xff\xfe---")
    with pytest.raises(ReviewFileError, match="not UTF-8"):
        parse_review(path)


def _rejected_one(reviews_dir: Path, **kw: int) -> str:
    reviews, rejected = load_corpus(reviews_dir, **kw)
    assert [r.id for r in reviews] == sorted(p.stem for p in REVIEWS.glob("*.md"))
    assert len(rejected) == 1 and "\n" not in rejected[0].problem
    return f"{rejected[0].path}: {rejected[0].problem}"


def test_symlink_leaving_the_reviews_folder_is_rejected(reviews_dir: Path, tmp_path: Path) -> None:
    """A symlink to a review file outside the folder is refused by name; the rest load."""
    outside = _write(tmp_path, "secret.md", "---\nfilm: X\n---\nPrivate words.\n")
    (reviews_dir / "leak.md").symlink_to(outside)
    line = _rejected_one(reviews_dir)
    assert line == (
        f"{reviews_dir / 'leak.md'}: is a symbolic link to {outside.resolve()}, "
        "outside the reviews folder"
    )


def test_symlink_to_dev_zero_is_rejected_without_reading(reviews_dir: Path) -> None:
    """A symlink to /dev/zero is refused before it is opened (no MemoryError)."""
    (reviews_dir / "zero.md").symlink_to("/dev/zero")
    line = _rejected_one(reviews_dir)
    assert line == (
        f"{reviews_dir / 'zero.md'}: is a symbolic link to /dev/zero, outside the reviews folder"
    )


def test_fifo_is_rejected_without_opening_it(reviews_dir: Path) -> None:
    """A FIFO named *.md is refused at once instead of hanging the reader."""
    os.mkfifo(reviews_dir / "pipe.md")
    line = _rejected_one(reviews_dir)
    assert line == f"{reviews_dir / 'pipe.md'}: is a FIFO (named pipe), not a regular file"


def test_symlink_to_a_device_inside_the_folder_is_rejected(reviews_dir: Path) -> None:
    """Even without a root to stay inside, a device is never read as a review."""
    link = reviews_dir / "null.md"
    link.symlink_to("/dev/null")
    with pytest.raises(ReviewFileError, match=r"is a device, not a regular file$"):
        read_review_bytes(link)


def test_oversize_file_is_rejected_with_the_limit(reviews_dir: Path) -> None:
    """A file over the size cap is refused with its size and the setting that raises the cap."""
    big = _write(reviews_dir, "big.md", "---\nfilm: X\n---\n" + "word " * 6000)
    line = _rejected_one(reviews_dir, max_bytes=20_000)
    assert line == (
        f"{big}: is too large (30,016 bytes; the limit is 20,000, "
        "set by REVIEWBOT_MAX_REVIEW_BYTES)"
    )


def test_default_size_cap_is_one_megabyte(reviews_dir: Path) -> None:
    """Without a parameter the cap is 1 MB: a 1.2 MB file is refused, the shipped ones pass."""
    _write(reviews_dir, "huge.md", "---\nfilm: X\n---\n" + "word " * 240_000)
    assert "is too large (1,200,016 bytes; the limit is 1,000,000" in _rejected_one(reviews_dir)


def test_symlink_inside_the_folder_is_followed(reviews_dir: Path) -> None:
    """A symlink to another file inside the reviews folder is read like the file itself."""
    sub = reviews_dir / "archive"
    sub.mkdir()
    _write(sub, "old.txt", "---\nid: archived\nfilm: X\n---\nKept words.\n")
    (reviews_dir / "archived.md").symlink_to(sub / "old.txt")
    reviews, rejected = load_corpus(reviews_dir)
    assert rejected == []
    assert "archived" in {r.id for r in reviews}


@pytest.mark.parametrize(
    ("front", "aliases"),
    [
        ('aliases: ["GBU", " Il buono,  il brutto ", "", GBU]', ("GBU", "Il buono, il brutto")),
        ("aliases: GBU", ("GBU",)),
        ("aliases: 1917", ("1917",)),
        ("aliases: []", ()),
        ("aliases:", ()),
        ("", ()),
    ],
)
def test_aliases_are_a_list_or_one_name(tmp_path: Path, front: str, aliases: tuple) -> None:
    """`aliases:` takes a list or a single name; blanks and repeats are dropped."""
    path = _write(tmp_path, "x.md", f"---\nfilm: X\n{front}\n---\nText.\n")
    assert parse_review(path).aliases == aliases
