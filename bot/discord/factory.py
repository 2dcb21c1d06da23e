"""`create_bot()`: the one place the Discord client is built, from settings and an engine."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, load_settings
from bot.discord._helpers import APOLOGY, NO_MENTIONS, Cooldowns, FeedbackButton, reply_ephemeral
from retrieval.errors import UserError

if TYPE_CHECKING:
    from retrieval.engine import Engine

log = logging.getLogger(__name__)


# Discord still has an older version of the command than this bot registers.
STALE = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)


class NotAdmin(app_commands.CheckFailure):
    """The member has neither Manage Server nor the configured admin role."""


class ReviewTree(app_commands.CommandTree["ReviewBot"]):
    """The command tree with the one error handler every command shares."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if interaction.type is discord.InteractionType.autocomplete:
            log.error("autocomplete failed (interaction %s)", interaction.id, exc_info=original)
            return
        if isinstance(error, app_commands.CommandOnCooldown):
            text = (f"Easy there — you can ask again in {math.ceil(error.retry_after)} s. "
                    "(A short cooldown keeps the bot responsive for everyone.)")
        elif isinstance(error, NotAdmin | app_commands.MissingPermissions):
            text = ("Only members with the Manage Server permission"
                    " (or the bot's admin role) can do that.")
        elif isinstance(error, STALE):
            log.warning("stale command (interaction %s): %s", interaction.id, error)
            text = "That command changed since Discord last synced it; try again in a minute."
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = "That command only works in a server."
        elif isinstance(original, UserError):
            text = str(original)
        else:
            log.error(
                "command %s failed (interaction %s, guild %s, user %s)",
                interaction.command.qualified_name if interaction.command else "?",
                interaction.id, interaction.guild_id, interaction.user.id,
                exc_info=original,
            )
            text = APOLOGY.format(ref=interaction.id)
        try:
            await reply_ephemeral(interaction, text)
        except discord.HTTPException:
            log.exception("could not send the error reply (interaction %s)", interaction.id)


class ReviewBot(commands.Bot):
    """The reviewbot Discord client; `setup_hook` opens the index and registers every cog."""

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

    async def setup_hook(self) -> None:
        from bot.discord.cogs.admin import AdminCog
        from bot.discord.cogs.ask import AskCog
        from bot.discord.cogs.critics import CriticsCog

        report = await asyncio.to_thread(self.engine.ensure_index)
        if report is not None:
            log.info("index built: %s", report.summary_line())
        await asyncio.to_thread(self.engine.warm_up)
        await self.add_cog(AskCog(self))
        await self.add_cog(CriticsCog(self))
        await self.add_cog(AdminCog(self))
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
        # No prefix commands: mentions are answered by AskCog's listener.
        return

    async def on_ready(self) -> None:
        log.info("connected as %s (%s) to %d servers", self.user, self.application_id,
                 len(self.guilds))


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
