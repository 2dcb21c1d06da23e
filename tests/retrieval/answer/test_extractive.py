"""Extractive drafts: quotes as claim parts with their passage numbers, and summary aspects."""

from __future__ import annotations

from retrieval.answer import extractive
from retrieval.answer.quotes import verify
from retrieval.engine import Engine

QUESTION = "What did critics say about Keanu's cameo?"


def test_draft_claims_each_quote_from_the_hit_it_came_from(engine: Engine) -> None:
    """Every quote part's n is the 1-based hit whose passage holds that sentence."""
    live = engine._require()
    qvec = engine.embedder.embed_query(QUESTION)
    hits = live.searcher.search(QUESTION, qvec, k=8)
    parts = extractive.answer_question(QUESTION, qvec, hits, live.snapshot, ["Keanu"])
    quotes = [p for p in parts if p.kind == "quote"]
    assert parts[0].kind == "text" and "speak" in parts[0].text and quotes
    for q in quotes:
        assert q.n is not None and q.text in hits[q.n - 1].passage.text
    assert [p.kind for p in parts].count("name") == len({hits[q.n - 1].passage.review_id
                                                          for q in quotes if q.n})  # fmt: skip


def test_verify_keeps_every_extractive_quote(engine: Engine) -> None:
    """Spans of the reviews all verify: as many citations as quotes, none dropped."""
    live = engine._require()
    qvec = engine.embedder.embed_query(QUESTION)
    hits = live.searcher.search(QUESTION, qvec, k=8)
    parts = extractive.answer_question(QUESTION, qvec, hits, live.snapshot, ["Keanu"])
    checked = verify(parts, [h.passage for h in hits], live.snapshot.reviews)
    assert checked.counts["dropped"] == 0
    assert len(checked.citations) == len([p for p in parts if p.kind == "quote"])
    assert "**" not in checked.text


def test_franchise_aspect_comes_from_the_film_title() -> None:
    """ "From the World of John Wick: Ballerina" adds a John Wick aspect; a lone title adds none."""
    assert extractive.franchise("From the World of John Wick: Ballerina") == "John Wick"
    assert extractive.franchise("Mission: Impossible") == "Mission"
    assert extractive.franchise("Paddington") is None
    labels = [label for label, _ in extractive.aspects("Paddington")]
    assert "Franchise" not in labels and labels[0] == "Verdict"
    wick = dict(extractive.aspects("From the World of John Wick: Ballerina"))
    assert "John Wick films" in wick["Franchise"]
    assert all("John Wick" not in text for _, text in extractive.ASPECTS)
