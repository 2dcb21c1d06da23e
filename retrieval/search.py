"""Hybrid search that ranks passages by their best *sentence* for the question.

1. Candidates: the passages closest to the question in Chroma (numpy over the rows of a filtered
   slice) and the best BM25 passages, `POOL` each.
2. Every sentence of a candidate gets measured features (features.py: cosine to the question,
   the passage's and its neighbours' cosines, IDF-weighted term coverage, how strongly it
   judges, position, bare questions and "Rating:" lines, the question's intent...) and a fitted
   model (ranker.py) turns them into the probability that it answers the question.
3. A passage ranks by the log of its best sentence's probability plus its own cosine; picking is
   greedy and a sentence counts once, so the overlapping neighbour of a chosen passage must bring
   a new good sentence to be chosen too.
   There is no per-review quota: a review that does not address the question is not dragged in.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import features, ranker, verdict
from .lexical import terms
from .models import Passage, ScoredPassage
from .names import surnames_in
from .store import Snapshot

if TYPE_CHECKING:
    from .query import Query

log = logging.getLogger(__name__)

POOL = 48  # candidates taken from each ranking
SENTENCE_CACHE = 20_000  # sentences whose terms and stance a Searcher keeps (~25 MB at most)
SURNAME_CACHE = 4_096  # reviews whose full names by surname a Searcher keeps
_SURFACE = re.compile(r"[a-z][a-z-]{3,}")
# The passage's own cosine, weighted: of two passages with equally likely best sentences, the one
# more about the question overall ranks first.
PASSAGE_WEIGHT = 2.0
# Each passage already taken from a review lowers that review's next one by this: a mild
# spread, so the passages handed on (to the LLM, or quoted) are not all one critic's when
# others speak to the question too. Not a quota: a clearly better passage still wins.
SPREAD = 0.5
# verdict/comparison: a review whose best sentence is less likely than this to answer is out.
ROUND_ROBIN_FLOOR = 0.0


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # rank score: the passage's best sentence not already covered by a better hit
    dense: float  # cosine of the passage vector to the question
    lexical: float  # BM25 score of the passage
    # (sentence row, score) for each of the passage's sentences, in text order.
    sentences: tuple[tuple[int, float], ...] = ()

    def scored(self) -> ScoredPassage:
        return ScoredPassage(self.passage, self.score)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` highest scores, best first (argpartition: no full sort at 100k)."""
    if len(scores) > n:
        part = np.argpartition(-scores, n - 1)[:n]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


class Searcher:
    """Searches one index generation; immutable, so it can be swapped whole after a reindex."""

    def __init__(
        self,
        snapshot: Snapshot,
        open_collection: Callable[[], Any],
        model: ranker.Ranker | None = None,
    ) -> None:
        """`open_collection()` returns the generation's Chroma collection; called on first need.
        `model` scores sentences (default: the shipped `ranker.json`)."""
        self.snapshot = snapshot
        self._model = model
        self._open_collection = open_collection
        self._collection: Any = None
        self._lock = threading.Lock()
        self.lexical = snapshot.lexical()  # BM25 saved with the generation (memory-mapped)
        self._row = snapshot.row_of
        self._vocabulary: list[str] | None = None
        # What score_sentences needs of a sentence besides its vector, kept for the sentences
        # questions touch most: stemming and scoring ~500 candidate sentences per question was
        # most of an answer's time at 100k passages. Bounded (an archive has ~10^6 sentences).
        self.surnames = functools.lru_cache(maxsize=SURNAME_CACHE)(
            lambda rid: surnames_in(snapshot.reviews[rid].body)
        )
        self.traits = functools.lru_cache(maxsize=SENTENCE_CACHE)(
            lambda j: features.traits(
                snapshot.sentence_text(j), self.surnames(snapshot.sentences[j].review_id)
            )
        )

    def with_model(self, model: ranker.Ranker) -> Searcher:
        """A Searcher of the same generation whose sentences `model` scores (for measuring a
        model fitted on part of tune against the rest: bench/train_ranker.py `--cv-answers`)."""
        return Searcher(self.snapshot, self._open_collection, model)

    def _chroma(self) -> Any:
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._collection = self._open_collection()
        return self._collection

    def _dense(self, qvec: np.ndarray, rows: np.ndarray | None, n: int) -> dict[int, float]:
        """Row → cosine for the top `n` passages (within `rows` when filtering)."""
        total = len(self.snapshot.passages)
        if not total:
            return {}
        if rows is not None:
            # Filtered: exact dot products over the filtered rows of vectors.npy beat Chroma's
            # `where` filter (98–295 ms at 100k rows, docs/benchmarks.md), and miss nothing.
            sims = np.asarray(self.snapshot.vectors[rows] @ qvec, dtype=np.float32)
            top = _top(sims, n)
            return {int(rows[j]): float(sims[j]) for j in top}
        res = self._chroma().query(
            query_embeddings=[qvec.tolist()], n_results=min(n, total), include=["distances"]
        )
        return {
            self._row[pid]: 1.0 - float(d)
            for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        }

    def vocabulary(self) -> list[str]:
        """Every distinct lower-case word of four letters or more in the reviews (for mending
        typos in questions); built on first use, once per generation."""
        if self._vocabulary is None:
            with self._lock:
                if self._vocabulary is None:
                    words: set[str] = set()
                    for review in self.snapshot.reviews.values():
                        words.update(_SURFACE.findall(review.body.lower()))
                    self._vocabulary = sorted(words)
        return self._vocabulary

    def reviews_naming(self, name: str) -> set[str] | None:
        """Reviews that contain every word of `name` (None: the name has no searchable word).

        Uses the BM25 postings, so it costs a few set operations, not a scan of every review."""
        words = terms(name)
        if not words:
            return None
        found = self.review_ids_with(words[0])
        for word in words[1:]:
            found &= self.review_ids_with(word)
        return found

    @functools.cached_property
    def _review_ids(self) -> list[str]:
        return list(self.snapshot.rows_by_review)

    @functools.cached_property
    def _review_codes(self) -> np.ndarray:
        """Row → index into `_review_ids` (a common word's postings are tens of thousands of rows
        at archive size: mapping them through Passage objects cost ~10 ms per name)."""
        codes = np.zeros(len(self.snapshot.passages), dtype=np.int32)
        for i, rows in enumerate(self.snapshot.rows_by_review.values()):
            codes[rows] = i
        return codes

    def passages_naming(self, name: str, limit: int = 200) -> list[str]:
        """Texts of (up to `limit`) passages containing the first word of `name`."""
        words = terms(name)
        rows = self.lexical.rows_with(words[0])[:limit] if words else np.zeros(0, dtype=np.int64)
        return [self.snapshot.passages[r].text for r in rows]

    def rows_for(self, review_ids: Collection[str]) -> np.ndarray:
        parts = [
            self.snapshot.rows_by_review[r] for r in review_ids if r in self.snapshot.rows_by_review
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def idf(self, term: str) -> float:
        n = len(self.snapshot.passages)
        return math.log(1.0 + n / (1.0 + len(self.lexical.rows_with(term))))

    def score_sentences(
        self,
        query: Query,
        qvec: np.ndarray,
        rows: list[int],
        passage_cosine: dict[int, float] | None = None,
    ) -> dict[int, float]:
        """Sentence row → the probability that it answers the question (ranker.py), for every
        sentence of the passages `rows`, from the features features.py measures."""
        idx, x = features.matrix(self, query, qvec, rows, passage_cosine)
        if not idx:
            return {}
        model = self._model or ranker.default()
        return dict(zip(idx, model.probability(x).tolist(), strict=True))

    def review_span(self, review_id: str) -> tuple[int, int]:
        """The sentence rows [first, last) of one review."""
        rows = self.snapshot.rows_by_review[review_id]
        spans = self.snapshot.passage_sentences
        return spans[int(rows[0])][0], spans[int(rows[-1])][1]

    def review_ids_with(self, term: str) -> set[str]:
        """Reviews whose text contains the stemmed `term` (from BM25's postings)."""
        codes = np.unique(self._review_codes[self.lexical.rows_with(term)])
        return {self._review_ids[c] for c in codes.tolist()}

    def candidates(
        self, question: str, qvec: np.ndarray, rows: np.ndarray | None
    ) -> tuple[dict[int, float], np.ndarray]:
        """(row → cosine for the POOL closest passages and the POOL best BM25 passages, every
        passage's BM25 score), within `rows` when filtering."""
        dense = self._dense(qvec, rows, POOL)
        mask = None
        if rows is not None:
            mask = np.zeros(len(self.snapshot.passages), dtype=np.float32)
            mask[rows] = 1.0
        lex = self.lexical.scores(question, mask)
        lex_top = [int(i) for i in _top(lex, POOL) if lex[i] > 0]
        missing = [r for r in lex_top if r not in dense]
        if missing:
            sims = np.asarray(self.snapshot.vectors[np.asarray(missing)] @ qvec)
            dense.update({r: float(s) for r, s in zip(missing, sims, strict=True)})
        return dense, lex

    def search(
        self,
        query: Query,
        qvec: np.ndarray,
        *,
        k: int,
        review_ids: Collection[str] | None = None,
    ) -> list[Hit]:
        """The `k` best passages for the analysed question `query`, best first (see the
        module doc)."""
        intent = query.intent
        passages = self.snapshot.passages
        rows = self.rows_for(review_ids) if review_ids is not None else None
        if rows is not None and not len(rows):
            return []
        dense, lex = self.candidates(query.search_text, qvec, rows)
        cands = list(dense)
        if query.overall:
            # Each review's overall verdict (verdict.py), from anywhere in the reviews found.
            cands = self.rows_for({passages[r].review_id for r in cands}).tolist()
            cosines = np.asarray(self.snapshot.vectors[np.asarray(cands)] @ qvec).tolist()
            dense = dict(zip(cands, cosines, strict=True))
            sentence_scores = verdict.scores(self, qvec, cands)
        else:
            sentence_scores = self.score_sentences(query, qvec, cands, dense)
        spans = {r: range(*self.snapshot.passage_sentences[r]) for r in cands}

        def rank(r: int, covered: set[int]) -> float:
            # Log-odds of the best sentence not already handed on, plus the passage's cosine.
            fresh = max((sentence_scores[j] for j in spans[r] if j not in covered), default=0.0)
            return math.log(max(fresh, 1e-6)) + PASSAGE_WEIGHT * dense[r]

        def hit(r: int, score: float) -> Hit:
            return Hit(passages[r], score, dense[r], float(lex[r]),
                       tuple((j, sentence_scores[j]) for j in spans[r]))  # fmt: skip

        chosen: list[Hit] = []
        covered: set[int] = set()
        pool = set(cands)
        if intent in ("verdict", "comparison"):
            # Each critic's stance is wanted: take every review's best passage before any
            # review's second (reviews in order of their best), skipping reviews with nothing
            # near the question.
            by_review: dict[str, list[int]] = {}
            for r in sorted(pool, key=lambda r: (-rank(r, set()), r)):
                by_review.setdefault(passages[r].review_id, []).append(r)
            queues = [
                rs
                for rs in by_review.values()
                if max(sentence_scores[j] for j in spans[rs[0]]) >= ROUND_ROBIN_FLOOR
            ]
            while queues and len(chosen) < k:
                for rs in list(queues):
                    if len(chosen) >= k:
                        break
                    r = rs.pop(0)
                    chosen.append(hit(r, rank(r, covered)))
                    covered.update(spans[r])
                    if not rs:
                        queues.remove(rs)
            return chosen
        taken: dict[str, int] = {}

        def spread(r: int) -> float:
            return rank(r, covered) - SPREAD * taken.get(passages[r].review_id, 0)

        while pool and len(chosen) < k:
            row = max(pool, key=lambda r: (spread(r), -r))
            chosen.append(hit(row, spread(row)))
            pool.discard(row)
            covered.update(spans[row])
            rid = passages[row].review_id
            taken[rid] = taken.get(rid, 0) + 1
        return chosen
