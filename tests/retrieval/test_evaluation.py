"""The metric definitions in retrieval/evaluation.py, on answers built from the shipped reviews."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.corpus import load_reviews
from retrieval.evaluation import (
    LEGEND,
    Question,
    evidence_hits,
    evidence_recall,
    format_metrics,
    load_questions,
    metrics,
    on_evidence,
)
from retrieval.models import Answer, Citation, Passage, Review, ScoredPassage
from tests.conftest import REVIEWS

FR = "film-review-ballerina"
ST = "seat-at-the-high-table"
TB = "total-banger"


@pytest.fixture(scope="module")
def reviews() -> dict[str, Review]:
    """The shipped reviews by id."""
    return {r.id: r for r in load_reviews(REVIEWS)}


def passage(reviews: dict[str, Review], review_id: str, text: str) -> ScoredPassage:
    body = reviews[review_id].body
    start = body.index(text)
    p = Passage(f"{review_id}:{start}", review_id, 0, start, start + len(text), text)
    return ScoredPassage(p, 1.0)


def cite(review_id: str, quote: str, n: int = 1, verified: bool = True) -> Citation:
    return Citation(n, review_id, review_id, None, None, None, quote, verified)


def answer(
    found: bool, citations: tuple[Citation, ...] = (), passages: tuple[ScoredPassage, ...] = ()
) -> Answer:
    return Answer("q", "text", found, "extractive", citations, passages)


def test_on_evidence_counts_containing_contained_and_five_word_runs() -> None:
    """A quote is on the evidence when it contains a phrase, lies inside one, or shares 5 words."""
    phrase = "Ana de Armas meets the physical demands of the role"
    assert on_evidence(
        "In fact, Ana de Armas meets the physical demands of the role, jumping", [phrase]
    )
    assert on_evidence("meets the physical demands", [phrase])
    assert on_evidence("Armas meets the physical demands, and more", [phrase])  # 5-word run
    assert not on_evidence("Armas meets the physical, and more", [phrase])  # only 4 words
    assert not on_evidence("The action is excellent", [phrase])


def test_on_evidence_folds_curly_quotes_like_the_verifier() -> None:
    """Straight and curly apostrophes compare equal, as in quote verification."""
    assert on_evidence("Ballerina's story is easily its weakest aspect", ["Ballerina’s story"])


def test_evidence_counts_only_in_a_passage_of_the_labelled_review() -> None:
    """A labelled phrase found in another review's passage is not evidence found."""
    relevant = {FR: ["the late Lance Reddick"]}
    assert evidence_hits(relevant, [(ST, "McShane, Huston, and the late Lance Reddick")]) == [False]
    assert evidence_hits(relevant, [(FR, "Charon (the late\nLance Reddick).")]) == [True]
    assert evidence_recall([(relevant, [(FR, "x")]), ({TB: ["a", "b"]}, [(TB, "a b")])]) == 0.6667
    assert evidence_recall([]) is None


def test_metrics_count_off_review_on_evidence_and_refusals(reviews: dict[str, Review]) -> None:
    """off_review, on_evidence, false refusals and refusals are counted per quote / question."""
    keanu = Question("k", "keanu?", True, {FR: ["His appearances are shoehorned"]}, "named")
    story = Question(
        "s", "story?", True, {ST: ["Ballerina’s story is easily its weakest aspect"]}, "paraphrase"
    )
    zimmer = Question("z", "zimmer?", False, {}, "unanswerable")
    yen = Question("y", "donnie yen?", False, {}, "unanswerable")
    fr_pass = passage(reviews, FR, "His appearances are shoehorned, stopping the narrative flow")
    shoehorned = "His appearances are shoehorned, stopping the narrative flow dead in its tracks."
    keanu_quotes = (
        cite(FR, shoehorned),  # on the evidence
        cite(FR, "The action is excellent", 2),  # relevant review, off the evidence
        cite(TB, "For me his inclusion was a thrill", 3),  # a review not labelled
    )
    rhetorical = cite(TB, "Is it better than most movies that are not JOHN WICKs?")
    pairs = [
        (keanu, answer(True, keanu_quotes, (fr_pass,))),
        (story, answer(False)),
        (zimmer, answer(False)),
        (yen, answer(True, (rhetorical,))),
    ]
    m = metrics(pairs, reviews)
    assert m["quotes"] == 3 and m["off_review"] == 0.3333 and m["on_evidence"] == 0.3333
    assert m["evidence_recall"] == 0.5 and m["review_recall"] == 0.5
    assert m["false_refusals"] == 1 == m["answerable_refused"]
    assert m["unanswerable"] == 2 and m["refusals"] == 1
    assert m["refusal_rate"] == 0.5 == m["refusal_accuracy"]
    assert m["verbatim_rate"] == 1.0 and m["questions"] == 4
    assert set(m["by_type"]) == {"named", "paraphrase", "unanswerable"}
    assert m["by_type"]["named"]["off_review"] == 0.3333
    assert m["by_type"]["unanswerable"]["refusals"] == 1


def test_a_quote_not_in_its_review_is_not_verbatim(reviews: dict[str, Review]) -> None:
    """verbatim_rate counts only verified quotes that occur in their cited review's body."""
    q = Question("k", "keanu?", True, {FR: ["His appearances are shoehorned"]}, None)
    a = answer(True, (cite(FR, "His appearances are shoehorned"), cite(FR, "Keanu was bad")))
    m = metrics([(q, a)], reviews)
    assert m["verbatim_rate"] == 0.5 and "by_type" not in m


def test_the_text_report_explains_every_metric() -> None:
    """format_metrics prints one line per LEGEND metric with its meaning, then the type table."""
    m = {key: 0.5 for key in LEGEND} | {"by_type": {"scene": {"questions": 2}}}
    lines = format_metrics(m)
    for key, meaning in LEGEND.items():
        assert any(line.startswith(key) and line.endswith(meaning) for line in lines)
    assert any(line.strip().startswith("scene") for line in lines)


def test_question_type_is_read_from_the_file(tmp_path: Path) -> None:
    """load_questions keeps each line's `type` (None when absent)."""
    path = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "x?", "type": "scene", "relevant": {FR: ["y"]}},
            {"id": "b", "question": "z?", "answerable": False}]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = load_questions(path)
    assert [(q.type, q.answerable) for q in got] == [("scene", True), (None, False)]
