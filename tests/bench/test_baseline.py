"""The naive RAG baseline is scored with the same evidence-recall definition as `reviewbot eval`."""

from __future__ import annotations

import json

import pytest

from bench.baseline import Baseline, baseline_evidence_recall, main
from retrieval.embeddings import Embedder
from retrieval.evaluation import Question, load_questions
from tests.conftest import DEV_SET, MODEL_DIR, REVIEWS


@pytest.fixture(scope="module")
def base(embedder: Embedder) -> Baseline:
    """The baseline over the shipped reviews, with the real MiniLM."""
    return Baseline.build(REVIEWS, embedder)


def test_baseline_recall_counts_phrases_in_chunks_of_their_review(base: Baseline) -> None:
    """A chunk asked for verbatim comes back first; its phrase counts only for its own review."""
    chunk = base.chunks[3]
    other = next(c.review_id for c in base.chunks if c.review_id != chunk.review_id)
    phrase = chunk.text[100:160]
    right = Question("a", chunk.text, True, {chunk.review_id: [phrase]})
    wrong = Question("b", chunk.text, True, {other: [phrase]})
    assert base.search(chunk.text, 1) == [chunk]
    assert baseline_evidence_recall(base, [right], 1) == 1.0
    assert baseline_evidence_recall(base, [right, wrong], 1) == 0.5
    assert baseline_evidence_recall(base, [Question("z", "zimmer?", False, {})], 1) is None


def test_baseline_command_prints_its_evidence_recall(
    base: Baseline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.baseline DEV -k 8 --json` reports the recall computed in-process."""
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    assert main([str(DEV_SET), "-k", "8", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[str(DEV_SET)]
    expected = baseline_evidence_recall(base, load_questions(DEV_SET), 8)
    assert row["evidence_recall"] == expected and row["k"] == 8 and row["questions"] == 8
