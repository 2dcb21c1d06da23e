"""Bring the index in line with the review files: diff, chunk, embed what is new, write it.

    indexer = Indexer(data_dir, store, embedder_provider, on_built=None)
    indexer.index(on_progress=None) -> IndexReport          # one at a time, across processes:
                                                            # waits for the index's writer lock
    indexer.ensure_index(on_progress=None) -> IndexReport | None   # builds when there is none

A review version (file content × chunking × model) already stored intact anywhere in the index is
never chunked or embedded again; only new versions are, and they go to one new segment (see
retrieval/store.py). The same run repairs damage: whatever the live generation lacks (Chroma
rows, a collection, a manifest) is rebuilt from the intact parts, re-embedding only versions whose
vectors are gone. `on_built(snapshot)` is called with each new generation.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .chunking import CHUNKING, chunk_review
from .corpus import DEFAULT_MAX_REVIEW_BYTES, load_corpus
from .embeddings import MODEL_MAX_TOKENS, Embedder, WordPieceCounter
from .errors import IndexMismatch, ReindexBusy, StoreError
from .models import IndexReport, Rejected, Review
from .store import IndexStore, NewVersion, Snapshot, problem, version_key

log = logging.getLogger(__name__)

# Called as on_progress(stage, done, total) while indexing ("embedding" passages).
Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64
STAMP_SETTLE_NS = 2_000_000_000


class Indexer:
    def __init__(
        self,
        data_dir: Path,
        store: IndexStore,
        embedder_provider: Callable[[], Embedder],
        *,
        on_built: Callable[[Snapshot], None] | None = None,
        max_review_bytes: int = DEFAULT_MAX_REVIEW_BYTES,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.max_review_bytes = max_review_bytes  # a bigger file is rejected, named
        self._store = store
        self._embedder = embedder_provider
        self._on_built = on_built
        self._counter: WordPieceCounter | None = None
        self._counter_lock = threading.Lock()
        # A second reindex asked of this same process (a double /reindex) is refused at once;
        # one from another process waits for the index's lock (IndexStore.lock).
        self._running = threading.Lock()

    def ensure_index(self, on_progress: Progress | None = None) -> IndexReport | None:
        """Build the index if there is none yet, or rebuild one an earlier reviewbot wrote (an
        older format or passages cut another way: it is derived from the review files, and a
        bot upgraded in place must not need a shell to start); returns the report when it
        built one."""
        if self._store.exists():
            if self._store.older_format() is None and self._store.chunking() in (None, CHUNKING):
                return None
            return self.index(on_progress=on_progress)
        report = self.index(on_progress=on_progress)
        return IndexReport(**{**report.__dict__, "built_first_time": True})

    def index(
        self, on_progress: Progress | None = None, *, wait_s: float | None = None
    ) -> IndexReport:
        """Bring the index in line with the review files; incremental, atomic, self-repairing.

        Holds the index's writer lock, waiting up to `wait_s` (default: store.lock_wait_s()) for
        another process's reindex; ReindexBusy names the holder when that runs out, and at once
        when this process is already reindexing."""
        if not self.data_dir.is_dir():
            # DataDirError naming the folder, before anything is written
            load_corpus(self.data_dir, max_bytes=self.max_review_bytes)
        if not self._running.acquire(blocking=False):
            raise ReindexBusy(self._store.busy_message(0))
        try:
            with self._store.lock(wait_s):
                return self._index(on_progress)
        finally:
            self._running.release()

    def _index(self, on_progress: Progress | None) -> IndexReport:
        from .embeddings import MODEL_DIM, MODEL_NAME

        t0 = time.perf_counter()
        try:
            prev = self._store.current(model=MODEL_NAME, dim=MODEL_DIM)
        except (IndexMismatch, StoreError) as err:
            log.warning("%s — rebuilding it from what is intact", problem(err))
            prev = None
        reviews, rejected, stamps = self._load_corpus(prev)
        old = prev.reviews if prev else {}
        keys = {r.id: version_key(r, CHUNKING, MODEL_NAME) for r in reviews}
        old_keys = prev.keys if prev else {}
        new = {r.id: r for r in reviews}
        added = tuple(i for i in new if i not in old)
        changed = tuple(i for i in new if i in old and old_keys.get(i) != keys[i])
        removed = tuple(i for i in old if i not in new)
        unchanged = tuple(i for i in new if i in old and i not in changed)
        # Moving a file without changing it keeps its vectors but must update its path.
        moved = any(old[i].path != new[i].path for i in unchanged)

        def report(n: int) -> IndexReport:
            return IndexReport(
                added, changed, removed, unchanged, tuple(rejected), n, time.perf_counter() - t0
            )

        if (
            prev is not None
            and not (added or changed or removed or moved)
            and self._store.healthy(prev)
        ):
            self._store.tidy(prev)
            return report(len(prev.passages))

        available = self._store.intact_versions(dim=MODEL_DIM)
        todo = [r for r in reviews if keys[r.id] not in available]
        fresh = self._embed(todo, keys, on_progress)
        snap = self._store.commit(
            model=MODEL_NAME, dim=MODEL_DIM, chunking=CHUNKING,
            members=[(r, keys[r.id]) for r in reviews], new=fresh, previous=prev, stamps=stamps,
        )  # fmt: skip
        if self._on_built is not None:
            self._on_built(snap)
        return report(len(snap.passages))

    def _load_corpus(
        self, prev: Snapshot | None
    ) -> tuple[list[Review], list[Rejected], dict[str, list[int]]]:
        """The review files, re-reading only those whose stamp (lstat's mode, inode, size,
        mtime, ctime) differs from the one the live generation recorded; and the stamps to
        record. A file changed less than STAMP_SETTLE_NS ago gets no stamp (it could change again
        within the same timestamp tick: git's "racily clean" problem), so it is read next time."""
        known = self._store.stamps(prev) if prev is not None else {}
        by_path = {r.path: r for r in prev.reviews.values()} if prev is not None else {}
        settled = time.time_ns() - STAMP_SETTLE_NS
        stamps: dict[str, list[int]] = {}

        def reuse(path: Path) -> Review | None:
            try:
                st = os.lstat(path)
            except OSError:
                return None
            stamp = [st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            if max(st.st_mtime_ns, st.st_ctime_ns) < settled:
                stamps[str(path)] = stamp
            return by_path.get(str(path)) if known.get(str(path)) == stamp else None

        reviews, rejected = load_corpus(self.data_dir, max_bytes=self.max_review_bytes, reuse=reuse)
        return reviews, rejected, stamps

    def _word_pieces(self) -> WordPieceCounter:
        with self._counter_lock:
            if self._counter is None:
                self._counter = WordPieceCounter()
            return self._counter

    def _embed(
        self, reviews: Sequence[Review], keys: dict[str, str], on_progress: Progress | None
    ) -> list[NewVersion]:
        """Chunk `reviews` and embed their passages and sentences, in batches."""
        if not reviews:
            return []
        count = self._word_pieces().count
        chunked = [(r, chunk_review(r, count, limit=MODEL_MAX_TOKENS - 6)) for r in reviews]
        texts: list[str] = []
        for r, chunks in chunked:
            texts += [p.text for p in chunks.passages]
            texts += [r.body[u.start : u.end] for u in chunks.units]
        vectors = self._vectors(texts, on_progress)
        out: list[NewVersion] = []
        at = 0
        for r, chunks in chunked:
            n_p, n_s = len(chunks.passages), len(chunks.units)
            out.append(
                NewVersion(
                    key=keys[r.id],
                    review=r,
                    passages=[
                        (p.start, p.end, a, b)
                        for p, (a, b) in zip(chunks.passages, chunks.ranges, strict=True)
                    ],
                    sentences=[(u.start, u.end) for u in chunks.units],
                    passage_vectors=vectors[at : at + n_p],
                    sentence_vectors=vectors[at + n_p : at + n_p + n_s],
                )
            )
            at += n_p + n_s
        return out

    def _vectors(self, texts: list[str], on_progress: Progress | None) -> np.ndarray:
        """Vectors of `texts` (row-aligned). Each distinct text is embedded once (a one-sentence
        passage is its sentence), longest first in batches of similar length so that little of
        each batch is padding (MiniLM's cost grows with the longest text of a batch)."""
        embedder = self._embedder()
        unique = list(dict.fromkeys(texts))
        order = sorted(range(len(unique)), key=lambda i: -len(unique[i]))
        found = np.zeros((len(unique), embedder.dim), dtype=np.float32)
        for lo in range(0, len(order), EMBED_BATCH):
            if on_progress:
                on_progress("embedding", lo, len(order))
            idx = order[lo : lo + EMBED_BATCH]
            found[idx] = np.asarray(embedder.embed_documents([unique[i] for i in idx]))
        if on_progress:
            on_progress("embedding", len(order), len(order))
        row = {t: i for i, t in enumerate(unique)}
        return found[[row[t] for t in texts]] if texts else found
