"""Lexical (BM25) scoring over passages, with bm25s — local Chroma has no sparse/BM25 search."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
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


class LexicalIndex:
    """BM25 over a fixed list of passage texts; scores come back aligned with that list."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._n = len(texts)
        self._bm25 = bm25s.BM25()
        if self._n:
            self._bm25.index([terms(t) for t in texts], show_progress=False)
        self._vocab: dict[str, int] = dict(self._bm25.vocab_dict) if self._n else {}

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
