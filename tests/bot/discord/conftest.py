"""Fixtures for the Discord tests; the harness itself is in discord_harness.py."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from discord_harness import ADMIN_ROLE_ID, REVIEWS, Harness, MakeHarness, Wire

from bot.config import Settings, load_settings
from bot.discord import ReviewBot, create_bot
from bot.wiring import llm_from_settings
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # plain `pytest` without `pythonpath = ["."]`: find tests.llm_server
    sys.path.insert(0, str(ROOT))

from tests.llm_server import FakeLLM  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def make_harness(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[MakeHarness]:
    """Build, set up and return a harness; settings overrides and another engine allowed.

    The settings' index folder is never opened (the engine is passed in); the votes database
    beside it, `tmp_path/feedback.sqlite3`, is shared by every bot the test makes.
    """
    wire = Wire()
    wire.install(monkeypatch)
    bots: list[ReviewBot] = []

    async def make(engine_: Engine | None = None, **overrides: Any) -> Harness:
        settings = Settings(
            data_dir=REVIEWS, index_dir=tmp_path / "index", cooldown_seconds=0,
            discord_admin_role_id=ADMIN_ROLE_ID,
        ).with_(**overrides)  # fmt: skip
        bot = create_bot(settings, engine_ or engine)
        bots.append(bot)
        harness = Harness(bot, wire)
        await harness.start()
        return harness

    yield make
    for bot in bots:
        await bot.close()


@pytest_asyncio.fixture(loop_scope="session")
async def harness(make_harness: MakeHarness) -> Harness:
    """The default harness: shared session engine, no cooldown, admin role configured."""
    return await make_harness()


@pytest.fixture
def llm_server() -> Iterator[FakeLLM]:
    """The project's OpenAI-compatible test server on 127.0.0.1 (streams SSE)."""
    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm_engine(engine: Engine, llm_server: FakeLLM) -> Engine:
    """The session index answered through the real OpenAI answerer, pointed at `llm_server`."""
    settings = load_settings(
        {"OPENAI_BASE_URL": llm_server.base_url, "REVIEWBOT_LLM_TIMEOUT": "10"}, dotenv=False
    )
    return Engine(
        engine.data_dir,
        engine.index_dir,
        embedder=engine.embedder,
        llm=llm_from_settings(settings),
    )


@pytest.fixture
def private_engine(engine: Engine, reviews_dir: Path, tmp_path: Path) -> Engine:
    """An engine over a writable copy of the reviews, starting from a copy of the session index
    (so only what a test changes gets embedded)."""
    shutil.copytree(engine.index_dir, tmp_path / "index")
    return Engine(reviews_dir, tmp_path / "index", embedder=engine.embedder)
