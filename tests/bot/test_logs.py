"""Logging as an operator sees it: levels, timestamps, JSON lines, and nothing secret."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest

from bot import logs
from bot.config import Settings, load_settings
from bot.feedback import user_hash
from retrieval.models import Answer

KEY = "sk-live-KEYSECRET-0001"
TOKEN = "MTIz.TOKENSECRET.abc"
URL = "https://bob:URLPASS-99@llm.example.com/v1"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test configures logging afresh; the root logger is restored afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


def settings(**env: str) -> Settings:
    base = {"OPENAI_API_KEY": KEY, "DISCORD_TOKEN": TOKEN, "OPENAI_BASE_URL": URL}
    return load_settings({**base, **env}, dotenv=False)


def test_levels_by_command_and_setting() -> None:
    """INFO for the bot, WARNING for other commands, INFO with -v; REVIEWBOT_LOG_LEVEL wins."""
    plain = settings()
    assert logs.level_for(plain, command="discord", verbose=False) == logging.INFO
    assert logs.level_for(plain, command="ask", verbose=False) == logging.WARNING
    assert logs.level_for(plain, command="ask", verbose=True) == logging.INFO
    debug = settings(REVIEWBOT_LOG_LEVEL="debug")
    assert logs.level_for(debug, command="ask", verbose=False) == logging.DEBUG
    quiet = settings(REVIEWBOT_LOG_LEVEL="error")
    assert logs.level_for(quiet, command="discord", verbose=False) == logging.ERROR


def test_text_lines_have_a_utc_timestamp_level_and_logger() -> None:
    """Text format: `2026-…T…Z INFO name: message`; noisy libraries stay below WARNING."""
    out = io.StringIO()
    logs.configure(settings(), command="discord", stream=out)
    logging.getLogger("bot.discord.x").info("connected as %s", "reviewbot#1")
    logging.getLogger("chromadb.telemetry").info("chatter")
    logging.getLogger("bm25s").info("chatter")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO bot\.discord\.x: connected as reviewbot#1",
        lines[0],
    )


def test_json_lines_carry_structured_fields_without_raw_user_ids_or_dm_text() -> None:
    """JSON: one object per line; user_id becomes a salted hash; a DM's question is dropped."""
    out = io.StringIO()
    logs.configure(settings(REVIEWBOT_LOG_FORMAT="json"), command="discord", salt="s1", stream=out)
    log = logging.getLogger("bot.discord.cogs.ask")
    fields = {"question_id": 11, "guild_id": None, "user_id": 424242, "mode": "llm",
              "question": "my private words", "fallback_reason": None}  # fmt: skip
    log.info("question %s", json.dumps(fields), extra={"reviewbot": fields})
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(docs) == 1
    doc = docs[0]
    assert {"time", "level", "logger", "message"} <= set(doc)
    assert doc["level"] == "INFO" and doc["logger"] == "bot.discord.cogs.ask"
    assert doc["user_hash"] == user_hash(424242, "s1") and doc["question_id"] == 11
    text = out.getvalue()
    assert "424242" not in text and "private words" not in text


def test_question_fields_for_the_per_question_line() -> None:
    """question_fields: ids, user hash, mode, timings, citations count, fallback reason."""
    answer = Answer(
        question="q", text="t", found=True, mode="extractive",
        timings_ms={"search_ms": 3.4, "total_ms": 12.6}, fallback_reason="timeout",
    )  # fmt: skip
    f = logs.question_fields(
        question_id=7, guild_id=5, user_id=99, salt="x", answer=answer, source="ask",
        answer_id="abc",
    )  # fmt: skip
    assert f["user_hash"] == user_hash(99, "x") and "user_id" not in f and "question" not in f
    assert f["timings_ms"] == {"search_ms": 3, "total_ms": 13} and f["citations"] == 0
    assert (f["mode"], f["fallback_reason"], f["answer_id"]) == ("extractive", "timeout", "abc")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_never_reach_the_log(fmt: str) -> None:
    """Key, token and URL credentials are redacted in messages, args, tracebacks — httpx too."""
    out = io.StringIO()
    logs.configure(
        settings(REVIEWBOT_LOG_LEVEL="DEBUG", REVIEWBOT_LOG_FORMAT=fmt), command="ask", stream=out
    )
    logging.getLogger("bot.x").warning("key=%s token=%s", KEY, TOKEN)
    try:
        raise RuntimeError(f"failed talking to {URL}")
    except RuntimeError:
        logging.getLogger("bot.x").exception("boom")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=transport) as client:  # httpx logs its request line at INFO
        client.get(f"{URL}/models?api_key=QUERYSECRET-7")
    text = out.getvalue()
    assert "HTTP Request" in text and "RuntimeError" in text
    for secret in ("KEYSECRET", "TOKENSECRET", "URLPASS", "QUERYSECRET", "bob:"):
        assert secret not in text


def test_other_handlers_see_the_record_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    """Redaction works on a copy: caplog (any other handler) still sees the original record."""
    out = io.StringIO()
    logs.configure(settings(), command="discord", salt="s", stream=out)
    caplog.set_level(logging.INFO)
    fields = {"question_id": 1, "guild_id": 2, "user_id": 31337}
    logging.getLogger("bot.y").info("question %s", json.dumps(fields), extra={"reviewbot": fields})
    (record,) = [r for r in caplog.records if r.name == "bot.y"]
    assert record.reviewbot["user_id"] == 31337 and "31337" in record.getMessage()  # type: ignore[attr-defined]
    assert "31337" not in out.getvalue() and user_hash(31337, "s") in out.getvalue()
