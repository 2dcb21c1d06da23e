"""`reviewbot ask` with an LLM: the real CLI and openai SDK against the local test server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import MODEL_DIR, REVIEWS
from tests.llm_server import FakeLLM, Reply

REAL = "Keanu Reeves shows up as John Wick, but this isn’t his movie, and the film knows it."
KEY = "sk-test-SECRET-never-printed"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine) -> Iterator[FakeLLM]:  # type: ignore[no-untyped-def]
    """A local OpenAI-compatible server, and the CLI configured to use it on the session index."""
    with FakeLLM(api_key=KEY) as fake:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("REVIEWBOT_LLM_TIMEOUT", "5")
        monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
        monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(REVIEWS))
        monkeypatch.setenv("REVIEWBOT_INDEX_DIR", str(engine.index_dir))
        yield fake


def test_llm_answer_is_verified_in_the_json(
    server: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """mode 'llm': a real quote is kept and verified; an invented one is not shown as a quote."""
    server.default = Reply(
        f'One critic says "{REAL}" [1]. Another claims "Reeves is the best thing in it" [2].'
    )
    assert main(["ask", "What did critics say about Keanu's cameo?", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "llm"
    assert [c["quote"] for c in doc["citations"]] == [REAL]
    assert doc["citations"][0]["review_id"] == "slows-down-four-stars"
    assert doc["citations"][0]["verified"] is True
    assert doc["quotes"]["dropped"] == 1
    assert "best thing in it" not in doc["answer"]
    assert doc["tokens"]["prompt"] > 0


def test_rejected_key_falls_back_with_a_reason_and_no_key(
    server: FakeLLM, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 401 gives the extractive answer with the reason; the key appears nowhere."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-SECRET-key")
    assert main(["ask", "Is the action exhausting?"]) == 0
    out, err = capsys.readouterr()
    assert "LLM unavailable" in out and "answering from the reviews directly" in out
    assert "“" in out and "Sources:" in out
    assert "SECRET" not in out + err


def test_no_llm_flag_never_calls_the_server(
    server: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """--no-llm answers extractively without a single request to the LLM."""
    assert main(["ask", "Is the action exhausting?", "--no-llm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "extractive"
    assert server.requests == []
