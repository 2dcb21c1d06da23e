"""The ONNX embedder reproduces sentence-transformers and keeps torch off the query path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval.embeddings import SentenceTransformerEmbedder
from retrieval.onnx_embedding import (
    _TOKENS_PER_BATCH,
    OnnxEmbedder,
    _length_buckets,
    default_embedder,
    onnx_model_file,
)
from tests.conftest import MODEL_DIR

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
REVIEWS = REPO / "data" / "reviews"
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+")


def corpus_texts() -> list[str]:
    """Every review body, each paragraph and each sentence of the shipped corpus."""
    texts: list[str] = []
    for path in sorted(REVIEWS.glob("*.md")):
        body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1).strip()
        texts.append(body)  # far beyond 256 word-pieces: exercises truncation
        for para in (p.strip() for p in body.splitlines()):
            if para:
                texts.append(para)
                texts.extend(s for s in SENTENCE_END.split(para) if s.strip())
    return texts


@pytest.fixture(scope="session")
def onnx_cache() -> Path:
    """The session's export (tests/conftest.py's MODEL_DIR, made on first use). Exporting into an
    empty folder is tested once, by test_default_embedder_exports_when_missing: a second export
    here cost ~20 s of every `make test`."""
    embedder = default_embedder(MODEL_DIR)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder.model_file.parent


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_model_file(onnx_cache))


def test_matches_sentence_transformers_on_the_corpus(onnx_embedder: OnnxEmbedder) -> None:
    """Cosine >= 0.999 with sentence-transformers on every body, paragraph and sentence."""
    texts = corpus_texts()
    assert len(texts) > 200
    ours = onnx_embedder.embed_documents(texts)
    reference = SentenceTransformerEmbedder().embed_documents(texts)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines[worst] >= 0.999, texts[worst][:80]


def test_same_identity_as_sentence_transformers(onnx_embedder: OnnxEmbedder) -> None:
    """An index built by one embedder is accepted by the other: same name and dim."""
    assert onnx_embedder.name == SentenceTransformerEmbedder.name
    assert onnx_embedder.dim == SentenceTransformerEmbedder.dim


def test_query_is_one_row_of_documents(onnx_embedder: OnnxEmbedder) -> None:
    """embed_query equals the matching row of a padded batch; empty input gives (0, dim)."""
    texts = ["Keanu's cameo", "How did critics react to the flamethrower scene in the kitchen?"]
    batch = onnx_embedder.embed_documents(texts)
    for text, row in zip(texts, batch, strict=True):
        np.testing.assert_allclose(onnx_embedder.embed_query(text), row, atol=1e-5)
    assert onnx_embedder.embed_documents([]).shape == (0, 384)


def test_bucketed_and_deduplicated_rows_equal_one_text_at_a_time(
    onnx_embedder: OnnxEmbedder,
) -> None:
    """Length buckets, deduplication and windows change no vector: each row of one call over
    mixed lengths (with repeats) equals that text embedded alone."""
    texts = corpus_texts()[::4]
    texts = texts + texts[:7] + [texts[3]] * 3  # repeats, far apart and adjacent
    together = onnx_embedder.embed_documents(texts)
    alone = np.stack([onnx_embedder.embed_documents([t])[0] for t in texts])
    assert together.shape == (len(texts), 384)
    np.testing.assert_allclose(together, alone, atol=2e-6)


def test_length_buckets_cover_every_text_once_longest_first() -> None:
    """Buckets hold each index once, longest texts first, within the batch and token caps."""
    lengths = [5, 250, 12, 12, 80, 3, 250, 40] * 9
    buckets = _length_buckets(lengths, max_batch=8)
    flat = [int(i) for b in buckets for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for b in buckets:
        assert 1 <= len(b) <= 8
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= _TOKENS_PER_BATCH


def test_concurrent_queries_agree(onnx_embedder: OnnxEmbedder) -> None:
    """Threads sharing one embedder get the same vectors as a single thread."""
    questions = [f"question number {i} about the action scenes" for i in range(16)]
    expected = onnx_embedder.embed_documents(questions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(onnx_embedder.embed_query, questions))
    np.testing.assert_allclose(np.stack(got), expected, atol=1e-5)


def test_default_embedder_uses_the_export_without_importing_torch(onnx_cache: Path) -> None:
    """With the export in place, default_embedder + a query never import torch."""
    script = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        from retrieval.onnx_embedding import default_embedder
        e = default_embedder(Path(sys.argv[1]))
        v = e.embed_query("Is Ana de Armas convincing as an action star?")
        heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
        print(json.dumps({"cls": type(e).__name__, "dim": len(v), "heavy": heavy}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(onnx_cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"cls": "OnnxEmbedder", "dim": 384, "heavy": []}


RUN_CLI = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = ("torch", "transformers", "sentence_transformers", "chromadb")
print(json.dumps({"code": code, "imported": [m for m in heavy if m in sys.modules]}))
"""


def run_cli(args: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run `reviewbot ARGS` in a fresh interpreter; its exit code and heavy modules imported."""
    out = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cli_ask_does_not_import_torch(onnx_cache: Path, tmp_path: Path) -> None:
    """A fresh `reviewbot ask` embeds with ONNX: no torch, transformers or
    sentence-transformers (torch alone costs ~7 s of a cold start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REVIEWBOT_"))}
    two = tmp_path / "reviews"  # two reviews that mention Keanu: a real build, kept small
    two.mkdir()
    for name in ("slows-down-four-stars.md", "film-review-ballerina.md"):
        shutil.copy(REVIEWS / name, two / name)
    env.update(
        REVIEWBOT_DATA_DIR=str(two),
        REVIEWBOT_INDEX_DIR=str(tmp_path / "index"),
        REVIEWBOT_MODEL_DIR=str(onnx_cache),
    )
    built = run_cli(["index"], env)
    assert built["code"] == 0 and "torch" not in built["imported"]  # type: ignore[operator]
    asked = run_cli(["ask", "What did critics say about Keanu's cameo?", "--json"], env)
    assert asked == {"code": 0, "imported": ["chromadb"]}  # the store answers the dense query


def test_default_embedder_exports_when_missing(tmp_path: Path) -> None:
    """An empty cache folder gets the model exported once, atomically, and then reused."""
    embedder = default_embedder(tmp_path / "models")
    assert isinstance(embedder, OnnxEmbedder)
    files = sorted(p.name for p in (tmp_path / "models").iterdir())
    assert files == [embedder.model_file.name]  # no temporary file left behind
    again = default_embedder(tmp_path / "models")
    assert isinstance(again, OnnxEmbedder) and again.model_file == embedder.model_file
