"""Issue 3 end to end: settings → answerer → Engine.ask, with OPENAI_BASE_URL at the fake server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.wiring import llm_from_settings
from retrieval.engine import Engine
from tests.llm_server import Reply

DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "reviews"
REAL = "His appearances are shoehorned, stopping the narrative flow dead in its tracks."
INVENTED = "Keanu Reeves steals every scene he is in and should have headlined the film."
_BLOCK = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


@pytest.fixture(scope="module")
def index_dir(engine: Engine) -> Path:
    """The session index of the shipped reviews (only read here)."""
    return engine.index_dir


@pytest.mark.slow
def test_done_when_through_the_engine(fake_llm, index_dir):
    """A real sentence cited to the wrong passage and an invented one: re-cited and dropped."""

    def reply(body: dict[str, Any]) -> Reply:
        blocks = _BLOCK.findall(body["messages"][1]["content"])
        right = next(n for n, text in blocks if REAL in text)
        wrong = next(n for n, _ in blocks if n != right)
        return Reply(f'Critics note "{REAL}" [{wrong}]. Another says "{INVENTED}" [{right}].')

    fake_llm.responder = reply
    settings = load_settings(
        {"OPENAI_BASE_URL": fake_llm.base_url, "REVIEWBOT_LLM_TIMEOUT": "5"}, dotenv=False
    )
    engine = Engine(DATA_DIR, index_dir, llm=llm_from_settings(settings))
    doc = engine.ask("What did critics say about Keanu's cameo?").to_json()

    assert doc["mode"] == "llm" and doc["fallback_reason"] is None
    assert doc["quotes"] == {"verified": 0, "recited": 1, "dropped": 1}
    assert [(c["review_id"], c["quote"], c["verified"]) for c in doc["citations"]] == [
        ("film-review-ballerina", REAL, True)
    ]
    assert "headlined" not in doc["answer"]
    assert doc["tokens"]["estimated"] is False


@pytest.mark.slow
def test_llm_failure_falls_back_to_extractive_through_the_engine(fake_llm, index_dir):
    """A constant 500 gives the extractive answer, mode 'extractive', with the reason."""
    fake_llm.default = Reply.error_reply(500, retry_after_ms=5)
    settings = load_settings(
        {"OPENAI_BASE_URL": fake_llm.base_url, "REVIEWBOT_LLM_MAX_RETRIES": "1"}, dotenv=False
    )
    engine = Engine(DATA_DIR, index_dir, llm=llm_from_settings(settings))
    doc = engine.ask("What did critics say about Keanu's cameo?").to_json()
    assert doc["mode"] == "extractive"
    assert doc["fallback_reason"] == "the LLM server failed (HTTP 500) after 1 retry"
    assert doc["citations"] and all(c["verified"] for c in doc["citations"])


@pytest.mark.slow
def test_a_plain_verdict_question_sends_the_llm_every_critics_verdict(fake_llm, index_dir):
    """ "is it any good?" reaches the model with a passage from each of the five reviews,
    among them their summing-up (verdict.py), and its quote of one is verified."""
    verdict = "This is a perfectly serviceable picture with very good action."
    seen: list[str] = []

    def reply(body: dict[str, Any]) -> Reply:
        blocks = _BLOCK.findall(body["messages"][1]["content"])
        seen.extend(text for _, text in blocks)
        n = next(n for n, text in blocks if verdict in text)
        return Reply(f'One critic calls it "{verdict}" [{n}].')

    fake_llm.responder = reply
    settings = load_settings(
        {"OPENAI_BASE_URL": fake_llm.base_url, "REVIEWBOT_LLM_TIMEOUT": "5"}, dotenv=False
    )
    engine = Engine(DATA_DIR, index_dir, llm=llm_from_settings(settings))
    doc = engine.ask("is it any good?").to_json()

    assert doc["mode"] == "llm" and doc["quotes"]["verified"] == 1
    assert {p["review_id"] for p in doc["passages"]} == {
        "film-review-ballerina", "filmstories-en-pointe-or-tutu-much", "seat-at-the-high-table",
        "slows-down-four-stars", "total-banger",
    }  # fmt: skip
    assert any("Overall, Ballerina doesn’t approach" in text for text in seen)
