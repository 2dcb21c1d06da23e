"""Films of an index: listing with counts, and finding the film a question names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.films import (
    Film,
    films,
    match_film,
    names_film,
    scoping_films,
    with_films,
    without_films,
)
from retrieval.models import Answer, Citation, Part, Review
from tests.conftest import FILMS


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


def _film(title: str) -> Film:
    return next(f for f in CATALOGUE if f.title == title)


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


@pytest.mark.parametrize(
    ("question", "films_named", "left"),
    [
        (
            "What did critics say about the action in Heat?",
            ["Heat"],
            "What did critics say about the action in ?",
        ),
        ("what about HEAT’s diner scene", ["Heat"], "what about diner scene"),
        ("Is ballerina any good?", ["From the World of John Wick: Ballerina"], "Is any good?"),
        ("Heat?", ["Heat"], "Heat?"),  # nothing left: the question stays as asked
    ],
)
def test_without_films_takes_the_named_films_names_out(
    question: str, films_named: list[str], left: str
) -> None:
    """The scoped films' names (any case, with 's) leave the text that is analysed."""
    assert without_films(question, [_film(t) for t in films_named]) == left


def test_names_film_and_scoping_films() -> None:
    """A part of a scoping film's name is no missing name; a one-film index scopes nothing."""
    ballerina = _film("From the World of John Wick: Ballerina")
    assert names_film("John Wick", [ballerina]) and names_film("ballerina", [ballerina])
    assert not names_film("Keanu", [ballerina]) and not names_film("Heat", [])
    assert [f.title for f in scoping_films("Is Heat long?", CATALOGUE)] == ["Heat"]
    assert scoping_films("Is Heat long?", films([_review("a", "Heat")])) == []


def test_with_films_labels_citations_and_says_the_scope() -> None:
    """Several films: each citation carries its film and the scope is said first; one film: the
    answer is returned unchanged."""
    reviews = {r.id: r for r in [_review("a", "Heat", 1995), _review("c", "Other")]}
    cite = Citation(1, "a", "A", None, None, None, "Loud.", True)
    answer = Answer(
        "q", "“Loud.” [1]", True, "extractive", (cite,), parts=(Part("quote", "Loud.", 1),)
    )
    scoped = with_films(answer, CATALOGUE, reviews, [_film("Heat")])
    assert scoped.text == "Answering from the reviews of Heat (1995).\n“Loud.” [1]"
    assert scoped.parts[0] == Part("text", "Answering from the reviews of Heat (1995).")
    assert scoped.citations[0].film == "Heat" and scoped.citations[0].to_json()["film"] == "Heat"
    across = with_films(answer, CATALOGUE, reviews, [])
    assert across.text == answer.text and across.citations[0].film == "Heat"
    two = with_films(answer, CATALOGUE, reviews, [_film("Heat"), _film("John Wick")])
    assert two.text.startswith("Answering from the reviews of Heat (1995) and John Wick.\n")
    alone = films([reviews["a"]])
    assert with_films(answer, alone, reviews, []) is answer
    assert "film" not in answer.citations[0].to_json()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Was it worth it?", []),
        ("It was scary, wasn't it?", []),
        ("Did critics find It scary?", ["It"]),
        ("is heat worth it?", ["Heat"]),  # "heat" is not that common: any case still works
    ],
)
def test_a_name_of_only_very_common_words_must_be_typed_as_written(
    question: str, expected: list[str]
) -> None:
    """A film called "It" is named by "It" mid-question, never by the pronoun "it"."""
    catalogue = films([_review("i", "It", 2017), _review("h", "Heat", 1995)])
    assert [f.title for f in match_film(question, catalogue)] == expected


def test_a_critic_of_two_films_named_with_a_film_is_that_review(
    embedder: Embedder, tmp_path: Path
) -> None:
    """Ann Lee reviewed Heat and The Good, the Bad and the Ugly: "Ann Lee on Heat" is her Heat
    review alone; her name without a film picks neither of her reviews for the question."""
    data = tmp_path / "reviews"
    shutil.copytree(FILMS, data)
    (data / "gbu-ann-lee.md").write_text(
        '---\nid: gbu-ann-lee\nfilm: "The Good, the Bad and the Ugly"\nyear: 1966\n'
        "critic: Ann Lee\noutlet: The Night Desk\n---\n\n"
        "Leone stretches the final standoff in the cemetery until the music does the shooting.\n"
        "Eli Wallach steals the film as Tuco, funny and desperate in the same breath.\n",
        encoding="utf-8",
    )
    engine = Engine(data, tmp_path / "index", embedder=embedder)
    engine.ensure_index()

    heat = engine.ask("What did Ann Lee think of the shootout in Heat?", use_llm=False)
    assert heat.found and "Answering from Ann Lee" in heat.text
    assert {c.review_id for c in heat.citations} == {"heat-ann-lee"}

    either = engine.ask("What did Ann Lee think of the shootout?", use_llm=False)
    assert "Answering from Ann Lee" not in either.text
