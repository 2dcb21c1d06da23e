"""Search over the session index: passages ranked by their best sentence, filters, names."""

from __future__ import annotations

from retrieval.answer import extractive
from retrieval.engine import Engine
from retrieval.lexical import terms
from retrieval.query import Intent, Query
from retrieval.search import Searcher


def _searcher(engine: Engine) -> Searcher:
    return engine._require().searcher


def _query(text: str, intent: Intent = "topic") -> Query:
    """The analysed question `text` as search takes it, with `intent` set by hand."""
    return Query(question=text, subject=text, intent=intent)


def _hits(engine: Engine, text: str, k: int = 8, intent: Intent = "topic") -> list:
    return _searcher(engine).search(_query(text, intent), engine.embedder.embed_query(text), k=k)


def test_results_are_best_first_and_carry_their_sentence_scores(engine: Engine) -> None:
    """k hits, scores non-increasing; each hit lists its passage's sentences with scores."""
    hits = _hits(engine, "action", k=6)
    assert len(hits) == 6
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    snap = engine.snapshot()
    assert snap is not None
    for h in hits:
        a, b = snap.passage_sentences[snap.row_of[h.passage.id]]
        assert [j for j, _ in h.sentences] == list(range(a, b))


def test_a_passage_ranks_by_the_sentence_that_answers(engine: Engine) -> None:
    """The flamethrower question's top hit holds the sentence about the flamethrower duel."""
    top = _hits(engine, "flamethrower duel", k=1)[0]
    assert "flamethrower duel" in top.passage.text


def test_no_review_is_padded_in(engine: Engine) -> None:
    """Only one review names Daniel Bernhardt: the answer quotes that review alone (the old
    per-review quota put every review in every answer)."""
    answer = engine.ask("What part does Daniel Bernhardt play?", use_llm=False)
    assert answer.found
    assert {c.review_id for c in answer.citations} == {"total-banger"}
    assert answer.text.startswith("1 of 5 reviews speaks to this:")


def test_verdict_questions_take_each_reviews_best_passage_first(engine: Engine) -> None:
    """intent=verdict: the first hits come from different reviews (each critic's stance)."""
    hits = _hits(engine, "worth watching", k=8, intent="verdict")
    first = [h.passage.review_id for h in hits[:4]]
    assert len(set(first)) == 4


def test_review_filter_keeps_to_those_reviews(engine: Engine) -> None:
    """review_ids limits every hit; an empty filter finds nothing."""
    searcher = _searcher(engine)
    qvec = engine.embedder.embed_query("story")
    hits = searcher.search(_query("story"), qvec, k=4, review_ids={"total-banger"})
    assert hits and {h.passage.review_id for h in hits} == {"total-banger"}
    assert searcher.search(_query("story"), qvec, k=4, review_ids=set()) == []


def test_reviews_naming_uses_every_word_of_the_name(engine: Engine) -> None:
    """Keanu Reeves is named in some reviews, Tom Cruise in none; stop words name nothing."""
    searcher = _searcher(engine)
    assert searcher.reviews_naming("Keanu Reeves")
    assert searcher.reviews_naming("Tom Cruise") == set()
    assert searcher.reviews_naming("the") is None


def test_questions_and_rating_lines_are_not_views(engine: Engine) -> None:
    """A rhetorical question and "Rating: 4 out of 5." are no answer to a topic question (under
    the answer bar), and the rating line is the answer when a rating is asked about."""
    searcher = _searcher(engine)
    snap = engine.snapshot()
    assert snap is not None
    rows = list(range(len(snap.passages)))
    action = "critics think of the action"
    topic = searcher.score_sentences(_query(action), engine.embedder.embed_query(action), rows)
    line = next(j for j in topic if snap.sentence_text(j) == "Rating: 4 out of 5.")
    bare = next(j for j in topic if snap.sentence_text(j) == "Is it as good as the JOHN WICKs?")
    assert topic[line] < extractive.FLOOR and topic[bare] < extractive.FLOOR
    assert max(topic.values()) > 0.5
    asked = "rating give it"
    rating = searcher.score_sentences(
        _query(asked, "rating"), engine.embedder.embed_query(asked), rows
    )
    assert max(rating, key=rating.get) == line  # type: ignore[arg-type]
    assert rating[line] > 0.5


def test_a_surname_stands_for_the_whole_name(engine: Engine) -> None:
    """Critics name someone in full once, then by surname: "Armas, to be fair to her, does a
    convincing job" is about "ana de armas" as much as the credit line that spells it out, so
    its terms hold the whole name (names.surnames_in); a word that is no surname adds nothing."""
    searcher = _searcher(engine)
    snap = searcher.snapshot
    rows = [j for j in range(len(snap.sentences)) if "Armas, to be fair" in snap.sentence_text(j)]
    assert len(rows) == 1
    assert {"ana", "arma"} <= searcher.traits(rows[0]).terms
    plain = [
        j for j in range(len(snap.sentences)) if "Most fights go like" in snap.sentence_text(j)
    ]
    assert searcher.traits(plain[0]).terms == frozenset(terms(snap.sentence_text(plain[0])))
