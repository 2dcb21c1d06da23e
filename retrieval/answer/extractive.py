"""Offline answers built only from the critics' own sentences.

`answer_question` scores the sentences of the retrieved passages against the question (meaning,
shared terms, names asked about), keeps the best one or two per review above a relevance floor,
and drafts them as parts grouped by critic, each quote claimed from the passage it came from.
`summarise_review` picks 3–5 sentences of one review that cover different aspects (verdict,
story, action, acting, craft; for a film in a series, how it measures up to the series).
Sentence vectors come from the index, so answering embeds nothing but the question.
Every quote is a span of the review body, and is verified (`quotes.verify`) all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..lexical import terms
from ..models import Part, Passage, Review
from ..search import Hit
from ..store import Snapshot

MIN_SENTENCE_SCORE = 0.40  # below this a sentence is not about the question
RELATIVE_FLOOR = 0.70  # ...nor when it scores under this share of the best sentence
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


def _sentences_of(hits: Sequence[Hit], snap: Snapshot) -> tuple[list[Sentence], np.ndarray]:
    """The quotable sentences of the retrieved passages (each once) and their stored vectors."""
    rows: dict[int, None] = {}
    for hit in hits:
        a, b = snap.passage_sentences[snap.row_of[hit.passage.id]]
        rows.update(dict.fromkeys(range(a, b)))
    cands: list[Sentence] = []
    keep: list[int] = []
    for j in rows:
        ref, text = snap.sentences[j], snap.sentence_text(j)
        if len(text) <= MAX_QUOTE_CHARS * 2 and len(text.split()) >= MIN_WORDS:
            cands.append(Sentence(ref.review_id, ref.start, ref.end, text))
            keep.append(j)
    vecs = np.asarray(snap.sentence_vectors[keep], dtype=np.float32).reshape(len(keep), snap.dim)
    return cands, vecs


def _term_overlap(question_terms: set[str], text: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(terms(text))) / len(question_terms)


def score_sentences(
    question: str, qvec: np.ndarray, cands: list[Sentence], vecs: np.ndarray, names: Sequence[str]
) -> list[Sentence]:
    """Score = cosine to the question + 0.25 × share of question terms + 0.15 if it names
    what the question names."""
    if not cands:
        return []
    cos = vecs @ qvec
    qterms = set(terms(question))
    # A sentence is "about" a name when it has any of its words: "Keanu Reeves" → "Reeves".
    name_terms = [set(terms(n)) for n in names]
    scored = []
    for c, sim in zip(cands, cos, strict=True):
        ct = set(terms(c.text))
        named = any(nt & ct for nt in name_terms)
        s = float(sim) + 0.25 * _term_overlap(qterms, c.text) + (0.15 if named else 0.0)
        scored.append(Sentence(c.review_id, c.start, c.end, c.text, s))
    return scored


def pick_quotes(scored: list[Sentence], *, per_review: int = 2) -> list[Sentence]:
    """Best sentence per review above the floors (a second one only when nearly as good)."""
    if not scored:
        return []
    best = max(s.score for s in scored)
    floor = max(MIN_SENTENCE_SCORE, RELATIVE_FLOOR * best)
    by_review: dict[str, list[Sentence]] = {}
    for s in sorted(scored, key=lambda s: -s.score):
        if s.score < floor:
            break
        picks = by_review.setdefault(s.review_id, [])
        if not picks or (len(picks) < per_review and s.score >= 0.9 * picks[0].score):
            picks.append(s)
    ranked = sorted(by_review.values(), key=lambda ps: -ps[0].score)[:MAX_REVIEWS]
    return [s for picks in ranked for s in sorted(picks, key=lambda s: s.start)]


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


def lead_in(reviews: int) -> str:
    return "One review speaks to this:" if reviews == 1 else f"{reviews} reviews speak to this:"


def closest_sentences(
    qvec: np.ndarray, hits: Sequence[Hit], snap: Snapshot, floor: float, n: int = 2
) -> list[Part]:
    """Up to `n` sentences of the retrieved passages with cosine ≥ `floor`, best first."""
    cands, vecs = _sentences_of(hits, snap)
    sims = vecs @ qvec
    picked = [cands[i] for i in np.argsort(-sims)[:n] if sims[i] >= floor]
    return quote_parts(picked, snap.reviews, _passage_numbers(hits, snap))


def answer_question(
    question: str,
    qvec: np.ndarray,
    hits: Sequence[Hit],
    snap: Snapshot,
    names: Sequence[str] = (),
) -> list[Part]:
    """The draft answer as parts (a lead-in, then quotes grouped by review, each claimed from
    its hit's number); [] when no sentence is about the question."""
    cands, vecs = _sentences_of(hits, snap)
    scored = score_sentences(question, qvec, cands, vecs, names)
    picked = pick_quotes(scored)
    if not picked:
        return []
    lead = Part("text", lead_in(len({q.review_id for q in picked})))
    return [lead, *quote_parts(picked, snap.reviews, _passage_numbers(hits, snap))]


# -- per-critic summary ------------------------------------------------------------------------
# (label, what a critic's sentence on that aspect sounds like). Phrased as judgements, because a
# summary wants the critic's view, not their plot synopsis.
ASPECTS = (
    ("Verdict", "Overall the film is great fun and worth seeing, or a disappointment to skip"),
    ("Action", "The action scenes, fights and stunts are thrilling, or exhausting and repetitive"),
    ("Story", "The story and writing are thin and weak, or rich and moving"),
    ("Performances", "The lead actress gives a convincing, committed performance"),
    ("Craft", "The direction, cinematography, music and sound design are striking"),
)
_SERIES = re.compile(r"^(?:from the world of\s+)?(?P<series>[^:]+?)\s*:\s*\S", re.I)


def franchise(film: str) -> str | None:
    """The series a film belongs to, from its title ("From the World of X: Y" or "X: Y" → X)."""
    m = _SERIES.match(film.strip())
    return m.group("series") if m else None


def aspects(film: str) -> tuple[tuple[str, str], ...]:
    """The aspects a summary covers; a film in a series adds how it measures up to the series."""
    series = franchise(film)
    if series is None:
        return ASPECTS
    return (*ASPECTS, ("Franchise", f"It lives up to the {series} films, or falls short of them"))


# Words that mark a sentence as the critic's judgement rather than description.
_OPINION = re.compile(
    r"\b(great|good|best|better|excellent|fun|love[sd]?|enjoy\w*|rules|thrill\w*|impressive|"
    r"convincing|strong|shines?|brilliant|stunning|beautiful|worth|recommend\w*|bad|worse|worst|"
    r"weak\w*|thin|boring|dull|disappoint\w*|exhausting|repetitive|uninspired|unnecessary|"
    r"generic|clunky|flaws?|problem\w*|fails?|succeeds?|works|earns?)\b",
    re.I,
)
_RATING = re.compile(r"\b\d(\.\d)?\s*(/|out of)\s*(4|5|10)\b|\b\d(\.\d)?\s*stars?\b", re.I)


def summarise_review(
    review: Review, snap: Snapshot, aspect_vecs: np.ndarray
) -> tuple[list[Part], list[Passage]]:
    """The rating when known, then the critic's own sentences on 3–5 different aspects.

    Each aspect takes the review's sentence closest to it (cosine), favouring judgements over
    description (+0.08) and, for the verdict, the closing paragraphs where critics sum up (+0.1).
    """
    rows = snap.rows_by_review[review.id]
    first = min(snap.passage_sentences[r][0] for r in rows)
    last = max(snap.passage_sentences[r][1] for r in rows)
    keep = [
        j
        for j in range(first, last)
        if 30 <= snap.sentences[j].end - snap.sentences[j].start <= MAX_QUOTE_CHARS
    ] or list(range(first, last))
    texts = [snap.sentence_text(j) for j in keep]
    sims = np.asarray(snap.sentence_vectors[keep]) @ aspect_vecs.T  # (sentences, aspects)
    sims += 0.08 * np.array([[bool(_OPINION.search(t))] for t in texts])
    closing = np.array([i >= 0.75 * len(keep) for i in range(len(keep))])
    sims[:, 0] += 0.1 * closing
    picks: list[tuple[str, int, float]] = []  # (label, sentence, score)
    labels = [label for label, _ in aspects(review.film)]
    for a, label in enumerate(labels):
        for i in np.argsort(-sims[:, a]):
            if all(int(i) != p[1] for p in picks):
                picks.append((label, int(i), float(sims[i, a])))
                break
    picks = sorted(picks, key=lambda p: -p[2])[:5]
    picks = [p for n, p in enumerate(picks) if n < 3 or p[2] >= 0.25]
    rating = [i for i, t in enumerate(texts) if _RATING.search(t)]
    if review.rating is None and rating and all(rating[-1] != p[1] for p in picks):
        picks[-1] = ("Rating", rating[-1], 1.0)
    order = [*labels, "Rating"]
    picks.sort(key=lambda p: order.index(p[0]))
    quotes = [
        Sentence(review.id, snap.sentences[keep[i]].start, snap.sentences[keep[i]].end, texts[i])
        for _, i, _ in picks
    ]
    # The review's passages, numbered as a summary's prompt numbers them; each quote is claimed
    # from the passage that holds it.
    numbered = [snap.passages[int(r)] for r in rows]
    numbers: dict[int, int] = {}
    for n, r in enumerate(rows, 1):
        a, b = snap.passage_sentences[int(r)]
        for j in range(a, b):
            numbers.setdefault(snap.sentences[j].start, n)
    parts = [Part("name", review.display_name), Part("text", f" on {review.film}")]
    if review.rating:
        parts.append(Part("text", f" — rating: {review.rating}"))
    for (label, _, _), q in zip(picks, quotes, strict=True):
        parts += [Part("break"), Part("text", f"- {label}: ")]
        parts.append(Part("quote", q.text, numbers.get(q.start)))
    return parts, numbered
