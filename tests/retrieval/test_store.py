"""The on-disk index: generations, CURRENT, and what a snapshot holds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retrieval.embeddings import MODEL_DIM, MODEL_NAME
from retrieval.engine import Engine
from retrieval.errors import IndexMismatch
from retrieval.store import IndexStore


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> IndexStore:
    """A store over a copy of the session index."""
    shutil.copytree(engine.index_dir, tmp_path / "index")
    return IndexStore(tmp_path / "index")


def test_empty_folder_has_no_index(tmp_path: Path) -> None:
    """No CURRENT file: exists() is false and current() is None."""
    store = IndexStore(tmp_path / "index")
    assert not store.exists() and store.current(model=MODEL_NAME, dim=MODEL_DIM) is None


def test_snapshot_sentences_and_passages_line_up(store: IndexStore) -> None:
    """Every passage is a run of sentences, and every sentence is a span of its review."""
    snap = store.current(model=MODEL_NAME, dim=MODEL_DIM)
    assert snap is not None and len(snap.passages) == len(snap.vectors)
    assert snap.sentence_vectors.shape == (len(snap.sentences), MODEL_DIM)
    for i, passage in enumerate(snap.passages):
        a, b = snap.passage_sentences[i]
        assert a < b and all(snap.sentences[j].review_id == passage.review_id for j in range(a, b))
        assert snap.reviews[passage.review_id].body[passage.start : passage.end] == passage.text


def test_another_models_index_is_refused(store: IndexStore) -> None:
    """CURRENT naming another model raises IndexMismatch rather than mixing vectors."""
    head = json.loads((store.root / "CURRENT").read_text())
    (store.root / "CURRENT").write_text(json.dumps({**head, "model": "other/model"}))
    with pytest.raises(IndexMismatch):
        store.current(model=MODEL_NAME, dim=MODEL_DIM)
