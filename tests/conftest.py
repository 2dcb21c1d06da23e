"""Shared fixtures: the real local MiniLM (loaded once), a real Chroma index over the shipped
reviews and one over the small multi-film corpus, each in a temporary folder (built once per
session)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.evaluation import dev_set_path
from retrieval.onnx_embedding import default_embedder

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = ROOT / "data" / "reviews"
# Three films, two short reviews each: Heat (no review says its title), "From the World of John
# Wick: Ballerina" (a "Series: Subtitle" title) and "The Good, the Bad and the Ugly" (`aliases:`).
FILMS = ROOT / "tests" / "fixtures" / "films"
DEV_SET = dev_set_path(ROOT)
MODEL_DIR = ROOT / ".reviewbot" / "models"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """all-MiniLM-L6-v2 (ONNX export, proven equal to sentence-transformers in its own test)."""
    return default_embedder(MODEL_DIR)


@pytest.fixture(scope="session")
def engine(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A real engine over data/reviews with its index in a session temp folder."""
    e = Engine(REVIEWS, tmp_path_factory.mktemp("index") / "index", embedder=embedder)
    e.ensure_index()
    return e


@pytest.fixture(scope="session")
def films_engine(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A real engine over tests/fixtures/films (three films) with its index in a temp folder."""
    e = Engine(FILMS, tmp_path_factory.mktemp("films") / "index", embedder=embedder)
    e.ensure_index()
    return e


@pytest.fixture
def reviews_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped reviews."""
    target = tmp_path / "reviews"
    shutil.copytree(REVIEWS, target)
    return target


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m module args…` from the repository root, as a maintainer runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
