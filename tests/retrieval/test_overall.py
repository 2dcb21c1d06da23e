"""Plain verdict questions in words no list holds: their nearest labelled questions decide, and
the examples' vectors are embedded once and kept beside the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.overall import OverallExamples
from tests.conftest import ROOT, run_module


def test_the_shipped_examples_are_the_tune_questions() -> None:
    """`python -m bench.overall_examples --check` rebuilds overall.json from tune, not holdout."""
    done = run_module("bench.overall_examples", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matches the tune questions" in done.stdout


@pytest.mark.parametrize(
    "question",
    [
        "any idea if ballerina is worth my evening?",
        "heading to the movies tonight, is ballerina a good pick?",
        "Planning to see it Sunday, is it good?",  # capitalised everyday words name nobody
        "should I watch it Saturday?",  # recognised by its words; "Saturday" is no name
    ],
)
def test_a_plain_verdict_in_new_words_quotes_every_critics_verdict(
    engine: Engine, question: str
) -> None:
    """Not in the examples, not in the word lists: still one verdict from each of the five
    reviews, and no "No review mentions Sunday."."""
    answer = engine.ask(question, use_llm=False)
    assert answer.found and answer.text.startswith("5 of 5 reviews"), answer.text
    assert len({c.review_id for c in answer.citations}) == len(answer.citations) == 5
    assert "No review mentions" not in answer.text


@pytest.mark.parametrize(
    "question", ["r the fight scenes worth it tho?", "is the ending any good?"]
)
def test_a_verdict_on_a_topic_stays_on_its_topic(engine: Engine, question: str) -> None:
    """A verdict about the fights or the ending is answered about them, not with verdicts."""
    _, asked = engine.prepared(question)
    assert asked.query.intent == "verdict" and not asked.query.overall


def test_example_vectors_are_embedded_once_and_kept(tmp_path: Path, embedder: Embedder) -> None:
    """A second process (a new OverallExamples) reads the kept vectors instead of embedding;
    a folder it cannot write to costs only the keeping."""
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return embedder.embed_documents(texts)

    first = OverallExamples(embed, tmp_path)
    vector = embedder.embed_query("is it any good?")
    margin = first.margin(vector)
    second = OverallExamples(embed, tmp_path)
    assert second.margin(vector) == pytest.approx(margin)
    data = json.loads((ROOT / "retrieval" / "overall.json").read_text("utf-8"))
    assert calls == [len(data["overall"]) + len(data["topic"])]
    assert margin > 0.05
    nowhere = OverallExamples(embed, tmp_path / "missing")
    assert nowhere.margin(vector) == pytest.approx(margin) and len(calls) == 2
