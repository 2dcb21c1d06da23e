"""What readers hold: one generation of the index (`Snapshot`), its passages and sentences built
on access from arrays (`Passages`, `SentenceRefs`, `RowIndex`), its vectors read from files across
segments (`VectorFile`, `Rows`), the stored versions of reviews (`Version`, `NewVersion`), and the
shared Chroma collection as one generation sees it (`GenerationView`). Written and opened by
retrieval/store.py.

Long because each of those array-backed views stands in for a list or dict of objects that
opening a 100k-passage index used to build, and they are read together with the Snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .models import Passage, Review

if TYPE_CHECKING:
    from .films import Film
    from .lexical import LexicalIndex

log = logging.getLogger(__name__)


def version_key(review: Review, chunking: str, model: str) -> str:
    """The stored version of `review`: same file content, chunking and model → same key."""
    raw = "\0".join((review.id, review.content_hash, chunking, model))
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SentenceRef:
    review_id: str
    start: int
    end: int


class SentenceRefs(Sequence[SentenceRef]):
    """The sentences of a generation, built on access from arrays: opening an index with half a
    million sentences creates no object per sentence."""

    def __init__(self, review_ids: Sequence[str], owner: np.ndarray, spans: np.ndarray) -> None:
        self._ids = list(review_ids)
        self._owner = owner  # sentence j belongs to review _ids[owner[j]]
        self._spans = spans  # (n, 2): start, end in that review's body

    def __len__(self) -> int:
        return len(self._owner)

    @overload
    def __getitem__(self, j: int) -> SentenceRef: ...
    @overload
    def __getitem__(self, j: slice) -> list[SentenceRef]: ...
    def __getitem__(self, j: int | slice) -> SentenceRef | list[SentenceRef]:
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        start, end = self._spans[j]
        return SentenceRef(self._ids[self._owner[j]], int(start), int(end))


class Passages(Sequence[Passage]):
    """The passages of a generation, built on access from arrays: opening an index creates no
    object per passage (a `Passage` holds its text, a copy of part of its review's body)."""

    def __init__(self, reviews: Sequence[Review], counts: np.ndarray, spans: np.ndarray) -> None:
        """Review `reviews[i]` has the next `counts[i]` passages; `spans` (n, 2) are their
        start, end in that review's body."""
        self.reviews = list(reviews)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.first = np.cumsum(np.concatenate(([0], self.counts)), dtype=np.int64)[:-1]
        self._owner = np.repeat(np.arange(len(self.reviews)), self.counts)
        self._spans = spans

    def __len__(self) -> int:
        return len(self._owner)

    @overload
    def __getitem__(self, i: int | np.integer) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...
    def __getitem__(self, i: int | np.integer | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i) + (len(self) if i < 0 else 0)
        if not 0 <= i < len(self):
            raise IndexError(f"passage {i} out of range")
        owner = int(self._owner[i])
        review = self.reviews[owner]
        n = i - int(self.first[owner])
        start, end = (int(x) for x in self._spans[i])
        return Passage(f"{review.id}:{n}", review.id, n, start, end, review.body[start:end])

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))


class RowIndex(Mapping[str, int]):
    """Passage id (`<review id>:<n>`) → row, or with `keys`, Chroma row id
    (`<passage id>@<version key>`) → row for this generation's versions only; computed from the
    review's first row instead of held in a dict of every passage."""

    def __init__(self, passages: Passages, keys: Mapping[str, str] | None = None) -> None:
        self._p = passages
        self._code = {r.id: i for i, r in enumerate(passages.reviews)}
        self._keys = keys

    def __getitem__(self, name: str) -> int:
        pid = name
        if self._keys is not None:
            pid, _, key = name.rpartition("@")
        rid, _, n = pid.rpartition(":")
        code = self._code.get(rid)
        if code is None or not n.isdigit() or int(n) >= self._p.counts[code]:
            raise KeyError(name)
        if self._keys is not None and self._keys.get(rid) != key:
            raise KeyError(name)
        return int(self._p.first[code]) + int(n)

    def __iter__(self) -> Iterator[str]:
        for review, count in zip(self._p.reviews, self._p.counts.tolist(), strict=True):
            tail = "" if self._keys is None else f"@{self._keys[review.id]}"
            for n in range(count):
                yield f"{review.id}:{n}{tail}"

    def __len__(self) -> int:
        return len(self._p)


class VectorFile:
    """An (n, dim) array in a .npy file, read with pread() rather than memory-mapped.

    Memory-mapped, every row a question touched stayed in the reader's RSS (at 100k passages
    the sentence vectors are 370 MB, and a bot's RSS crept up question by question); read,
    the pages live in the kernel's cache only. A gather reads each run of consecutive rows
    with one call. The open descriptor keeps the data readable after the file is deleted, as a
    memory map did."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            with os.fdopen(os.dup(fd), "rb") as fh:
                fmt = np.lib.format
                header = (
                    fmt.read_array_header_1_0
                    if fmt.read_magic(fh) == (1, 0)
                    else (fmt.read_array_header_2_0)
                )
                shape, fortran, dtype = header(fh)
                offset = fh.tell()
            if fortran or len(shape) != 2:
                raise ValueError(f"{path.name} is not a C-ordered 2-d array")
            row = int(shape[1]) * np.dtype(dtype).itemsize
            if os.fstat(fd).st_size < offset + int(shape[0]) * row:
                raise ValueError(f"{path.name} is truncated ({os.fstat(fd).st_size} bytes)")
        except BaseException:
            os.close(fd)
            raise
        # Set only once nothing can fail: __del__ closes it (and must never close a number
        # another file has been given since).
        self._fd = fd
        self._offset = offset
        self._row = row
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)

    def __del__(self) -> None:
        fd = self.__dict__.pop("_fd", None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __len__(self) -> int:
        return self.shape[0]

    def _read(self, lo: int, hi: int) -> np.ndarray:
        n = (hi - lo) * self._row
        data = os.pread(self._fd, n, self._offset + lo * self._row)
        if len(data) != n:
            raise OSError(f"short read: {len(data)} of {n} bytes")
        return np.frombuffer(data, dtype=self.dtype).reshape(hi - lo, self.shape[1])

    def __getitem__(self, index: Any) -> np.ndarray:
        n = self.shape[0]
        if isinstance(index, (int, np.integer)):
            i = int(index) + (n if index < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"row {index} out of range for {n} rows")
            return self._read(i, i + 1)[0]
        if isinstance(index, slice):
            lo, hi, step = index.indices(n)
            if step == 1:
                return self._read(lo, max(lo, hi))
            index = np.arange(lo, hi, step)
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        idx = np.where(idx < 0, idx + n, idx)
        if idx.min() < 0 or idx.max() >= n:
            raise IndexError(f"rows out of range for {n} rows")
        rows, back = np.unique(idx, return_inverse=True)
        cut = np.flatnonzero(np.diff(rows) != 1) + 1
        starts = rows[np.concatenate(([0], cut))].tolist()
        ends = (rows[np.concatenate((cut - 1, [len(rows) - 1]))] + 1).tolist()
        got = np.concatenate([self._read(lo, hi) for lo, hi in zip(starts, ends, strict=True)])
        return got[back.reshape(-1)]


class Rows:
    """Row ranges of several (n, dim) arrays (VectorFiles), read as one array.

    Supports what readers do with a vector matrix: `len`, `.shape`, and indexing by an int, a
    slice, or an array of ints (a gather; each underlying file is touched once per call). The
    files may hold float16 (half the disk); rows come back as float32."""

    def __init__(self, parts: Sequence[tuple[VectorFile | np.ndarray, int, int]], dim: int) -> None:
        merged: list[list[Any]] = []  # [array, lo, n], adjacent ranges of one array coalesced
        for arr, lo, n in parts:
            if n <= 0:
                continue
            if merged and merged[-1][0] is arr and merged[-1][1] + merged[-1][2] == lo:
                merged[-1][2] += n
            else:
                merged.append([arr, lo, n])
        self._arrays: list[VectorFile | np.ndarray] = []
        which: list[int] = []
        for arr, _, _ in merged:
            for i, a in enumerate(self._arrays):
                if a is arr:
                    which.append(i)
                    break
            else:
                which.append(len(self._arrays))
                self._arrays.append(arr)
        self._which = np.asarray(which, dtype=np.int64)
        self._lo = np.asarray([m[1] for m in merged], dtype=np.int64)
        counts = np.asarray([m[2] for m in merged], dtype=np.int64)
        self._start = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        self.shape = (int(counts.sum()), dim)
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[np.arange(len(self))]
        return out.astype(dtype) if dtype is not None else out

    def __getitem__(self, index: Any) -> np.ndarray:
        n, dim = self.shape
        if isinstance(index, (int, np.integer)):
            i = int(index) + (n if index < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"row {index} out of range for {n} rows")
            return self[np.asarray([i])][0]
        if isinstance(index, slice):
            index = np.arange(*index.indices(n))
        idx = np.asarray(index, dtype=np.int64)
        flat = idx.reshape(-1)
        if flat.size and (flat.min() < -n or flat.max() >= n):
            raise IndexError(f"rows out of range for {n} rows")
        flat = np.where(flat < 0, flat + n, flat)
        if len(self._lo) == 1:  # one range of one file (a fresh or compacted index): no mapping
            rows = self._arrays[0][self._lo[0] + flat]
            return np.asarray(rows, dtype=np.float32).reshape((*idx.shape, dim))
        out = np.empty((flat.size, dim), dtype=np.float32)
        if flat.size:
            ext = np.searchsorted(self._start, flat, side="right") - 1
            local = self._lo[ext] + flat - self._start[ext]
            arr_of = self._which[ext]
            present = np.unique(arr_of)
            if len(present) == 1:
                out = np.asarray(self._arrays[int(present[0])][local], dtype=np.float32)
            else:
                for a in present:
                    sel = arr_of == a
                    out[sel] = self._arrays[int(a)][local[sel]]
        return out.reshape((*idx.shape, dim))


@dataclass(frozen=True)
class Version:
    """One stored version of a review: its chunks and where its vectors live in a segment."""

    key: str
    review: Review
    segment: str
    p_lo: int  # first row of its passages in the segment's passage vectors
    s_lo: int  # first row of its sentences in the segment's sentence vectors
    passages: np.ndarray  # (n, 4): start, end, first sentence, end sentence (of the review's)
    sentences: np.ndarray  # (n, 2): start, end in review.body

    def chroma_ids(self) -> list[str]:
        return [f"{self.review.id}:{i}@{self.key}" for i in range(len(self.passages))]


@dataclass(frozen=True)
class NewVersion:
    """A review version a reindex has just chunked and embedded."""

    key: str
    review: Review
    passages: Sequence[tuple[int, int, int, int]] | np.ndarray  # as Version.passages
    sentences: Sequence[tuple[int, int]] | np.ndarray
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """One finished generation of the index, as readers see it (immutable)."""

    root: Path
    generation: int
    model: str
    dim: int
    reviews: dict[str, Review]
    passages: Passages
    # Sentence j is reviews[sentences[j].review_id].body[start:end]; passage i is made of
    # sentences passage_sentences[i][0] up to (not including) passage_sentences[i][1].
    sentences: Sequence[SentenceRef]
    passage_sentences: np.ndarray  # (n_passages, 2)
    chunking: str = ""
    vectors: Any = None  # Rows (n_passages, dim): passage i's vector is vectors[i]
    sentence_vectors: Any = None  # Rows (n_sentences, dim)
    chroma_dir: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # review id → version key
    members: tuple[tuple[str, str, str], ...] = ()  # (key, path, segment) in order

    @property
    def gen_dir(self) -> Path:
        return self.root / f"gen-{self.generation}"

    def lexical(self) -> LexicalIndex:
        """This generation's BM25 index: loaded (memory-mapped) from gen-N/bm25, or rebuilt
        from the passages with a warning when that is missing or damaged."""
        from .lexical import LexicalIndex

        try:
            return LexicalIndex.load(self.gen_dir / "bm25", len(self.passages))
        except (OSError, ValueError, KeyError) as err:
            log.warning("BM25 of generation %d unusable (%s): rebuilding", self.generation, err)
            return LexicalIndex([p.text for p in self.passages])

    def sentence_text(self, j: int) -> str:
        ref = self.sentences[j]
        return self.reviews[ref.review_id].body[ref.start : ref.end]

    @cached_property
    def reviews_by_name(self) -> tuple[Review, ...]:
        """Every review, sorted by display name (then id): computed once per generation."""
        return tuple(sorted(self.reviews.values(), key=lambda r: (r.display_name.lower(), r.id)))

    @cached_property
    def films(self) -> list[Film]:
        """Every film of this generation, by title, with its review ids and aliases."""
        from .films import films

        return films(self.reviews.values())

    def match_film(self, text: str) -> list[Film]:
        """The films `text` names (title, subtitle or alias; whole words, any case)."""
        from .films import match_film

        return match_film(text, self.films)

    @cached_property
    def row_of(self) -> Mapping[str, int]:
        """Passage id → row."""
        return RowIndex(self.passages)

    @cached_property
    def row_of_chroma_id(self) -> Mapping[str, int]:
        """Chroma row id (`<passage id>@<version key>`) → row, for this generation's rows only."""
        return RowIndex(self.passages, self.keys)

    @cached_property
    def rows_by_review(self) -> dict[str, np.ndarray]:
        """Review id → its passages' rows (reviews with passages only, in generation order)."""
        p = self.passages
        return {
            r.id: np.arange(lo, lo + n, dtype=np.int64)
            for r, lo, n in zip(p.reviews, p.first.tolist(), p.counts.tolist(), strict=True)
            if n
        }


class GenerationView:
    """The shared Chroma collection as one generation sees it: `query` returns only that
    generation's rows (as passage ids), fetching more when other versions' rows crowd them out."""

    def __init__(self, collection: Any, snapshot: Snapshot) -> None:
        self._col = collection
        self._snap = snapshot

    @property
    def name(self) -> str:
        return str(self._col.name)

    def count(self) -> int:
        return len(self._snap.passages)

    def query(
        self,
        *,
        query_embeddings: Any,
        n_results: int,
        include: Sequence[str] = ("distances",),
        where: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        own = self._snap.row_of_chroma_id
        passages = self._snap.passages
        want = min(n_results, len(own))
        # No count() here: it costs 15 ms at 100k rows, four times the query. Chroma returns
        # fewer rows than asked only when it has no more, which ends the loop.
        ask = want + 16
        while True:
            res = self._col.query(
                query_embeddings=query_embeddings, n_results=max(ask, 1), include=["distances"],
                where=where,
            )  # fmt: skip
            ids: list[list[str]] = []
            dists: list[list[float]] = []
            exhausted = all(len(q) < ask for q in res["ids"])
            for qids, qd in zip(res["ids"], res["distances"], strict=True):
                kept = [(passages[own[c]].id, d) for c, d in zip(qids, qd, strict=True) if c in own]
                ids.append([pid for pid, _ in kept[:want]])
                dists.append([d for _, d in kept[:want]])
            if all(len(q) >= want for q in ids) or exhausted:
                return {"ids": ids, "distances": dists}
            ask *= 4
