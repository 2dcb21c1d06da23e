"""Bring the index in line with the review files: diff, chunk, embed what is new, write it.

    indexer = Indexer(data_dir, store, embedder_provider, on_built=None)
    indexer.index(on_progress=None) -> IndexReport          # one at a time (ReindexBusy)
    indexer.ensure_index(on_progress=None) -> IndexReport | None   # builds when there is none

Unchanged reviews keep their passages and vectors; only added or changed ones are chunked and
embedded. `on_built(snapshot)` is called with each new generation so readers can switch to it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .chunking import CHUNKING, Chunks, chunk_review
from .corpus import load_corpus
from .embeddings import MODEL_MAX_TOKENS, Embedder, WordPieceCounter
from .errors import IndexMismatch, ReindexBusy
from .models import IndexReport, Passage, Review
from .store import IndexStore, SentenceRef, Snapshot

log = logging.getLogger(__name__)

# Called as on_progress(stage, done, total) while indexing ("embedding" passages).
Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64


class _Build:
    """The passages, sentences and vectors of a generation being built."""

    def __init__(self) -> None:
        self.passages: list[Passage] = []
        self.ranges: list[tuple[int, int]] = []
        self.sentences: list[SentenceRef] = []
        self.texts: list[str | None] = []
        self.passage_vecs: list[np.ndarray | None] = []
        self.sentence_vecs: list[np.ndarray | None] = []

    def reuse(self, prev: Snapshot, review: Review) -> None:
        """Carry an unchanged review's passages, sentences and vectors over from `prev`."""
        rows = prev.rows_by_review[review.id]
        first = min(prev.passage_sentences[r][0] for r in rows)
        last = max(prev.passage_sentences[r][1] for r in rows)
        base = len(self.sentences) - first
        for j in range(first, last):
            self.sentences.append(prev.sentences[j])
            self.texts.append(None)
            self.sentence_vecs.append(np.asarray(prev.sentence_vectors[j]))
        for r in rows:
            a, b = prev.passage_sentences[r]
            self.passages.append(prev.passages[r])
            self.ranges.append((a + base, b + base))
            self.passage_vecs.append(np.asarray(prev.vectors[r]))

    def add(self, review: Review, chunks: Chunks) -> None:
        base = len(self.sentences)
        for span in chunks.units:
            self.sentences.append(SentenceRef(review.id, span.start, span.end))
            self.texts.append(review.body[span.start : span.end])
            self.sentence_vecs.append(None)
        for p, (a, b) in zip(chunks.passages, chunks.ranges, strict=True):
            self.passages.append(p)
            self.ranges.append((a + base, b + base))
            self.passage_vecs.append(None)

    @staticmethod
    def matrix(rows: list[np.ndarray | None]) -> np.ndarray:
        from .embeddings import MODEL_DIM

        if not rows:
            return np.zeros((0, MODEL_DIM), dtype=np.float32)
        return np.stack([r for r in rows if r is not None]).astype(np.float32)


class Indexer:
    def __init__(
        self,
        data_dir: Path,
        store: IndexStore,
        embedder_provider: Callable[[], Embedder],
        *,
        on_built: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._store = store
        self._embedder = embedder_provider
        self._on_built = on_built
        self._indexing = threading.Lock()  # one reindex at a time
        self._counter: WordPieceCounter | None = None

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
        rechunk = prev is not None and prev.chunking != CHUNKING
        if rechunk:
            log.info("chunking changed: re-chunking every review (%s)", CHUNKING)
        new = {r.id: r for r in reviews}
        added = tuple(i for i in new if i not in old)
        changed = tuple(
            i for i in new if i in old and (rechunk or old[i].content_hash != new[i].content_hash)
        )
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

        build = _Build()
        for review in reviews:
            if prev is not None and review.id in unchanged:
                build.reuse(prev, review)
            else:
                chunks = chunk_review(review, self._word_pieces().count, limit=MODEL_MAX_TOKENS - 6)
                build.add(review, chunks)
        self._embed_missing(build, on_progress)
        snap = self._store.write_generation(
            model=MODEL_NAME, dim=MODEL_DIM, reviews=reviews, passages=build.passages,
            vectors=build.matrix(build.passage_vecs), sentences=build.sentences,
            passage_sentences=build.ranges, sentence_vectors=build.matrix(build.sentence_vecs),
            chunking=CHUNKING, previous=prev,
        )  # fmt: skip
        if self._on_built is not None:
            self._on_built(snap)
        return report(len(build.passages))

    def _word_pieces(self) -> WordPieceCounter:
        if self._counter is None:
            self._counter = WordPieceCounter()
        return self._counter

    def _embed_missing(self, build: _Build, on_progress: Progress | None) -> None:
        """Embed every passage and sentence of the build that has no vector yet, in batches."""
        jobs: list[tuple[list[np.ndarray | None], int, str]] = [
            (build.passage_vecs, i, p.text)
            for i, p in enumerate(build.passages)
            if build.passage_vecs[i] is None
        ]
        jobs += [
            (build.sentence_vecs, j, text)
            for j, text in enumerate(build.texts)
            if text is not None and build.sentence_vecs[j] is None
        ]
        if not jobs:
            return
        embedder = self._embedder()
        for lo in range(0, len(jobs), EMBED_BATCH):
            if on_progress:
                on_progress("embedding", lo, len(jobs))
            batch = jobs[lo : lo + EMBED_BATCH]
            vecs = embedder.embed_documents([text for _, _, text in batch])
            for (target, i, _), vec in zip(batch, vecs, strict=True):
                target[i] = vec
        if on_progress:
            on_progress("embedding", len(jobs), len(jobs))
