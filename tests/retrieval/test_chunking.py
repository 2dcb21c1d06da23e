from __future__ import annotations

from retrieval.chunking import chunk_review, sentences
from retrieval.corpus import load_reviews
from retrieval.embeddings import MODEL_MAX_TOKENS, WordPieceCounter
from retrieval.models import Review
from tests.conftest import REVIEWS

COUNTER = WordPieceCounter()


def test_every_passage_fits_the_model_and_maps_back_to_the_body() -> None:
    """No passage exceeds the model's 256 word-pieces; body[start:end] is the passage text."""
    for review in load_reviews(REVIEWS):
        chunks = chunk_review(review, COUNTER.count, limit=MODEL_MAX_TOKENS - 6)
        assert chunks.passages
        for p, (a, b) in zip(chunks.passages, chunks.ranges, strict=True):
            assert review.body[p.start : p.end] == p.text
            assert COUNTER.count(p.text) <= MODEL_MAX_TOKENS
            assert p.start == chunks.units[a].start and p.end == chunks.units[b - 1].end


def test_passages_cover_the_whole_review() -> None:
    """Every sentence of a review is inside some passage (nothing dropped)."""
    for review in load_reviews(REVIEWS):
        chunks = chunk_review(review, COUNTER.count)
        covered = {j for a, b in chunks.ranges for j in range(a, b)}
        assert covered == set(range(len(chunks.units)))


def test_an_overlong_sentence_is_split_under_the_limit() -> None:
    """A 600-word run-on sentence becomes pieces that each fit, losing no words."""
    body = " ".join(f"word{i}" for i in range(600)) + "."
    review = Review("long", "X", body, "long.md", "h")
    chunks = chunk_review(review, COUNTER.count, limit=100)
    assert len(chunks.passages) > 1
    assert all(COUNTER.count(p.text) <= 100 for p in chunks.passages)
    assert " ".join(p.text for p in chunks.passages).split() == body.split()


def test_sentences_respect_abbreviations_and_quotes() -> None:
    """'Mr. Wick' and 'No. 5' do not end a sentence; 'No.' alone does; quotes stay attached."""
    text = "Mr. Wick returns. She said “go.” Is it good? No. It is No. 5 in the series!"
    spans = [text[s.start : s.end] for s in sentences(text)]
    assert spans == [
        "Mr. Wick returns.",
        "She said “go.”",
        "Is it good?",
        "No.",
        "It is No. 5 in the series!",
    ]
