"""A critic's summary (`/summary`), built only from their own sentences.

`summarise_review` picks 3–5 sentences of one review that cover different aspects (verdict,
story, action, acting, craft; for a film in a series, how it measures up to the series), each
quote claimed from the passage it came from, and verified (`quotes.verify`) all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from .. import stance
from ..features import RATING, is_question
from ..models import Part, Passage, Review
from ..store import Snapshot
from .extractive import MAX_QUOTE_CHARS, Sentence

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


# How much a summary favours a sentence that judges over one that describes (× stance 0..1).
SUMMARY_STANCE = 0.15


def summarise_review(
    review: Review,
    snap: Snapshot,
    aspect_vecs: np.ndarray,
    verdicts: Mapping[int, float] | None = None,
) -> tuple[list[Part], list[Passage]]:
    """The rating when known, then the critic's own sentences on 3–5 different aspects.

    The verdict is the sentence `verdicts` (sentence row → verdict.scores) rates highest, when
    one scores above 0. Each other aspect takes the review's sentence closest to it (cosine),
    favouring judgements over description (by how strongly the sentence judges: stance.py); so
    does the verdict without `verdicts`, favouring the closing paragraphs where critics sum up
    (+0.1). A question ("Is it better than …?") or a "Rating: …" line is never offered as a
    view; a rating line found in the text is shown as the rating when the front matter has none.
    """
    rows = snap.rows_by_review[review.id]
    first = min(snap.passage_sentences[r][0] for r in rows)
    last = max(snap.passage_sentences[r][1] for r in rows)
    every = list(range(first, last))
    keep = [
        j
        for j in every
        if 30 <= snap.sentences[j].end - snap.sentences[j].start <= MAX_QUOTE_CHARS
        and not is_question(snap.sentence_text(j))
        and not RATING.search(snap.sentence_text(j))
    ] or every
    texts = [snap.sentence_text(j) for j in keep]
    sims = np.asarray(snap.sentence_vectors[keep]) @ aspect_vecs.T  # (sentences, aspects)
    sims += SUMMARY_STANCE * np.array([[stance.strength(t)] for t in texts])
    closing = np.array([i >= 0.75 * len(keep) for i in range(len(keep))])
    sims[:, 0] += 0.1 * closing
    picks: list[tuple[str, int, float]] = []  # (label, sentence, score)
    labels = [label for label, _ in aspects(review.film)]
    best = max(range(len(keep)), key=lambda i: (verdicts or {}).get(keep[i], 0.0))
    if verdicts and verdicts.get(keep[best], 0.0) > 0:
        picks.append((labels[0], best, 1.0))  # the critic's bottom line is always shown
    for a, label in enumerate(labels):
        if any(p[0] == label for p in picks):
            continue
        for i in np.argsort(-sims[:, a]):
            if all(int(i) != p[1] for p in picks):
                picks.append((label, int(i), float(sims[i, a])))
                break
    picks = sorted(picks, key=lambda p: -p[2])[:5]
    picks = [p for n, p in enumerate(picks) if n < 3 or p[2] >= 0.25]
    rating_lines = [j for j in every if RATING.search(snap.sentence_text(j))]
    if review.rating is None and rating_lines:
        keep.append(rating_lines[-1])
        texts.append(snap.sentence_text(rating_lines[-1]))
        picks[-1] = ("Rating", len(keep) - 1, 1.0)
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
