"""Films of an index: listing with counts, and finding the film a question names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.films import films, match_film
from retrieval.models import Review


def _review(rid: str, film: str, year: int | None = None) -> Review:
    return Review(rid, film, "Some words.", f"{rid}.md", rid, year)


CATALOGUE = films(
    [
        _review("a", "Heat", 1995),
        _review("b", "Heat", 1995),
        _review("c", "From the World of John Wick: Ballerina", 2025),
        _review("d", "John Wick"),
        _review("e", "John Wick: Chapter 4", 2023),
    ]
)


def _titles(text: str) -> list[str]:
    return [f.title for f in match_film(text, CATALOGUE)]


def test_films_are_listed_with_review_counts_years_and_subtitle_aliases() -> None:
    """films() groups reviews by film, sorted by title, with year and the subtitle as alias."""
    rows = {f.title: f.info() for f in CATALOGUE}
    assert list(rows) == sorted(rows, key=str.casefold)
    assert rows["Heat"] == {
        "film": "Heat", "reviews": 2, "year": 1995, "aliases": [], "review_ids": ["a", "b"],
    }  # fmt: skip
    assert rows["From the World of John Wick: Ballerina"]["aliases"] == ["Ballerina"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did critics say about the action in Heat?", ["Heat"]),
        ("what about HEAT's diner scene", ["Heat"]),
        ("Was the tension heated?", []),
        ("Is ballerina any good?", ["From the World of John Wick: Ballerina"]),
        ("How does John Wick: Chapter 4 end?", ["John Wick: Chapter 4"]),
        ("Is John Wick better than Heat?", ["Heat", "John Wick"]),
        ("Tell me about the score.", []),
    ],
)
def test_match_film_whole_words_any_case_longest_name(question: str, expected: list[str]) -> None:
    """match_film finds titles and aliases as whole words in any case; the longest name wins."""
    assert _titles(question) == expected


def test_films_command_lists_films_as_json(
    corpus: Path, tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reviewbot films --json` prints one row per film with its review count."""
    Engine(corpus, tmp_path / "index", embedder=embedder).index()
    code = main(["films", "--json", "--data", str(corpus), "--index", str(tmp_path / "index")])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["film"], r["reviews"]) for r in rows] == [
        ("From the World of John Wick: Ballerina", 1),
        ("Heat", 1),
    ]
