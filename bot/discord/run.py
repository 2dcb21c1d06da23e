"""`reviewbot discord`: start the bot and stop it cleanly on SIGINT/SIGTERM.

The token is passed to discord.py and never logged or echoed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

import discord

from bot.config import Settings
from bot.discord.client import create_bot
from bot.wiring import build_engine
from retrieval import UserError

if TYPE_CHECKING:
    from retrieval import Engine

log = logging.getLogger(__name__)

PORTAL = "https://discord.com/developers/applications"


def run(settings: Settings, *, sync_global: bool = False, engine: Engine | None = None) -> int:
    """Run the bot until stopped; returns the exit code (0 clean, 1 failed, 2 misconfigured)."""
    if not settings.discord_token:
        log.error("DISCORD_TOKEN is not set (environment or .env); see docs/discord.md")
        return 2
    try:
        return asyncio.run(_run(settings, sync_global=sync_global, engine=engine))
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down
        return 130


async def _run(settings: Settings, *, sync_global: bool, engine: Engine | None) -> int:
    if engine is None:
        engine = await asyncio.to_thread(build_engine, settings)
    message_content = True
    while True:
        bot = create_bot(settings, engine, sync_global=sync_global, message_content=message_content)
        try:
            return await _serve(bot, settings.discord_token or "")
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(
                "the Message Content intent is not enabled for this application (%s → your app → "
                "Bot → Privileged Gateway Intents); answering mentions only, not plain replies",
                PORTAL,
            )
            message_content = False


async def _serve(bot: discord.Client, token: str) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(token), name="reviewbot-discord")
            stopper = asyncio.create_task(stop.wait(), name="reviewbot-stop")
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                log.info("signal received: disconnecting")
                await bot.close()
                runner.cancel()  # it may be asleep in a reconnect back-off
                try:
                    await runner
                except asyncio.CancelledError:
                    pass
                except Exception:
                    log.debug("the connection task ended with an error after close", exc_info=True)
                log.info("stopped cleanly")
                return 0
            stopper.cancel()
            runner.result()  # re-raise why the bot stopped
            return 0
    except discord.LoginFailure:
        log.error("Discord rejected the token in DISCORD_TOKEN; reset it in %s → Bot", PORTAL)
        return 1
    except discord.PrivilegedIntentsRequired:
        raise
    except UserError as err:
        log.error("%s", err)
        return 1
    except (discord.HTTPException, discord.GatewayNotFound, OSError) as err:
        log.error("could not connect to Discord: %s", type(err).__name__)
        return 1
    except Exception:
        log.exception("the bot stopped with an error")
        return 1
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
