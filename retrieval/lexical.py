"""Lexical (BM25) scoring over passages, with bm25s — local Chroma has no sparse/BM25 search.

A passage's terms are counted once, when its review version is stored (`TermCounts`, kept in its
segment); a generation's BM25 index is then assembled from those counts (`LexicalIndex.from_counts`)
without tokenizing any text again, and scores exactly as bm25s would over the same texts.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# bm25s sets its logger to DEBUG on import; its per-index debug line is noise for our users.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"\w\w+")
_STOP = frozenset(STOPWORDS_EN)
_stemmer = Stemmer.Stemmer("english")
# Words that frame a question about reviews but say nothing about its subject: every passage is
# by a critic, so "critics", "say" or "think" would only match "criticisms" and "says" noise.
_QUERY_STOP = frozenset(
    _stemmer.stemWords(
        [
            "critic",
            "critics",
            "reviewer",
            "reviewers",
            "review",
            "reviews",
            "say",
            "said",
            "says",
            "think",
            "thought",
            "react",
            "reaction",
            "mention",
            "mentioned",
            "anyone",
            "anybody",
            "people",
            "opinion",
            "opinions",
            "feel",
            "felt",
            "how",
            "did",
            "does",
            "do",
            "what",
            "which",
            "who",
            "whom",
            "whose",
            "why",
            "when",
            "where",
            "tell",
            "about",
        ]
    )
)


def stem(word: str) -> str:
    """The stemmed form of one lower-cased word ("" for a stopword)."""
    low = word.lower()
    return "" if low in _STOP else str(_stemmer.stemWord(low))


def terms(text: str) -> list[str]:
    """Lower-cased, stop-worded, stemmed terms ("Keanu's cameo" → ["keanu", "cameo"])."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return list(_stemmer.stemWords(words))


@dataclass(frozen=True)
class TermCounts:
    """The terms of some passages, counted, term-major (CSC): term `vocab[t]` occurs `counts[k]`
    times in passage `docs[k]` for k in indptr[t]:indptr[t + 1] (passages ascending), and
    passage d has `lengths[d]` terms in all. Term-major so that assembling an index from it
    needs no full sort (see LexicalIndex.from_counts)."""

    vocab: Sequence[str]
    indptr: np.ndarray  # (len(vocab) + 1,) int64
    docs: np.ndarray  # int32: passage numbers
    counts: np.ndarray  # uint8/uint16/int32
    lengths: np.ndarray  # (n_passages,) int32

    @classmethod
    def of(cls, texts: Sequence[str]) -> TermCounts:
        vocab: dict[str, int] = {}
        ids: list[int] = []
        docs: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for d, text in enumerate(texts):
            found = terms(text)
            lengths.append(len(found))
            for term, n in Counter(found).items():
                ids.append(vocab.setdefault(term, len(vocab)))
                docs.append(d)
                counts.append(n)
        top = max(counts, default=0)
        dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int32
        term_ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(term_ids, kind="stable")  # passages stay ascending within a term
        return cls(
            list(vocab),
            np.concatenate(([0], np.cumsum(np.bincount(term_ids, minlength=len(vocab))))).astype(
                np.int64
            ),
            np.asarray(docs, dtype=np.int32)[order],
            np.asarray(counts, dtype=dtype)[order],
            np.asarray(lengths, dtype=np.int32),
        )


class LexicalIndex:
    """BM25 over a fixed list of passage texts; scores come back aligned with that list."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._n = len(texts)
        self._bm25 = bm25s.BM25()
        if self._n:
            self._bm25.index([terms(t) for t in texts], show_progress=False)
        self._vocab: dict[str, int] = dict(self._bm25.vocab_dict) if self._n else {}

    @classmethod
    def from_counts(cls, parts: Sequence[tuple[TermCounts, np.ndarray]]) -> LexicalIndex:
        """The index over passages given as (counts, row map) parts: passage d of a part's
        counts is row `row_map[d]` of the index, or not in it when that is -1. Every row
        0..n-1 must come from exactly one passage.

        Builds the same postings bm25s' `index()` would from these passages' texts (lucene BM25,
        its k1 and b; the same float64 arithmetic, stored as float32), but with numpy over the
        stored counts: bm25s counts and scores each document in a Python loop (≈ 10 s for 100k
        passages with the tokenizing), which made every one-review reindex cost the archive.
        Term-major parts whose row maps keep passage order concatenate into a few sorted runs,
        which a stable (merge) sort orders in about linear time (50 ms for 7M postings)."""
        bm25 = bm25s.BM25()
        n = sum(int((np.asarray(m) >= 0).sum()) for _, m in parts)
        self = cls.__new__(cls)
        self._n = n
        self._bm25 = bm25
        if not n:
            self._vocab = {}
            return self
        vocab: dict[str, int] = {}
        doc_len = np.zeros(n, dtype=np.int64)
        terms_, docs, tfs = [], [], []
        for tc, row_map in parts:
            row_map = np.asarray(row_map, dtype=np.int64)
            ids = np.asarray([vocab.setdefault(t, len(vocab)) for t in tc.vocab], dtype=np.int64)
            member = row_map >= 0
            doc_len[row_map[member]] = tc.lengths[member]
            term = np.repeat(ids, np.diff(tc.indptr))
            rows = row_map[tc.docs]
            keep = rows >= 0
            terms_.append(term[keep])
            docs.append(rows[keep])
            tfs.append(tc.counts[keep])
        term, doc, tf = np.concatenate(terms_), np.concatenate(docs), np.concatenate(tfs)
        key = term * n + doc
        if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")
            term, doc, tf = term[order], doc[order], tf[order]
        del key
        # Only terms these passages contain (the segments' vocabularies may hold more).
        df_all = np.bincount(term, minlength=len(vocab))
        used = np.flatnonzero(df_all)
        new_id = np.full(len(vocab), -1, dtype=np.int64)
        new_id[used] = np.arange(len(used))
        term = new_id[term]  # monotonic: the (term, row) order holds
        names = list(vocab)
        self._vocab = {names[i]: j for j, i in enumerate(used.tolist())}
        idf = np.asarray(
            [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in df_all[used].tolist()],
            dtype=np.float32,
        )
        avg = doc_len.mean()
        k1, b = bm25.k1, bm25.b
        tf = tf.astype(np.float64)
        norm = k1 * ((1 - b) + b * doc_len.astype(np.float64) / avg)  # per passage, as bm25s
        tfc = tf / (norm[doc] + tf)
        bm25.scores = {
            "data": (idf[term].astype(np.float64) * tfc).astype(np.float32),
            "indices": doc.astype(np.int32),
            "indptr": np.concatenate(([0], np.cumsum(np.bincount(term, minlength=len(used))))
                                     ).astype(np.int64),
            "num_docs": n,
        }  # fmt: skip
        self._vocab.setdefault("", len(used))  # bm25s' "empty token", as its index() adds it
        bm25.vocab_dict = self._vocab
        bm25.unique_token_ids_set = set(self._vocab.values())
        bm25.nonoccurrence_array = None
        return self

    def save(self, path: Path) -> None:
        """Write the index to the folder `path` (bm25s' own format: .npy postings + JSON)."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "count").write_text(str(self._n))
        if self._n:
            self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, n: int) -> LexicalIndex:
        """An index saved by `save` over `n` passages; the postings are memory-mapped, so
        opening costs the vocabulary, not the passages. Raises ValueError if it does not fit."""
        stored = int((path / "count").read_text())
        if stored != n:
            raise ValueError(f"BM25 index at {path} covers {stored} passages, not {n}")
        self = cls.__new__(cls)
        self._n = n
        self._bm25 = (
            bm25s.BM25.load(str(path), mmap=True, show_progress=False) if n else bm25s.BM25()
        )
        self._vocab = dict(self._bm25.vocab_dict) if n else {}
        return self

    def __len__(self) -> int:
        return self._n

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage for `query` (0 where `mask` is 0)."""
        known = [t for t in terms(query) if t in self._vocab and t not in _QUERY_STOP]
        if not known or not self._n:
            return np.zeros(self._n, dtype=np.float32)
        scores = self._bm25.get_scores(known, weight_mask=mask)
        return np.asarray(scores, dtype=np.float32)

    def has(self, term: str) -> bool:
        """Does any passage contain this stemmed term?"""
        return term in self._vocab

    def rows_with(self, term: str) -> np.ndarray:
        """Rows of the passages containing `term` (a stemmed term), from BM25's postings."""
        tid = self._vocab.get(term)
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        postings = self._bm25.scores
        return np.asarray(
            postings["indices"][postings["indptr"][tid] : postings["indptr"][tid + 1]]
        )
