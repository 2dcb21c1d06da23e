"""all-MiniLM-L6-v2 through onnxruntime: the query path without torch.

Importing torch costs ~7 s here, so `reviewbot ask` must not. The model is exported to ONNX once
(`export_onnx`, which does import torch) into a cache folder (default `.reviewbot/models/`);
afterwards `OnnxEmbedder` needs only onnxruntime, `tokenizers` and numpy. It reproduces
sentence-transformers exactly: the same word-pieces truncated at 256, the transformer's last hidden
state, mean pooling over the attention mask, L2 normalisation. `name` and `dim` are the same as
`SentenceTransformerEmbedder`'s, so an index built by either is searchable with the other
(`tests/retrieval/test_onnx_embedding.py` pins cosine >= 0.999 on the shipped corpus).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.defaults import MODEL_DIR
from retrieval.embeddings import (
    MODEL_DIM,
    MODEL_MAX_TOKENS,
    MODEL_NAME,
    Embedder,
    SentenceTransformerEmbedder,
    model_path,
)

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = MODEL_DIR
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _fingerprint(source: Path) -> str:
    """Cheap identity of the source model: its config and the size of its weights."""
    h = hashlib.sha256((source / "config.json").read_bytes())
    weights = source / "model.safetensors"
    h.update(str(weights.stat().st_size if weights.exists() else 0).encode())
    h.update(f"opset{OPSET}".encode())
    return h.hexdigest()[:12]


def onnx_model_file(cache_dir: Path, source: Path | None = None) -> Path:
    """Where the exported model for `source` (default: the packaged MiniLM) lives in `cache_dir`."""
    source = source or model_path()
    return Path(cache_dir) / f"all-MiniLM-L6-v2-{_fingerprint(source)}.onnx"


def export_onnx(cache_dir: Path, source: Path | None = None) -> Path:
    """Export the transformer to ONNX (imports torch; ~10 s). Atomic: readers never see half a file.

    The graph maps (input_ids, attention_mask, token_type_ids) to the last hidden state, with the
    batch and sequence axes dynamic; pooling and normalisation stay in numpy in `OnnxEmbedder`.
    The exported file is checked against torch on a padded batch before it is moved into place.
    """
    source = source or model_path()
    target = onnx_model_file(cache_dir, source)
    target.parent.mkdir(parents=True, exist_ok=True)

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    wrapped = _LastHiddenState(model).eval()
    probe = _tokenizer(source).encode_batch(["A probe.", "A longer probe sentence, padded less."])
    feeds = _feeds(probe)
    example = tuple(torch.from_numpy(feeds[n]) for n in _INPUTS)

    fd, tmp_name = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # The legacy (TorchScript) exporter: the dynamo one needs onnxscript, which we lack.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapped,
                example,
                str(tmp),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")
                },
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
            expected = wrapped(*example).numpy()
        got = _session(tmp, threads=1).run(None, feeds)[0]
        if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-4):
            raise RuntimeError("the exported ONNX model does not reproduce torch's output")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("exported %s to %s", MODEL_NAME, target)
    return target


def _tokenizer(source: Path, *, pad: bool = True) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(source / "tokenizer.json"))
    # tokenizer.json ships with truncation at 128 and fixed padding to 128; sentence-transformers
    # truncates at the model's max_seq_length (256) and pads to the longest in the batch.
    tok.enable_truncation(max_length=MODEL_MAX_TOKENS)
    if pad:
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
    else:  # OnnxEmbedder pads each length bucket itself (_padded)
        tok.no_padding()
    return tok


def _feeds(encodings: list[Any]) -> dict[str, np.ndarray]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # No busy-waiting between ops: on a 2-core box the spinning threads steal the CPU that the
    # search (BM25, numpy) and concurrent requests need; measured slower p95 under load with it.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Measured for bulk embedding too (2026-11-22, 16x200 and 64x32 batches, busy machine):
    # spinning cost ~20 % more CPU per word-piece for no gain in wall time; 2 intra-op threads
    # beat 1 by ~1.35x in wall time; BASIC/EXTENDED/ALL optimisation levels and an offline
    # `onnxruntime.transformers` fusion (Attention, SkipLayerNorm, BiasGelu) were all within
    # noise of each other: MiniLM here is bound by its matrix products (~3k word-pieces per
    # CPU-second), which no session option shortens.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime; the same vectors as `SentenceTransformerEmbedder`.

    Thread-safe: the session is created once under a lock, and `InferenceSession.run` and
    `Tokenizer.encode_batch` may be called concurrently. `threads` is onnxruntime's intra-op
    thread count (default: the CPU count, at most 4).
    """

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(
        self,
        model_file: Path,
        tokenizer_dir: Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        self.model_file = Path(model_file)
        if not self.model_file.is_file():
            raise FileNotFoundError(f"no exported model at {self.model_file}")
        self._tokenizer_dir = tokenizer_dir or model_path()
        self._batch_size = batch_size
        self._threads = threads or min(os.cpu_count() or 1, 4)
        self._lock = threading.Lock()
        self._state: tuple[Any, Any] | None = None

    def _loaded(self) -> tuple[Any, Any]:
        state = self._state
        if state is None:
            with self._lock:
                if self._state is None:
                    self._state = (
                        _tokenizer(self._tokenizer_dir, pad=False),
                        _session(self.model_file, self._threads),
                    )
                state = self._state
        return state

    def warm_up(self) -> None:
        """Load the tokenizer and the session now rather than on the first call."""
        self._loaded()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """Rows of `texts`' vectors. Each distinct text is embedded once, and batches are made of
        texts of the same length in word-pieces (longest first, capped at `_TOKENS_PER_BATCH`):
        a padded position costs as much as a real one, and mixed lengths made ~25 % of the work
        padding. Row for row the same vectors as embedding each text alone (tested)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tok, session = self._loaded()
        unique = list(dict.fromkeys(texts))
        found = np.empty((len(unique), self.dim), dtype=np.float32)
        # Windows bound the memory of the tokenizer's Encoding objects on a large build.
        for lo in range(0, len(unique), _WINDOW):
            window = unique[lo : lo + _WINDOW]
            ids = [e.ids for e in tok.encode_batch(window)]
            for batch in _length_buckets([len(i) for i in ids], self._batch_size):
                feeds = _padded([ids[i] for i in batch])
                hidden = session.run(None, feeds)[0]
                found[lo + batch] = _mean_pool_normalise(hidden, feeds["attention_mask"])
        if len(unique) == len(texts):
            return found
        row = {t: i for i, t in enumerate(unique)}
        return found[[row[t] for t in texts]]

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) then Normalize, in float32."""
    m = mask[:, :, None].astype(np.float32)
    summed = (hidden * m).sum(axis=1)
    pooled = summed / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# Texts tokenized at a time (their Encoding objects are the memory cost), and the most padded
# positions in one batch: big enough that short sentences go many to a call, small enough that
# a batch of 250-word-piece passages stays in cache (measured: docs/benchmarks.md, Indexing).
_WINDOW = 4096
_TOKENS_PER_BATCH = 4096


def _length_buckets(lengths: list[int], max_batch: int) -> list[np.ndarray]:
    """Indices of `lengths` in batches of equal or near-equal length, longest first: each batch
    holds at most `max_batch` texts and `_TOKENS_PER_BATCH` padded positions."""
    order = np.argsort([-n for n in lengths], kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = lengths[order[start]]
        size = max(1, min(max_batch, _TOKENS_PER_BATCH // max(1, longest)))
        batches.append(order[start : start + size])
        start += size
    return batches


def _padded(ids: list[list[int]]) -> dict[str, np.ndarray]:
    """The model's three inputs for token id lists, right-padded with 0 ([PAD]) to the longest."""
    width = max(len(i) for i in ids)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return {
        "input_ids": input_ids,
        "attention_mask": mask,
        "token_type_ids": np.zeros((len(ids), width), dtype=np.int64),
    }


_export_lock = threading.Lock()


def default_embedder(cache_dir: Path = DEFAULT_CACHE_DIR) -> Embedder:
    """The ONNX embedder, exporting the model first if `cache_dir` lacks it (once; imports torch).

    Falls back to `SentenceTransformerEmbedder` if the export fails, with one warning.
    """
    model_file = onnx_model_file(cache_dir)
    if model_file.is_file():
        return OnnxEmbedder(model_file)
    with _export_lock:
        if not model_file.is_file():
            log.info("exporting %s to ONNX in %s (one time; imports torch)", MODEL_NAME, cache_dir)
            try:
                export_onnx(cache_dir)
            except Exception:
                log.warning(
                    "ONNX export failed; using sentence-transformers (torch) instead",
                    exc_info=True,
                )
                return SentenceTransformerEmbedder()
    return OnnxEmbedder(model_file)
