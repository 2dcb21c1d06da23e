"""`run()`: exits cleanly on SIGTERM, reports a bad token, and never logs the token.

Each case runs in a child process (signals are process-wide); Discord's REST API is replaced at
`HTTPClient.request` with the JSON Discord returns; the gateway connection never completes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from discord_harness import REPO

from bot.config import Settings
from bot.discord.run import run
from retrieval.engine import Engine

TOKEN = "MTIzNDU2.secret-token.never-to-be-logged"

CHILD = r"""
import asyncio, logging, os, signal, sys
from pathlib import Path

import discord
from discord.http import HTTPClient

from bot.config import Settings
from bot.discord.run import run
from retrieval.engine import Engine

mode, data_dir, index_dir, token = sys.argv[1:5]
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
USER = {"id": "1100000000000000001", "username": "reviewbot", "discriminator": "0",
        "avatar": None, "bot": True, "global_name": None}
APP = {"id": USER["id"], "name": "reviewbot", "description": "", "icon": None,
       "bot_public": True, "bot_require_code_grant": False, "owner": USER, "team": None,
       "verify_key": "0" * 64, "flags": 0}


class Unauthorized:
    status = 401
    reason = "Unauthorized"


async def request(self, route, **kwargs):
    if route.path == "/users/@me":
        if mode == "bad-token":
            raise discord.HTTPException(Unauthorized(), {"message": "401: Unauthorized", "code": 0})
        return USER
    if route.path == "/oauth2/applications/@me":
        return APP
    if route.path.endswith("/commands"):
        return []
    raise AssertionError(f"unexpected request {route.method} {route.path}")


async def ws_connect(self, url, *, compress=0):
    os.kill(os.getpid(), signal.SIGTERM)  # the signal arrives while the gateway connects
    await asyncio.Event().wait()


HTTPClient.request = request
HTTPClient.ws_connect = ws_connect
engine = Engine(Path(data_dir), Path(index_dir))
sys.exit(run(Settings(discord_token=token, discord_guild_id=42), engine=engine))
"""


def child(mode: str, engine: Engine, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), mode, str(engine.data_dir), str(engine.index_dir), TOKEN],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_sigterm_stops_the_bot_cleanly(engine: Engine, tmp_path: Path) -> None:
    """SIGTERM while running: the bot disconnects, exit code 0, the token never in the logs."""
    done = child("sigterm", engine, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "stopped cleanly" in done.stderr
    assert "commands to guild 42" in done.stderr
    assert TOKEN not in done.stderr + done.stdout


@pytest.mark.slow
def test_rejected_token_exits_1_without_logging_it(engine: Engine, tmp_path: Path) -> None:
    """A token Discord rejects: exit code 1, a pointer to the portal, the token not logged."""
    done = child("bad-token", engine, tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "rejected the token" in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_missing_token_is_a_configuration_error(caplog: pytest.LogCaptureFixture) -> None:
    """Without DISCORD_TOKEN, run() explains and returns 2 without touching the network."""
    assert run(Settings(discord_token=None)) == 2
    assert "DISCORD_TOKEN" in caplog.text
