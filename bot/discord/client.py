"""The Discord client: `ReviewBot`, its command tree with the one error handler, `create_bot()`.

Cogs are extensions loaded by name in `setup_hook`; this module imports none of them.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, load_settings
from bot.discord.checks import Cooldowns
from bot.discord.feedback import FeedbackButton, Votes
from bot.discord.reply import NO_MENTIONS, explain, reply_ephemeral
from bot.feedback import FeedbackStore
from retrieval import Engine

log = logging.getLogger(__name__)

ANSWER_THREADS = 16  # answers computed at once; more wait their turn (each is deferred at once)
EXTENSIONS = (
    "bot.discord.cogs.ask",
    "bot.discord.cogs.critics",
    "bot.discord.cogs.films",
    "bot.discord.cogs.admin",
    "bot.discord.cogs.reviews",
)


class ReviewTree(app_commands.CommandTree["ReviewBot"]):
    """The command tree with the one error handler every command shares."""

    async def on_error(
        self, interaction: discord.Interaction[ReviewBot], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if interaction.type is discord.InteractionType.autocomplete:
            log.error("autocomplete failed (interaction %s)", interaction.id, exc_info=original)
            return
        text, bug = explain(error, interaction.id)
        if bug:
            log.error(
                "command %s failed (interaction %s, guild %s, user %s)",
                interaction.command.qualified_name if interaction.command else "?",
                interaction.id, interaction.guild_id, interaction.user.id,
                exc_info=original,
            )  # fmt: skip
        try:
            await reply_ephemeral(interaction, text)
        except discord.HTTPException:
            log.exception("could not send the error reply (interaction %s)", interaction.id)


class ReviewBot(commands.Bot):
    """The reviewbot Discord client; `setup_hook` opens the index and loads every cog."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        sync_global: bool = False,
        message_content: bool = True,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            tree_cls=ReviewTree,
            help_command=None,
        )
        self.settings = settings
        self.engine = engine
        self.sync_global = sync_global
        self.cooldowns = Cooldowns(settings.cooldown_rate, settings.cooldown_seconds)
        # Answers sent and 👍/👎 votes (SQLite, created on the first answer or vote).
        self.votes = Votes(FeedbackStore(settings.feedback_path))
        # Answers run on their own threads: an answer may wait up to the LLM timeout, and on
        # asyncio's default pool (6 threads on 2 cores) a few such waits would queue every
        # autocomplete, critic lookup and reindex behind them.
        self.answers = ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix="reviewbot-answer")

    async def close(self) -> None:
        await super().close()
        self.answers.shutdown(wait=False, cancel_futures=True)

    async def setup_hook(self) -> None:
        report = await asyncio.to_thread(self.engine.ensure_index)
        if report is not None:
            log.info("index built: %s", report.summary_line())
        await asyncio.to_thread(self.engine.warm_up)
        for name in EXTENSIONS:
            await self.load_extension(name)
        self.add_dynamic_items(FeedbackButton)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to DISCORD_GUILD_ID (instant) or, deliberately, globally. Needs a login."""
        if self.application_id is None:
            log.debug("not logged in: commands not synced")
            return
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d commands globally (may take up to an hour to appear)", len(synced))
        elif self.settings.discord_guild_id:
            guild = discord.Object(id=self.settings.discord_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild.id)
        else:
            log.warning(
                "commands not synced: set DISCORD_GUILD_ID for a development server, "
                "or run `reviewbot discord --sync-global` once"
            )

    async def on_message(self, message: discord.Message) -> None:
        # No prefix commands: mentions are answered by the ask cog's listener.
        return

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (%s) to %d servers", self.user, self.application_id, len(self.guilds)
        )


def create_bot(
    settings: Settings | None = None,
    engine: Engine | None = None,
    *,
    sync_global: bool = False,
    message_content: bool = True,
) -> ReviewBot:
    """An un-started bot. With no arguments, settings come from the environment (and `.env`).

    `message_content` asks for the privileged Message Content intent, needed to answer
    replies to the bot that do not mention it; mentions work without it.
    """
    if settings is None:
        settings = load_settings()
    if engine is None:
        from bot.wiring import build_engine

        engine = build_engine(settings)
    return ReviewBot(settings, engine, sync_global=sync_global, message_content=message_content)
