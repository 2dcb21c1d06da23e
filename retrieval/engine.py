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
    engine.warm_up()                                 # open the index and model ahead of use

All methods are synchronous and thread-safe; async adapters call them via asyncio.to_thread.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .answer import extractive
from .coverage import full_names, named_terms
from .embeddings import Embedder
from .errors import BadQuestion, LLMError, UnknownCritic, UserError
from .indexing import Indexer, Progress
from .models import Answer, IndexReport, Review, ScoredPassage
from .search import Hit, Searcher
from .store import IndexStore, Snapshot

log = logging.getLogger(__name__)

# Passages whose cosine to the question is at least this are offered as "closest" when no
# review covers the question.
RELATED = 0.35


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


def _no_mention(names: Sequence[str]) -> str:
    return " ".join(f"No review mentions {n}." for n in names)


def default_embedder(model_dir: Path) -> Embedder:
    """ONNX all-MiniLM-L6-v2 (exported into `model_dir` once); falls back to torch."""
    from .onnx_embedding import default_embedder as onnx_default

    return onnx_default(model_dir)


class Engine:
    def __init__(
        self,
        data_dir: Path,
        index_dir: Path,
        *,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        model_dir: Path = Path(".reviewbot/models"),
        max_question_chars: int = 1000,
        default_k: int = 8,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.index_dir = Path(index_dir)
        self.llm = llm
        self.model_dir = Path(model_dir)
        self.max_question_chars = max_question_chars
        self.default_k = default_k
        self._embedder = embedder
        self._store = IndexStore(self.index_dir)
        self._searcher: Searcher | None = None
        self._state = threading.Lock()  # guards _searcher / _embedder creation
        self._indexer = Indexer(
            self.data_dir, self._store, lambda: self.embedder, on_built=self._built
        )
        self._indexing = self._indexer._indexing  # one reindex at a time (held by tests)
        self._aspects: np.ndarray | None = None

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._state:
            if self._embedder is None:
                self._embedder = default_embedder(self.model_dir)
            return self._embedder

    def _open(self) -> Searcher | None:
        """The live searcher, loading the current generation on first use (None: no index)."""
        if self._searcher is not None:
            return self._searcher
        with self._state:
            if self._searcher is None:
                from .embeddings import MODEL_DIM, MODEL_NAME

                snap = self._store.current(model=MODEL_NAME, dim=MODEL_DIM)
                if snap is not None:
                    self._searcher = Searcher(snap, lambda: self._store.collection(snap))
            return self._searcher

    def warm_up(self) -> None:
        """Open the index and load the model now, so a long-running bot's first answer is fast."""
        if self._open() is not None:
            self.embedder.embed_query("warm up")

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
        return self._indexer.ensure_index(on_progress)

    def index(self, on_progress: Progress | None = None) -> IndexReport:
        """Bring the index in line with the review files; incremental and atomic."""
        return self._indexer.index(on_progress)

    def _built(self, snap: Snapshot) -> None:
        searcher = Searcher(snap, lambda: self._store.collection(snap))
        with self._state:
            self._searcher = searcher

    # -- reviews and critics -------------------------------------------------------------------
    def critics(self) -> list[Review]:
        return list(self._require().snapshot.reviews_by_name)

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

        in_scope = set(scope or reviews)
        names = named_terms(question)
        missing = []
        for name in names:
            naming = searcher.reviews_naming(name)
            if naming is not None and not naming & in_scope:
                missing.append(name)
        if names and len(missing) == len(names):
            return self._not_covered(question, qvec, missing, hits, t0, timings, scope=scope)

        fallback: str | None = None
        if self.llm is not None and use_llm:
            llm_answer, fallback = self._try_llm(
                question, [h.scored() for h in hits], reviews, on_delta
            )
            if llm_answer is not None:
                return self._finish(llm_answer, t0, timings)
        aliases = [a for n in names for a in full_names(n, searcher.passages_naming(n))]
        text, citations = extractive.answer_question(
            question, qvec, hits, searcher.snapshot, [*names, *aliases]
        )
        if not citations:
            return self._not_covered(question, qvec, [], hits, t0, timings, fallback, scope)
        if missing:
            text += "\n\n" + _no_mention(missing)
        answer = Answer(
            question, text, True, "extractive", citations, tuple(h.scored() for h in hits),
            fallback_reason=fallback,
        )  # fmt: skip
        return self._finish(answer, t0, timings)

    def _not_covered(
        self,
        question: str,
        qvec: np.ndarray,
        missing: Sequence[str],
        hits: Sequence[Hit],
        t0: float,
        timings: dict[str, float],
        fallback: str | None = None,
        scope: set[str] | None = None,
    ) -> Answer:
        """found=False: say so plainly; offer the closest passages only if they are related."""
        text = _no_mention(missing) if missing else "No review covers that question."
        searcher = self._require()
        # Offer the sentences closest to what is left of the question without the missing
        # names ("Hans Zimmer's score" → "score"), only if they are close enough to be useful.
        rest = question
        for name in missing:
            rest = re.sub(rf"{re.escape(name)}(['’]s)?", " ", rest)
        if rest != question and rest.strip():
            qvec = self.embedder.embed_query(rest)
            hits = searcher.search(rest, qvec, k=self.default_k, review_ids=scope)
        citations = extractive.closest_sentences(qvec, hits, searcher.snapshot, RELATED)
        if citations:
            text += "\nThe closest passages:\n" + "\n".join(extractive.quote_lines(citations))
        answer = Answer(
            question, text, False, "extractive", citations, tuple(h.scored() for h in hits),
            fallback_reason=fallback,
        )  # fmt: skip
        return self._finish(answer, t0, timings)

    def _try_llm(
        self,
        question: str,
        passages: list[ScoredPassage],
        reviews: dict[str, Review],
        on_delta: Callable[[str], None] | None,
        summary_of: Review | None = None,
    ) -> tuple[Answer | None, str | None]:
        """(the LLM's verified answer, None), or (None, why it failed: shown with the fallback)."""
        assert self.llm is not None
        try:
            answer = self.llm.answer(
                question, passages, reviews, on_delta=on_delta, summary_of=summary_of
            )
        except LLMError as err:
            log.warning("LLM failed (%s); answering extractively", err.reason)
            return None, err.reason
        return answer, None

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
        scored = [ScoredPassage(p, 1.0) for p in passages]
        fallback: str | None = None
        if self.llm is not None and use_llm:
            llm_answer, fallback = self._try_llm(
                question, scored, searcher.snapshot.reviews, on_delta, summary_of=review
            )
            if llm_answer is not None:
                return self._finish(llm_answer, t0, {})
        if self._aspects is None:
            self._aspects = self.embedder.embed_documents([q for _, q in extractive.ASPECTS])
        text, citations = extractive.summarise_review(review, searcher.snapshot, self._aspects)
        answer = Answer(
            question, text, True, "extractive", citations, tuple(scored), fallback_reason=fallback
        )
        return self._finish(answer, t0, {})
