"""The command tree's shape, command sync, and how the bot is built and imported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from discord import app_commands
from discord.ext import commands
from discord_harness import (
    APP_ID,
    GUILD_ID,
    MANAGE_GUILD,
    REPO,
    Harness,
    MakeHarness,
    command,
    is_ephemeral,
)

from bot.discord import ReviewBot

on_session_loop = pytest.mark.asyncio(loop_scope="session")

EXPECTED = {"ask", "critic", "critics", "films", "reindex", "review"}  # the top-level commands
ADMIN = {"reindex", "review"}
SUBCOMMANDS = {"review add", "review remove"}
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


@on_session_loop
async def test_every_command_and_option_is_named_and_described(harness: Harness) -> None:
    """Command names are unique and valid; every command, group and option has a description."""
    cmds = list(harness.bot.tree.walk_commands())
    names = [c.qualified_name for c in cmds]
    assert sorted(names) == sorted(set(names)) and set(names) == EXPECTED | SUBCOMMANDS
    for cmd in cmds:
        assert NAME.match(cmd.name)
        assert cmd.description and cmd.description != "…" and len(cmd.description) <= 100
        if isinstance(cmd, app_commands.Group):
            assert cmd.commands, cmd.name
            continue
        assert isinstance(cmd, app_commands.Command)
        for param in cmd.parameters:
            assert NAME.match(param.name), (cmd.name, param.name)
            assert param.description and param.description != "…", (cmd.name, param.name)
            assert len(param.description) <= 100


@on_session_loop
async def test_admin_commands_are_hidden_from_non_admins_and_guild_only(harness: Harness) -> None:
    """/reindex and /review ask Discord to show them only to Manage Server members, in servers."""
    tree = harness.bot.tree
    payloads = {c.name: c.to_dict(tree) for c in tree.get_commands()}
    for name in ADMIN:
        assert int(payloads[name]["default_member_permissions"]) == MANAGE_GUILD, name
        assert payloads[name]["contexts"] == [0], name
    for name in EXPECTED - ADMIN:
        assert payloads[name]["default_member_permissions"] is None


@on_session_loop
async def test_commands_sync_to_the_dev_guild(make_harness: MakeHarness) -> None:
    """With DISCORD_GUILD_ID set, commands sync to that guild only (instant in development)."""
    harness = await make_harness(discord_guild_id=GUILD_ID)
    harness.bot._connection.application_id = APP_ID  # as after login
    await harness.bot.sync_commands()
    [put] = [r for r in harness.wire.requests if r.method == "PUT"]
    assert put.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    assert {c["name"] for c in put.json} == EXPECTED


@on_session_loop
async def test_global_sync_only_when_asked(make_harness: MakeHarness) -> None:
    """Without a guild nothing syncs; --sync-global syncs the global commands."""
    harness = await make_harness()
    harness.bot._connection.application_id = APP_ID
    await harness.bot.sync_commands()
    assert not [r for r in harness.wire.requests if r.method == "PUT"]
    harness.bot.sync_global = True
    await harness.bot.sync_commands()
    [put] = [r for r in harness.wire.requests if r.method == "PUT"]
    assert put.path == f"/applications/{APP_ID}/commands"
    assert {c["name"] for c in put.json} == EXPECTED


def test_create_bot_builds_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`create_bot()` with no arguments reads settings from the environment, unstarted."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_GUILD_ID", "4242")
    monkeypatch.setenv("REVIEWBOT_COOLDOWN_SECONDS", "7")
    monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(REPO / "data" / "reviews"))
    monkeypatch.setenv("REVIEWBOT_INDEX_DIR", str(tmp_path / "index"))
    from bot import create_bot

    bot = create_bot()
    assert isinstance(bot, commands.Bot) and isinstance(bot, ReviewBot)
    assert bot.settings.discord_guild_id == 4242 and bot.settings.cooldown_seconds == 7
    assert bot.engine.data_dir == REPO / "data" / "reviews"
    assert bot.user is None and not bot.is_ready()
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}


@pytest.mark.slow
def test_importing_bot_does_not_import_discord() -> None:
    """`import bot` (and so the CLI) stays free of discord.py; `create_bot` loads it lazily."""
    code = (
        "import sys, bot\n"
        "assert 'discord' not in sys.modules, 'bot imported discord'\n"
        "from bot import create_bot\n"
        "assert 'discord' in sys.modules and create_bot.__module__ == 'bot.discord.client'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@on_session_loop
async def test_stale_command_gets_an_ephemeral_explanation(harness: Harness) -> None:
    """A command Discord still lists but the bot no longer has is explained, not crashed on."""
    [reply] = await harness.interact(command("summarise", question="x"))
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "try again" in reply.message_json["content"]
