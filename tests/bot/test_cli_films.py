"""Films through the `reviewbot` command, on a three-film index (tests/fixtures/films)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from retrieval import Engine
from tests.conftest import FILMS, MODEL_DIR, REVIEWS
from tests.llm_server import FakeLLM, Reply

BALLERINA = "From the World of John Wick: Ballerina"
GBU = "The Good, the Bad and the Ugly"


@pytest.fixture(scope="module")
def films_index(films_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's three-film index (the CLI reads it like its own)."""
    index = tmp_path_factory.mktemp("cli-films") / "index"
    shutil.copytree(films_engine.index_dir, index)
    return index


@pytest.fixture
def films(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, films_index: Path) -> list[str]:
    """No LLM, the shared model cache; the arguments that point the CLI at the three films."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return ["--data", str(FILMS), "--index", str(films_index)]


def ask_json(capsys: pytest.CaptureFixture[str], where: list[str], *argv: str) -> dict:
    assert main(["ask", *argv, "--json", *where]) == 0
    return json.loads(capsys.readouterr().out)


def test_films_json_lists_each_film_with_its_review_count(
    films: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`films --json` prints [{"film", "reviews", ...}] by title, with year and aliases."""
    assert main(["films", "--json", *films]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["film"], r["reviews"]) for r in rows] == [(BALLERINA, 2), ("Heat", 2), (GBU, 2)]
    by_film = {r["film"]: r for r in rows}
    assert by_film["Heat"]["year"] == 1995 and by_film["Heat"]["aliases"] == []
    assert by_film[BALLERINA]["aliases"] == ["Ballerina"]  # the subtitle
    assert set(by_film[GBU]["aliases"]) == {"Il buono, il brutto, il cattivo", "GBU"}
    assert by_film[GBU]["review_ids"] == ["gbu-rosa-martin", "gbu-sam-ito"]


def test_films_plain_lists_years_counts_and_aliases(
    films: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain `films`: one line per film with its year, review count and other names."""
    assert main(["films", *films]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "Heat (1995): 2 reviews"
    assert out[2].startswith(f"{GBU} (1966): 2 reviews — also: ") and "GBU" in out[2]


def test_a_question_naming_a_film_is_answered_from_its_reviews_and_says_so(
    films: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """ "…the action in Heat?" quotes only Heat's reviews (neither says "Heat") and says so."""
    doc = ask_json(capsys, films, "What did critics say about the action in Heat?")
    assert doc["found"] is True
    assert doc["answer"].startswith("Answering from the reviews of Heat (1995).\n")
    assert doc["citations"] and {c["film"] for c in doc["citations"]} == {"Heat"}
    assert all(c["review_id"].startswith("heat-") for c in doc["citations"])
    assert "No review mentions" not in doc["answer"]


@pytest.mark.parametrize(
    ("question", "film", "prefix"),
    [
        ("is the action in ballerina exhausting?", BALLERINA, "ballerina-"),
        ("how is the music in gbu?", GBU, "gbu-"),
        ("what about the score of IL BUONO, IL BRUTTO, IL CATTIVO?", GBU, "gbu-"),
    ],
)
def test_a_film_is_named_in_any_case_or_by_alias(
    films: list[str], capsys: pytest.CaptureFixture[str], question: str, film: str, prefix: str
) -> None:
    """A lowercase subtitle or an `aliases:` name scopes the answer like the title does."""
    doc = ask_json(capsys, films, question)
    assert doc["found"] is True and doc["answer"].startswith("Answering from the reviews of ")
    assert film in doc["answer"].splitlines()[0]
    assert {c["film"] for c in doc["citations"]} == {film}
    assert all(c["review_id"].startswith(prefix) for c in doc["citations"])


def test_a_question_naming_no_film_answers_across_films_showing_each_citations_film(
    films: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """No film named: no scope note, quotes from several films, each source names its film."""
    question = "Is the three hour length a problem?"
    doc = ask_json(capsys, films, question)
    assert doc["found"] is True and "Answering from" not in doc["answer"]
    cited = {c["film"] for c in doc["citations"]}
    assert len(cited) >= 2 and cited <= {"Heat", GBU, BALLERINA}
    assert main(["ask", question, *films]) == 0
    out = capsys.readouterr().out
    sources = out.split("Sources:\n", 1)[1].splitlines()
    assert sources and all(" on " in line for line in sources)
    assert any(line.endswith(" on Heat") or " on Heat <" in line for line in sources)


def test_film_option_matches_an_alias(films: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`--film gbu` scopes to The Good, the Bad and the Ugly through its alias."""
    doc = ask_json(capsys, films, "Who steals the picture?", "--film", "gbu")
    assert doc["citations"] and {c["film"] for c in doc["citations"]} == {GBU}
    assert "Answering from" not in doc["answer"]  # asked for, not guessed: nothing to explain


def test_one_film_index_output_carries_no_film(
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The shipped one-film index: naming its film scopes nothing new and no citation shows it."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    monkeypatch.chdir(tmp_path)
    index = tmp_path / "index"
    shutil.copytree(engine.index_dir, index)
    where = ["--data", str(REVIEWS), "--index", str(index)]
    doc = ask_json(capsys, where, "Is the action in Ballerina good?")
    assert doc["found"] is True and "Answering from" not in doc["answer"]
    assert doc["citations"] and all("film" not in c for c in doc["citations"])
    assert main(["ask", "Is the action in Ballerina good?", *where]) == 0
    assert " on From the World" not in capsys.readouterr().out


def test_llm_answer_is_scoped_to_the_named_film_and_says_so(
    films: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an LLM: only Heat's passages reach the model, and its verified answer opens with
    the scope and cites Heat."""
    quote = "The action arrives in short, shocking bursts rather than long set pieces"
    with FakeLLM(api_key="sk-test") as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("REVIEWBOT_LLM_TIMEOUT", "5")
        fake.default = Reply(f'One critic says "{quote}" [1].')
        assert (
            main(["ask", "What did critics say about the action in Heat?", "--json", *films]) == 0
        )
        prompt = json.dumps(fake.requests[-1]["json"]["messages"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "llm"
    assert doc["answer"].startswith("Answering from the reviews of Heat (1995).\n")
    assert [(c["review_id"], c["film"]) for c in doc["citations"]] == [("heat-marcus-hale", "Heat")]
    assert "Ana de Armas" not in prompt and "Morricone" not in prompt
