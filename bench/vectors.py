"""Passage vectors for the scale benchmarks without embedding 100,000 passages for real.

Embedding 100k passages and their sentences with MiniLM takes over an hour on this 2-core
machine (~20-30 passages/s, docs/benchmarks.md), which would make `make bench` far too slow.
Query cost does not depend on what the vectors mean, only on how many there are and how they
cluster (HNSW walks a neighbour graph), so `PooledEmbedder` embeds a real pool of passages with
the model and gives every other passage a pool vector plus small Gaussian noise, re-normalised:
realistic clusters at a fraction of the cost. Questions are embedded for real. The resulting
rankings are meaningless and only timed.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from retrieval.embeddings import MODEL_DIM, MODEL_NAME, Embedder


class PooledEmbedder:
    """The first `pool` distinct documents embedded for real; the rest reuse a perturbed one.

    Same `name` and `dim` as the real model, so the index it builds is queried with the real
    query embedder. Deterministic: a document's vector depends only on its text.
    """

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(self, real: Embedder, pool: int = 500, noise: float = 0.15) -> None:
        self._real = real
        self._pool_size = pool
        self._noise = noise
        self._pool = np.zeros((0, self.dim), dtype=np.float32)
        self.real_count = 0
        self.seconds = 0.0  # spent in embed_documents: a build's time minus this is the rest

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        try:
            return self._embed(texts)
        finally:
            self.seconds += time.perf_counter() - t

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        need = max(0, self._pool_size - len(self._pool))
        if need:
            head = texts[:need]
            vecs = self._real.embed_documents(head)
            self.real_count += len(head)
            self._pool = np.vstack([self._pool, vecs])
            out[: len(head)] = vecs
            start = len(head)
        else:
            start = 0
        for i in range(start, len(texts)):
            seed = int.from_bytes(hashlib.blake2b(texts[i].encode(), digest_size=8).digest())
            rng = np.random.default_rng(seed)
            base = self._pool[seed % len(self._pool)]
            v = base + rng.normal(0.0, self._noise / np.sqrt(self.dim), self.dim)
            out[i] = v / np.linalg.norm(v)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._real.embed_query(text)
