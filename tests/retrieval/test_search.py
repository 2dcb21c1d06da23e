"""Hybrid search over the session index: fusion, filters, diversity, names."""

from __future__ import annotations

from retrieval.engine import Engine
from retrieval.search import DIVERSITY, LEXICAL_WEIGHT, Searcher, fuse


def _searcher(engine: Engine) -> Searcher:
    live = engine._require()
    return live.searcher


def test_fuse_adds_a_weighted_share_of_the_best_bm25() -> None:
    """fused = cosine + LEXICAL_WEIGHT × bm25 / max bm25 over the pool."""
    fused = fuse({0: 0.5, 1: 0.4}, {0: 0.0, 1: 2.0})
    assert fused == {0: 0.5, 1: 0.4 + LEXICAL_WEIGHT}


def test_results_are_best_first_and_spread_across_reviews(engine: Engine) -> None:
    """k hits, scores non-increasing, no review taking every slot."""
    searcher = _searcher(engine)
    question = "Is the action any good?"
    hits = searcher.search(question, engine.embedder.embed_query(question), k=6)
    assert len(hits) == 6
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.passage.review_id for h in hits}) >= 3 and 0 < DIVERSITY < 1


def test_review_filter_keeps_to_those_reviews(engine: Engine) -> None:
    """review_ids limits every hit; an empty filter finds nothing."""
    searcher = _searcher(engine)
    qvec = engine.embedder.embed_query("story")
    hits = searcher.search("story", qvec, k=4, review_ids={"total-banger"})
    assert hits and {h.passage.review_id for h in hits} == {"total-banger"}
    assert searcher.search("story", qvec, k=4, review_ids=set()) == []


def test_reviews_naming_uses_every_word_of_the_name(engine: Engine) -> None:
    """Keanu Reeves is named in some reviews, Tom Cruise in none; stop words name nothing."""
    searcher = _searcher(engine)
    assert searcher.reviews_naming("Keanu Reeves")
    assert searcher.reviews_naming("Tom Cruise") == set()
    assert searcher.reviews_naming("the") is None
