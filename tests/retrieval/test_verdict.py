"""Overall verdicts ("is it any good?"): each review's summing-up, quoted from every review."""

from __future__ import annotations

from retrieval import verdict
from retrieval.engine import Engine


def test_plain_verdict_questions_quote_every_critics_summing_up(engine: Engine) -> None:
    """Each of the five reviews is quoted once, from its closing half; the review that says
    "Overall, …" is quoted there, and none is refused."""
    answer = engine.ask("is it any good?", use_llm=False).to_json()
    assert answer["found"] and answer["answer"].startswith("5 of 5 reviews")
    cited = [c["review_id"] for c in answer["citations"]]
    assert len(cited) == len(set(cited)) == 5
    reviews = {r.id: r for r in engine.critics()}
    for c in answer["citations"]:
        body = reviews[c["review_id"]].body
        assert body.index(c["quote"]) >= len(body) * 0.4, c["quote"]
    seat = next(c for c in answer["citations"] if c["review_id"] == "seat-at-the-high-table")
    assert seat["quote"].startswith("Overall, Ballerina doesn’t approach")


def test_openings_release_notes_and_ratings_are_no_verdict(engine: Engine) -> None:
    """verdict.scores gives 0 to a review's opening half, "is out in UK cinemas on…" and
    "Rating: 4 out of 5.", and more to a closing sentence that judges the film."""
    live = engine._require()
    snap = live.snapshot
    vec = engine.embedder.embed_query(verdict.VERDICT)
    scores = verdict.scores(live.searcher, vec, list(range(len(snap.passages))))
    by_text = {snap.sentence_text(j): s for j, s in scores.items()}
    opening = next(t for t in by_text if t.startswith("Ballerina takes the John Wick universe"))
    release = next(t for t in by_text if "is out in UK cinemas" in t)
    assert by_text[opening] == by_text[release] == by_text["Rating: 4 out of 5."] == 0.0
    closing = "This is a perfectly serviceable picture with very good action."
    assert by_text[closing] > 0.3
