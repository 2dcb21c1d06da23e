"""/films: the indexed films with their years, review counts and the names they answer to."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import ReviewBot
from bot.discord.render import films_embed
from bot.discord.reply import NO_MENTIONS, defer_public

log = logging.getLogger(__name__)


class FilmsCog(commands.Cog):
    """Which films the index holds."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="films", description="List the indexed films with their review counts and aliases."
    )
    @app_commands.describe(name="Only films whose title or alias contains this")
    async def films(
        self, interaction: discord.Interaction[ReviewBot], name: str | None = None
    ) -> None:
        await defer_public(interaction)
        films = await asyncio.to_thread(self.bot.engine.films)
        wanted = " ".join((name or "").split())
        if wanted:
            low = wanted.casefold()
            films = [f for f in films if any(low in n.casefold() for n in f.names())]
        await interaction.followup.send(
            embed=films_embed(films, matching=wanted), allowed_mentions=NO_MENTIONS
        )


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(FilmsCog(bot))
