"""What search measures of a candidate sentence for the sentence model (ranker.py).

`traits` is what a sentence is on its own (its stemmed terms, how strongly it judges, whether
it is a bare question, a fragment or a "Rating:" line, whether it leans on the sentence before);
a Searcher caches it per sentence. `matrix` adds what depends on the question (cosines of the
sentence, its passage and neighbours; IDF-weighted term coverage; the question's intent) and
returns one row per sentence in `ranker.FEATURES` order: the one definition the model is fitted
on (bench/train_ranker.py) and applied to (search.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import ranker, stance
from .lexical import _QUERY_STOP, terms

if TYPE_CHECKING:
    from .query import Query
    from .search import Searcher

QUESTION_PENALTY = 0.15  # "Is it better than most movies?" is not a view on its own
SHORT_PENALTY = 0.1  # fewer than SHORT_WORDS words
SHORT_WORDS = 5
# A sentence that leans on the one before ("His appearances are shoehorned.") is about what that
# one is about: the model sees the previous sentence's cosine for such sentences.
_LEANS = re.compile(
    r"^[\"“‘(]*(?:he|she|it|they|his|her|its|their|him|them|this|that|these|those|but|and|yet|"
    r"still|so|also|even|sure|instead|however|though|which|then)\b",
    re.IGNORECASE,
)
INTENTS = ("topic", "verdict", "comparison", "rating")
# A critic's score in the text: "Rating: 4 out of 5.", "3/5", "4 stars" (digits only).
RATING = re.compile(r"\b\d(?:\.\d)?\s*(?:/|out of)\s*(?:4|5|10)\b|\b\d(?:\.\d)?\s*stars?\b", re.I)


def is_question(sentence: str) -> bool:
    """A sentence that asks ("Is it better than most movies?"), closing quotes aside."""
    return sentence.rstrip(' "”’)').endswith("?")


@dataclass(frozen=True)
class Traits:
    """A sentence's features that do not depend on the question."""

    terms: frozenset[str]  # stemmed
    stance: float  # stance.strength
    penalty: float  # rhetorical question, too short
    rating_line: bool  # "Rating: 4 out of 5."
    words: int
    leans: bool  # opens with a word that leans on the sentence before (_LEANS)


def traits(sentence: str, surnames: Mapping[str, frozenset[str]] | None = None) -> Traits:
    """`surnames`: names.surnames_in of the sentence's review; a surname in the sentence counts
    as the whole name ("Armas" as "Ana de Armas")."""
    words = len(sentence.split())
    found = set(terms(sentence))
    full = surnames or {}
    for t in list(found):
        found.update(full.get(t, ()))
    penalty = QUESTION_PENALTY if is_question(sentence) else 0.0
    penalty += SHORT_PENALTY if words < SHORT_WORDS else 0.0
    return Traits(
        frozenset(found),
        stance.strength(sentence),
        penalty,
        bool(RATING.search(sentence)),
        words,
        bool(_LEANS.match(sentence)),
    )


def matrix(
    searcher: Searcher,
    query: Query,
    qvec: np.ndarray,
    rows: list[int],
    passage_cosine: dict[int, float] | None = None,
) -> tuple[list[int], np.ndarray]:
    """(sentence rows, feature matrix in `ranker.FEATURES` order) for every sentence of the
    passages `rows` of `searcher`'s snapshot, for the analysed question `query` (its search
    text, intent, unmatched share, genericness) with vector `qvec`."""
    intent, generic = query.intent, query.generic
    snap = searcher.snapshot
    idx = sorted({j for r in rows for j in range(*snap.passage_sentences[r])})
    if not idx:
        return [], np.zeros((0, len(ranker.FEATURES)), dtype=np.float32)
    # Each sentence with its neighbours, so "previous"/"next" need no second pass.
    near = sorted({i for j in idx for i in (j - 1, j, j + 1) if 0 <= i < len(snap.sentences)})
    cos_near = dict(zip(near, np.asarray(snap.sentence_vectors[np.asarray(near)] @ qvec,
                                         dtype=np.float32).tolist(), strict=True))  # fmt: skip
    if passage_cosine is None:
        sims = np.asarray(snap.vectors[np.asarray(rows)] @ qvec, dtype=np.float32)
        passage_cosine = dict(zip(rows, sims.tolist(), strict=True))
    holding: dict[int, float] = {}
    for r in rows:
        for j in range(*snap.passage_sentences[r]):
            holding[j] = max(holding.get(j, -1.0), passage_cosine[r])
    # A question of only generic words ("was it worth watching?") has no topic to match: its
    # words in a sentence ("for whatever it's worth") say nothing about the sentence answering.
    asked = dict.fromkeys(terms(query.search_text))
    qterms = [] if generic else [t for t in asked if t not in _QUERY_STOP]
    weights = {t: searcher.idf(t) for t in qterms}
    total = sum(weights.values()) or 1.0
    review_of = [snap.sentences[j].review_id for j in idx]
    best: dict[str, float] = {}
    for j, rid in zip(idx, review_of, strict=True):
        best[rid] = max(best.get(rid, -1.0), cos_near[j])
    kind = [1.0 if intent == k else 0.0 for k in INTENTS]
    spans: dict[str, tuple[int, int]] = {}
    judged = kind[1] + kind[2]
    out = np.zeros((len(idx), len(ranker.FEATURES)), dtype=np.float32)
    for n, (j, rid) in enumerate(zip(idx, review_of, strict=True)):
        f = searcher.traits(j)
        if rid not in spans:
            spans[rid] = searcher.review_span(rid)
        first, last = spans[rid]
        at = (j - first) / max(1, last - first - 1)
        edge = min(at, 1.0 - at)
        prev = cos_near.get(j - 1, 0.0) if j > first else 0.0
        nxt = cos_near.get(j + 1, 0.0) if j + 1 < last else 0.0
        matched = [t for t in qterms if t in f.terms]
        out[n] = (
            cos_near[j], holding[j], sum(weights[t] for t in matched) / total,
            min(len(matched), 3), f.stance, f.penalty, float(f.rating_line),
            float(f.rating_line) * kind[3], edge,
            f.words / 30.0, prev, nxt, prev if f.leans else 0.0, best[rid],
            cos_near[j] - best[rid], query.unmatched, float(generic), *kind,
            f.stance * kind[1], f.stance * kind[2], edge * judged,
        )  # fmt: skip
    return idx, out
