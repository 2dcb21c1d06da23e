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
    """The terms of some passages, counted (CSR): passage i has terms `vocab[terms[k]]` appearing
    `counts[k]` times, for k in indptr[i]:indptr[i + 1]."""

    vocab: Sequence[str]
    indptr: np.ndarray  # (n + 1,) int64
    terms: np.ndarray  # int32, into vocab
    counts: np.ndarray  # uint8/uint16/int32

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def of(cls, texts: Sequence[str]) -> TermCounts:
        vocab: dict[str, int] = {}
        indptr = [0]
        ids: list[int] = []
        counts: list[int] = []
        for text in texts:
            for term, n in Counter(terms(text)).items():
                ids.append(vocab.setdefault(term, len(vocab)))
                counts.append(n)
            indptr.append(len(ids))
        top = max(counts, default=0)
        dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int32
        return cls(
            list(vocab), np.asarray(indptr, dtype=np.int64), np.asarray(ids, dtype=np.int32),
            np.asarray(counts, dtype=dtype),
        )  # fmt: skip

    def rows(self, rows: np.ndarray) -> TermCounts:
        """The counts of passages `rows` only (same vocabulary)."""
        indptr, terms, counts = _gather(self, np.asarray(rows, dtype=np.int64))
        return TermCounts(self.vocab, indptr, terms, counts)


def _gather(tc: TermCounts, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts = tc.indptr[rows]
    lens = tc.indptr[rows + 1] - starts
    indptr = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    # Entry k of the result comes from starts[its row] + (k - indptr[its row]).
    at = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1], dtype=np.int64)
    return indptr, tc.terms[at], tc.counts[at]


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
        """The index over the passages `rows` of each part's counts, in order.

        Builds the same postings bm25s' `index()` would from these passages' texts (lucene BM25,
        its k1 and b; the same float64 arithmetic, stored as float32), but with numpy over the
        stored counts: bm25s counts and scores each document in a Python loop (≈ 10 s for 100k
        passages with the tokenizing), which made every one-review reindex cost the archive."""
        bm25 = bm25s.BM25()
        vocab: dict[str, int] = {}
        maps: dict[int, np.ndarray] = {}
        doc_terms, doc_counts, lens = [], [], []
        for tc, rows in parts:
            if id(tc) not in maps:
                maps[id(tc)] = np.asarray(
                    [vocab.setdefault(t, len(vocab)) for t in tc.vocab], dtype=np.int64
                )
            indptr, t, c = _gather(tc, np.asarray(rows, dtype=np.int64))
            doc_terms.append(maps[id(tc)][t])
            doc_counts.append(c.astype(np.int64))
            lens.append(np.diff(indptr))
        self = cls.__new__(cls)
        self._n = n = sum(len(r) for _, r in parts)
        self._bm25 = bm25
        if not n:
            self._vocab = {}
            return self
        term = np.concatenate(doc_terms)
        tf = np.concatenate(doc_counts)
        per_doc = np.concatenate(lens)
        doc = np.repeat(np.arange(n, dtype=np.int64), per_doc)
        doc_len = np.bincount(doc, weights=tf, minlength=n).astype(np.int64)
        # Only terms these passages contain (the segments' vocabularies may hold more).
        df_all = np.bincount(term, minlength=len(vocab))
        used = np.flatnonzero(df_all)
        new_id = np.full(len(vocab), -1, dtype=np.int64)
        new_id[used] = np.arange(len(used))
        term = new_id[term]
        names = list(vocab)
        self._vocab = {names[i]: j for j, i in enumerate(used.tolist())}
        idf = np.asarray(
            [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in df_all[used].tolist()],
            dtype=np.float32,
        )
        avg = doc_len.mean()
        k1, b = bm25.k1, bm25.b
        tf32 = tf.astype(np.float32).astype(np.float64)
        tfc = tf32 / (k1 * ((1 - b) + b * doc_len[doc].astype(np.float64) / avg) + tf32)
        data = (idf[term].astype(np.float64) * tfc).astype(np.float32)
        # CSC over terms (bm25s' layout): a term's postings in document order.
        order = np.argsort(term, kind="stable")
        bm25.scores = {
            "data": data[order],
            "indices": doc[order].astype(np.int32),
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
