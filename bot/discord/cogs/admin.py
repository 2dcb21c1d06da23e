"""/reindex: admins only, checked on the server as well as by Discord's default permissions."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import is_admin
from bot.discord.client import ReviewBot
from bot.discord.render import reindex_embed
from bot.discord.reply import NO_MENTIONS

log = logging.getLogger(__name__)


class AdminCog(commands.Cog):
    """Index maintenance."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="reindex",
        description="Re-read the review files and update the index (admins only).",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_admin)
    async def reindex(self, interaction: discord.Interaction[ReviewBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info(
            "reindex started by user %s in guild %s (interaction %s)",
            interaction.user.id, interaction.guild_id, interaction.id,
        )  # fmt: skip
        report = await asyncio.to_thread(self.bot.engine.index)  # ReindexBusy → ephemeral
        log.info("reindex finished: %s", report.summary_line())
        await interaction.followup.send(
            embed=reindex_embed(report), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(AdminCog(bot))
