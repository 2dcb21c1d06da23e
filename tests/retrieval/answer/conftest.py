"""Fixtures for the answer tests: the shipped reviews, passages cut from them, the fake server."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tiktoken

from retrieval.corpus import load_reviews
from retrieval.models import Passage, Review, ScoredPassage

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = ROOT / "data" / "reviews"
if str(ROOT) not in sys.path:  # plain `pytest` without `pythonpath = ["."]`: find tests.llm_server
    sys.path.insert(0, str(ROOT))

from tests.llm_server import FakeLLM  # noqa: E402


@pytest.fixture(scope="session")
def shipped() -> dict[str, Review]:
    """Every shipped review by id."""
    return {r.id: r for r in load_reviews(DATA_DIR)}


@pytest.fixture(scope="session")
def cut(shipped: dict[str, Review]) -> Callable[..., ScoredPassage]:
    """cut(review_id, text, score=1.0): the passage of that review whose text is `text`."""

    def make(review_id: str, text: str, score: float = 1.0) -> ScoredPassage:
        body = shipped[review_id].body
        start = body.index(text)
        return ScoredPassage(
            Passage(f"{review_id}#{start}", review_id, start, start, start + len(text), text),
            score,
        )

    return make


@pytest.fixture(scope="session")
def byte_encoding() -> tiktoken.Encoding:
    """A byte-level encoding built here (one token per UTF-8 byte); no download needed."""
    return tiktoken.Encoding(
        name="test-bytes",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={},
    )


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server
