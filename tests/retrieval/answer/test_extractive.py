"""Extractive drafts: quotes as claim parts with their passage numbers, and summary aspects."""

from __future__ import annotations

from retrieval.answer import extractive, summary
from retrieval.answer.quotes import verify
from retrieval.engine import Engine
from retrieval.query import Query


def _draft(engine: Engine, text: str = "Keanu's cameo", **kw: object) -> tuple:
    live = engine._require()
    hits = live.searcher.search(Query(text, text), engine.embedder.embed_query(text), k=8)
    parts = extractive.answer_question(hits, live.snapshot, in_scope=5, **kw)  # type: ignore[arg-type]
    return live, hits, parts


def test_draft_claims_each_quote_from_the_hit_it_came_from(engine: Engine) -> None:
    """Every quote part's n is the 1-based hit whose passage holds that sentence; the lead says
    how many of the reviews in scope speak to the question."""
    _, hits, parts = _draft(engine)
    quotes = [p for p in parts if p.kind == "quote"]
    assert quotes
    n = len({p.text for p in parts if p.kind == "name"})
    verb = "speaks" if n == 1 else "speak"
    assert parts[0].kind == "text" and parts[0].text == f"{n} of 5 reviews {verb} to this:"
    for q in quotes:
        assert q.n is not None and q.text in hits[q.n - 1].passage.text
    assert [p.kind for p in parts].count("name") == len({hits[q.n - 1].passage.review_id
                                                          for q in quotes if q.n})  # fmt: skip


def test_verify_keeps_every_extractive_quote(engine: Engine) -> None:
    """Spans of the reviews all verify: as many citations as quotes, none dropped."""
    live, hits, parts = _draft(engine)
    checked = verify(parts, [h.passage for h in hits], live.snapshot.reviews)
    assert checked.counts["dropped"] == 0
    assert len(checked.citations) == len([p for p in parts if p.kind == "quote"])
    assert "**" not in checked.text


def test_nothing_above_the_floor_is_no_draft(engine: Engine) -> None:
    """With the bar above every sentence's score there is nothing to quote: [] (a refusal)."""
    _, _, parts = _draft(engine, floor=5.0)
    assert parts == []


def test_refusal_offers_only_sentences_under_the_bar(engine: Engine) -> None:
    """closest_sentences offers only sentences that scored under the bar they failed and whose
    vector is RELATED to the question's."""
    live = engine._require()
    text = "Keanu's cameo"
    qvec = engine.embedder.embed_query(text)
    hits = live.searcher.search(Query(text, text), qvec, k=8)
    bar = 0.6
    offered = [p.text for p in extractive.closest_sentences(hits, live.snapshot, qvec, bar)
               if p.kind == "quote"]  # fmt: skip
    assert offered
    for s in extractive.scored_sentences(hits, live.snapshot):
        if s.text in offered:
            assert s.score < bar
            assert live.snapshot.sentence_vectors[s.row] @ qvec >= extractive.RELATED


def test_franchise_aspect_comes_from_the_film_title() -> None:
    """ "From the World of John Wick: Ballerina" adds a John Wick aspect; a lone title adds none."""
    assert summary.franchise("From the World of John Wick: Ballerina") == "John Wick"
    assert summary.franchise("Mission: Impossible") == "Mission"
    assert summary.franchise("Paddington") is None
    labels = [label for label, _ in summary.aspects("Paddington")]
    assert "Franchise" not in labels and labels[0] == "Verdict"
    wick = dict(summary.aspects("From the World of John Wick: Ballerina"))
    assert "John Wick films" in wick["Franchise"]
    assert all("John Wick" not in text for _, text in summary.ASPECTS)


def test_summary_offers_no_question_and_no_rating_line_as_a_view(engine: Engine) -> None:
    """total-banger's rhetorical "Is it better than …?" and slows-down's "Rating: 4 out of 5."
    are never a summary aspect; the rating shows as the rating."""
    for critic in ("total-banger", "slows-down-four-stars"):
        answer = engine.summary(critic, use_llm=False)
        quotes = [c.quote for c in answer.citations]
        assert quotes and not any(q.rstrip('”’" ').endswith("?") for q in quotes)
        assert "Rating: 4 out of 5." not in quotes
    assert "rating: 4/5" in engine.summary("slows-down-four-stars", use_llm=False).text


def test_a_rhetorical_question_is_quoted_only_with_its_answer(engine: Engine) -> None:
    """ "Is it better than most movies that are not JOHN WICKs?" is never quoted bare: if at
    all, then with the critic's "Yes." as one verbatim span."""
    answer = engine.ask("Is it better than most movies that are not John Wick?", use_llm=False)
    assert not any(c.quote.rstrip('”’" ').endswith("?") for c in answer.citations)
    banger = [c.quote for c in answer.citations if c.review_id == "total-banger"]
    assert all(c.verified for c in answer.citations)
    if any("better than most movies" in q for q in banger):
        assert "Is it better than most movies that are not JOHN WICKs? Yes." in banger


def test_a_lead_in_question_is_quoted_with_the_sentence_answering_it(engine: Engine) -> None:
    """slows-down's "That abandoned theatre sequence everyone will talk about?" is its whole
    judgement of the scene with the reply "It earns the attention.": the two are quoted as one
    span, not skipped for a sentence that only shares the word "fight"."""
    span = "That abandoned theatre sequence everyone will talk about? It earns the attention."
    for question in ("what did the 4/5 review say about the abandoned theatre fight??",
                     "what did critics say about the abandoned theatre fight?"):  # fmt: skip
        answer = engine.ask(question, use_llm=False)
        assert answer.text.splitlines()[-1].endswith(f"“{span}” [1]"), answer.text
        assert [c.verified for c in answer.citations] == [True]


def test_summary_verdict_is_the_reviews_summing_up(engine: Engine) -> None:
    """A summary's "Verdict:" is the sentence verdict.py rates the review's bottom line, always
    shown: seat-at-the-high-table's "Overall, Ballerina doesn’t approach …" (cosine to the
    aspect alone chose no verdict at all for it) and film-review's "perfectly serviceable"."""
    expected = {
        "seat-at-the-high-table": "Overall, Ballerina doesn’t approach the impossibly high",
        "film-review-ballerina": "This is a perfectly serviceable picture with very good action.",
    }
    for critic, opening in expected.items():
        lines = engine.summary(critic, use_llm=False).text.splitlines()
        verdict = next(line for line in lines if line.startswith("- Verdict: "))
        assert verdict.startswith(f"- Verdict: “{opening}"), verdict
