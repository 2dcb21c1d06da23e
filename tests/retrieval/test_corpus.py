from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus import load_corpus, parse_review
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
        ({"title": "T"}, "T"),
        ({}, "my-review"),
    ],
)
def test_display_name_is_critic_then_outlet_then_title_then_id(
    tmp_path: Path, meta: dict[str, str], expected: str
) -> None:
    """A review's name comes from what the file says, in that order, and is never invented."""
    lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
    path = _write(tmp_path, "my-review.md", f"---\nfilm: X\n{lines}---\nGood film.\n")
    assert parse_review(path).display_name == expected


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("---\nfilm: [unclosed\n---\nText.\n", "malformed front matter"),
        ("---\ncritic: A\n---\nText.\n", "missing required front matter field 'film'"),
        (b"---\nfilm: X\n---\nCaf\xe9 text.\n", "is not UTF-8"),
        ("---\nfilm: X\n---\n   \n", "empty body"),
        ("Just text, no front matter.\n", "has no YAML front matter"),
        ("---\nfilm: X\nyear: soon\n---\nText.\n", "'year' must be a whole number"),
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
