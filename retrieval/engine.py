"""The one object adapters talk to: index, ask, summary, critics.

    engine = Engine(data_dir, index_dir, embedder=None, llm=None,
                    max_question_chars=1000, default_k=8)
    engine.index(on_progress=None) -> IndexReport    # one at a time (ReindexBusy); readers keep
                                                     # answering from the previous index meanwhile
    engine.ensure_index() -> IndexReport | None      # builds when there is no index yet
    engine.ask(question, critic=None, film=None, k=None, use_llm=True,
               on_delta=None) -> Answer              # on_delta(chunk: str) while an LLM streams
    engine.summary(critic, use_llm=True, on_delta=None) -> Answer
    engine.critics() -> list[Review]                 # every indexed review, by display name
    engine.find_review(name) -> Review               # id or display name, case-insensitive;
                                                     # raises UnknownCritic with suggestions
    engine.complete_critics(prefix, limit=25) -> list[Review]   # [] on an empty index
    engine.check_question(question) -> str          # stripped; raises BadQuestion

All methods are synchronous and thread-safe; async adapters call them via asyncio.to_thread.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .answer import extractive
from .chunking import chunk_review
from .corpus import load_corpus
from .coverage import mentioned, named_terms
from .embeddings import MODEL_MAX_TOKENS, Embedder, WordPieceCounter
from .errors import BadQuestion, IndexMismatch, LLMError, ReindexBusy, UnknownCritic, UserError
from .models import Answer, IndexReport, Passage, Review
from .search import Hit, Searcher
from .store import IndexStore, Snapshot

if TYPE_CHECKING:
    from .models import ScoredPassage

log = logging.getLogger(__name__)

# Called as on_progress(stage, done, total) while indexing ("embedding" passages).
Progress = Callable[[str, int, int], None]
# Passages whose cosine to the question is at least this are offered as "closest" when no
# review covers the question.
RELATED = 0.35
EMBED_BATCH = 64


class LLM(Protocol):
    def answer(
        self,
        question: str,
        passages: list[ScoredPassage],
        reviews: dict[str, Review],
        *,
        on_delta: Callable[[str], None] | None = None,
        summary_of: Review | None = None,
    ) -> Answer: ...


class _EmbedCache:
    """Sentence embeddings by text (LRU): the extractive answer embeds the same sentences often."""

    def __init__(self, embedder: Embedder, size: int = 20000) -> None:
        self._embedder = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vecs = self._embedder.embed_documents(missing)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = [self._cache[t] for t in texts]
            for t in texts:
                self._cache.move_to_end(t)
        return np.stack(out) if out else np.zeros((0, self._embedder.dim), dtype=np.float32)


def default_embedder(index_dir: Path) -> Embedder:
    """The fastest embedder available for this model (ONNX when exported, else torch)."""
    try:
        from .onnx_embedding import default_embedder as onnx_default
    except ImportError:
        from .embeddings import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder()
    return onnx_default(index_dir.parent / "models")


class Engine:
    def __init__(
        self,
        data_dir: Path,
        index_dir: Path,
        *,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        max_question_chars: int = 1000,
        default_k: int = 8,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.index_dir = Path(index_dir)
        self.llm = llm
        self.max_question_chars = max_question_chars
        self.default_k = default_k
        self._embedder = embedder
        self._store = IndexStore(self.index_dir)
        self._searcher: Searcher | None = None
        self._state = threading.Lock()  # guards _searcher / _embedder creation
        self._indexing = threading.Lock()  # one reindex at a time
        self._counter: WordPieceCounter | None = None
        self._embed_cache: _EmbedCache | None = None
        self._aspects: np.ndarray | None = None

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._state:
            if self._embedder is None:
                self._embedder = default_embedder(self.index_dir)
            return self._embedder

    def _embed_many(self, texts: list[str]) -> np.ndarray:
        if self._embed_cache is None:
            self._embed_cache = _EmbedCache(self.embedder)
        return self._embed_cache(texts)

    def _open(self) -> Searcher | None:
        """The live searcher, loading the current generation on first use (None: no index)."""
        if self._searcher is not None:
            return self._searcher
        with self._state:
            if self._searcher is None:
                from .embeddings import MODEL_DIM, MODEL_NAME

                snap = self._store.current(model=MODEL_NAME, dim=MODEL_DIM)
                if snap is not None:
                    self._searcher = Searcher(snap, self._store.collection(snap))
            return self._searcher

    def has_index(self) -> bool:
        return self._store.exists()

    def snapshot(self) -> Snapshot | None:
        searcher = self._open()
        return searcher.snapshot if searcher else None

    def _require(self) -> Searcher:
        searcher = self._open()
        if searcher is None:
            self.ensure_index()
            searcher = self._open()
        assert searcher is not None
        return searcher

    # -- indexing ------------------------------------------------------------------------------
    def ensure_index(self, on_progress: Progress | None = None) -> IndexReport | None:
        """Build the index if there is none yet; returns the report when it built one."""
        if self._store.exists():
            return None
        report = self.index(on_progress=on_progress)
        return IndexReport(**{**report.__dict__, "built_first_time": True})

    def index(self, on_progress: Progress | None = None) -> IndexReport:
        """Bring the index in line with the review files; incremental and atomic."""
        if not self._indexing.acquire(blocking=False):
            raise ReindexBusy("A reindex is already running; try again when it has finished.")
        try:
            return self._index(on_progress)
        finally:
            self._indexing.release()

    def _index(self, on_progress: Progress | None) -> IndexReport:
        from .embeddings import MODEL_DIM, MODEL_NAME

        t0 = time.perf_counter()
        self._store.check_writable()
        reviews, rejected = load_corpus(self.data_dir)
        try:
            prev = self._store.current(model=MODEL_NAME, dim=MODEL_DIM)
        except IndexMismatch as err:
            log.warning("%s — rebuilding from scratch", err)
            prev = None
        old = prev.reviews if prev else {}
        new = {r.id: r for r in reviews}
        added = tuple(i for i in new if i not in old)
        changed = tuple(i for i in new if i in old and old[i].content_hash != new[i].content_hash)
        removed = tuple(i for i in old if i not in new)
        unchanged = tuple(i for i in new if i in old and i not in changed)
        # Moving a file without changing it keeps its vectors but must update its path.
        moved = any(old[i].path != new[i].path for i in unchanged)

        def report(n: int) -> IndexReport:
            return IndexReport(
                added, changed, removed, unchanged, tuple(rejected), n, time.perf_counter() - t0
            )

        if prev is not None and not (added or changed or removed or moved):
            return report(len(prev.passages))

        counter = self._counter = self._counter or WordPieceCounter()
        passages: list[Passage] = []
        vectors: list[np.ndarray] = []
        todo: list[Passage] = []
        slots: list[int] = []
        for review in reviews:
            if prev is not None and review.id in unchanged:
                rows = prev.rows_by_review[review.id]
                for p, row in zip((prev.passages[i] for i in rows), rows, strict=True):
                    passages.append(p)
                    vectors.append(np.asarray(prev.vectors[row]))
                continue
            for p in chunk_review(review, counter.count, limit=MODEL_MAX_TOKENS - 6):
                slots.append(len(passages))
                passages.append(p)
                vectors.append(np.empty(0))
                todo.append(p)
        embedder = self.embedder
        for lo in range(0, len(todo), EMBED_BATCH):
            if on_progress:
                on_progress("embedding", lo, len(todo))
            batch = embedder.embed_documents([p.text for p in todo[lo : lo + EMBED_BATCH]])
            for j, vec in enumerate(batch):
                vectors[slots[lo + j]] = vec
        if on_progress:
            on_progress("embedding", len(todo), len(todo))
        matrix = (
            np.stack(vectors).astype(np.float32)
            if vectors
            else np.zeros((0, MODEL_DIM), np.float32)
        )
        snap = self._store.write_generation(
            model=MODEL_NAME, dim=MODEL_DIM, reviews=reviews, passages=passages,
            vectors=matrix, previous=prev,
        )  # fmt: skip
        searcher = Searcher(snap, self._store.collection(snap))
        with self._state:
            self._searcher = searcher
        return report(len(passages))

    # -- reviews and critics -------------------------------------------------------------------
    def critics(self) -> list[Review]:
        snap = self._require().snapshot
        return sorted(snap.reviews.values(), key=lambda r: (r.display_name.lower(), r.id))

    def find_review(self, name: str) -> Review:
        wanted = " ".join(name.split()).lower()
        reviews = self.critics()
        for r in reviews:
            if wanted in {r.id.lower(), r.display_name.lower(), (r.critic or "").lower()}:
                return r
        partial = [r for r in reviews if wanted and wanted in r.display_name.lower()]
        if len(partial) == 1:
            return partial[0]
        names = [r.display_name for r in reviews] + [r.id for r in reviews]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        if not close:
            close = [r.display_name for r in partial[:3]]
        raise UnknownCritic(name, list(dict.fromkeys(close)))

    def complete_critics(self, prefix: str, limit: int = 25) -> list[Review]:
        if self._open() is None:
            return []
        low = prefix.strip().lower()
        reviews = self.critics()
        starts = [
            r for r in reviews if r.display_name.lower().startswith(low) or r.id.startswith(low)
        ]
        inner = [
            r for r in reviews if r not in starts and (low in r.display_name.lower() or low in r.id)
        ]
        return (starts + inner)[:limit]

    def check_question(self, question: str) -> str:
        text = " ".join((question or "").split())
        if not text:
            raise BadQuestion("The question is empty: ask something about the reviews.")
        if len(question) > self.max_question_chars:
            raise BadQuestion(
                f"The question is {len(question)} characters long; the limit is "
                f"{self.max_question_chars}. Please shorten it."
            )
        return text

    def _film_filter(self, film: str, reviews: dict[str, Review]) -> set[str]:
        low = " ".join(film.split()).lower()
        ids = {r.id for r in reviews.values() if low in r.film.lower()}
        if not ids:
            films = sorted({r.film for r in reviews.values()})
            raise UserError(f"No review is of a film matching {film!r}. Films: {', '.join(films)}")
        return ids

    # -- answering -----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        critic: str | None = None,
        film: str | None = None,
        k: int | None = None,
        use_llm: bool = True,
        on_delta: Callable[[str], None] | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        question = self.check_question(question)
        k = k or self.default_k
        if k < 1:
            raise UserError(f"-k must be at least 1, not {k}")
        searcher = self._require()
        reviews = searcher.snapshot.reviews
        scope: set[str] | None = None
        if critic:
            scope = {self.find_review(critic).id}
        if film:
            film_ids = self._film_filter(film, reviews)
            scope = film_ids if scope is None else scope & film_ids
        t1 = time.perf_counter()
        qvec = self.embedder.embed_query(question)
        t2 = time.perf_counter()
        hits = searcher.search(question, qvec, k=k, review_ids=scope)
        t3 = time.perf_counter()
        timings = {"embed_ms": (t2 - t1) * 1e3, "search_ms": (t3 - t2) * 1e3}

        in_scope = [reviews[i] for i in (scope or reviews)]
        names = named_terms(question)
        missing = [n for n in names if not mentioned(n, (r.body for r in in_scope))]
        if names and len(missing) == len(names):
            return self._not_covered(question, missing, hits, t0, timings)

        if self.llm is not None and use_llm:
            try:
                answer = self.llm.answer(
                    question, [h.scored() for h in hits], dict(reviews), on_delta=on_delta
                )
                return self._finish(answer, t0, timings)
            except LLMError as err:
                log.warning("LLM failed (%s); answering extractively", err.reason)
                fallback: str | None = err.reason
        else:
            fallback = None
        text, citations = extractive.answer_question(
            question, qvec, hits, reviews, self._embed_many, names
        )
        if not citations:
            return self._not_covered(question, [], hits, t0, timings, fallback)
        if missing:
            text += "\n\n" + " ".join(f"No review mentions {n}." for n in missing)
        answer = Answer(
            question, text, True, "extractive", citations, tuple(h.scored() for h in hits),
            fallback_reason=fallback,
        )  # fmt: skip
        return self._finish(answer, t0, timings)

    def _not_covered(
        self,
        question: str,
        missing: Sequence[str],
        hits: Sequence[Hit],
        t0: float,
        timings: dict[str, float],
        fallback: str | None = None,
    ) -> Answer:
        """found=False: say so plainly; offer the closest passages only if they are related."""
        if missing:
            text = " ".join(f"No review mentions {n}." for n in missing)
        else:
            text = "No review covers that question."
        related = [h for h in hits if h.dense >= RELATED][:2]
        citations = ()
        if related:
            reviews = self._require().snapshot.reviews
            picks = [
                extractive.Sentence(
                    h.passage.review_id, h.passage.start, h.passage.end, h.passage.text
                )
                for h in related
            ]
            citations = extractive.cite(picks, reviews)
            closest = "\n".join(f"- **{c.name}**: “{c.quote}” [{c.n}]" for c in citations)
            text += f"\nThe closest passages:\n{closest}"
        answer = Answer(
            question, text, False, "extractive", citations, tuple(h.scored() for h in hits),
            fallback_reason=fallback,
        )  # fmt: skip
        return self._finish(answer, t0, timings)

    def _finish(self, answer: Answer, t0: float, timings: dict[str, float]) -> Answer:
        total = (time.perf_counter() - t0) * 1e3
        merged = {**timings, **answer.timings_ms, "total_ms": total}
        return Answer(**{**answer.__dict__, "timings_ms": merged})

    def summary(
        self, critic: str, *, use_llm: bool = True, on_delta: Callable[[str], None] | None = None
    ) -> Answer:
        t0 = time.perf_counter()
        searcher = self._require()
        review = self.find_review(critic)
        question = f"Summarise {review.display_name}'s review of {review.film}"
        passages = [
            searcher.snapshot.passages[i] for i in searcher.snapshot.rows_by_review[review.id]
        ]
        from .models import ScoredPassage

        scored = [ScoredPassage(p, 1.0) for p in passages]
        fallback: str | None = None
        if self.llm is not None and use_llm:
            try:
                answer = self.llm.answer(
                    question, scored, dict(searcher.snapshot.reviews),
                    on_delta=on_delta, summary_of=review,
                )  # fmt: skip
                return self._finish(answer, t0, {})
            except LLMError as err:
                log.warning("LLM failed (%s); summarising extractively", err.reason)
                fallback = err.reason
        if self._aspects is None:
            self._aspects = self._embed_many(list(extractive.ASPECTS))
        text, citations = extractive.summarise_review(review, self._embed_many, self._aspects)
        answer = Answer(
            question, text, True, "extractive", citations, tuple(scored), fallback_reason=fallback
        )
        return self._finish(answer, t0, {})


def review_rows(snapshot: Snapshot) -> dict[str, Any]:
    return {rid: rows.tolist() for rid, rows in snapshot.rows_by_review.items()}
