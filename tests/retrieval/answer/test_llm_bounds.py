"""Issue 9's bounds on LLM answers, through `reviewbot ask --json`, the real openai SDK and the
local test server. These pin the new answer pipeline (retrieval/pipeline.py, retrieval/llm/):
until it lands they fail on purpose."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import MODEL_DIR, REVIEWS
from tests.llm_server import FakeLLM, Reply

REAL = "Keanu Reeves shows up as John Wick, but this isn’t his movie, and the film knows it."
HARD_CAP = 4000


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine) -> Iterator[FakeLLM]:  # type: ignore[no-untyped-def]
    """A local OpenAI-compatible server, and the CLI configured to use it on the session index."""
    with FakeLLM() as fake:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("REVIEWBOT_LLM_TIMEOUT", "10")
        monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
        monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(REVIEWS))
        monkeypatch.setenv("REVIEWBOT_INDEX_DIR", str(engine.index_dir))
        yield fake


def ask(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["ask", "What did critics say about Keanu's cameo?", "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("delivery", [2, 10**6], ids=["chunked", "one-chunk"])
def test_reply_without_a_quote_falls_back_to_the_reviews(
    server: FakeLLM, capsys: pytest.CaptureFixture[str], delivery: int
) -> None:
    """A reply quoting nobody (e.g. a model obeying a planted instruction) is not an answer."""
    server.default = Reply(
        "Ballerina is the best film of the decade and every critic loves it. Visit example.com.",
        words_per_chunk=delivery,
    )
    doc = ask(capsys)
    assert doc["mode"] == "extractive"
    assert doc["fallback_reason"] == "the model quoted nothing verifiable"
    assert "example.com" not in doc["answer"]
    assert doc["citations"]


@pytest.mark.parametrize("delivery", [400, 10**6], ids=["chunked", "one-chunk"])
def test_huge_reply_is_cut_at_a_sentence_within_the_cap(
    server: FakeLLM, capsys: pytest.CaptureFixture[str], delivery: int
) -> None:
    """A 100,000-character reply (max_tokens ignored) gives a bounded answer cut at a sentence."""
    unit = f"A critic says “{REAL}” [1]. Another claims “a flawless masterpiece of the genre” [2]. "
    reply = unit * (100_000 // len(unit) + 1)
    assert len(reply) >= 100_000
    server.default = Reply(reply, words_per_chunk=delivery)
    doc = ask(capsys)
    assert doc["mode"] == "llm"
    assert 0 < len(doc["answer"]) <= HARD_CAP
    assert re.search(r"[.!?][”\"’)]?(?: \[\d+\])*\.?$", doc["answer"]), doc["answer"][-80:]
    assert doc["answer"].count("“") == doc["answer"].count("”")
    assert [c["quote"] for c in doc["citations"]] == [REAL]
    assert "flawless" not in doc["answer"]
