"""/reindex: admins only, checked on the server as well as by Discord's default permissions."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord._helpers import NO_MENTIONS, bot_of, reindex_embed

if TYPE_CHECKING:
    from bot.discord.factory import ReviewBot

log = logging.getLogger(__name__)


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server in this channel, or the configured admin role. Raises NotAdmin otherwise.

    `default_permissions` is only a hint a server can override, so this runs on every call.
    """
    from bot.discord.factory import NotAdmin

    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if interaction.permissions.manage_guild:
        return True
    role_id = bot_of(interaction).settings.discord_admin_role_id
    user = interaction.user
    if role_id and isinstance(user, discord.Member) and user.get_role(role_id) is not None:
        return True
    raise NotAdmin()


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
    async def reindex(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("reindex started by user %s in guild %s (interaction %s)",
                 interaction.user.id, interaction.guild_id, interaction.id)
        report = await asyncio.to_thread(self.bot.engine.index)  # ReindexBusy → ephemeral
        log.info("reindex finished: %s", report.summary_line())
        await interaction.followup.send(embed=reindex_embed(report), ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)
