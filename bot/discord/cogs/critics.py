"""/critic (one critic's summary) and /critics (every review)."""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import cooldown_check
from bot.discord.choices import critic_choices
from bot.discord.client import ReviewBot
from bot.discord.render import critics_embeds, pack_messages
from bot.discord.reply import NO_MENTIONS, InteractionTarget, answer_to, defer_public

log = logging.getLogger(__name__)


class CriticsCog(commands.Cog):
    """Who reviewed what, and what one critic thought."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="critic", description="Summarise one critic's review, in their own words."
    )
    @app_commands.describe(name="The critic (start typing to search)")
    @app_commands.check(cooldown_check)
    async def critic(self, interaction: discord.Interaction[ReviewBot], name: str) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        # In memory only before the defer: an unknown critic is answered privately.
        known = engine.find_loaded_review(name)
        await defer_public(interaction)
        review = known if known is not None else await asyncio.to_thread(engine.find_review, name)
        await answer_to(
            InteractionTarget(interaction), engine.summary, review.id,
            title=f"{review.display_name} on {review.film}", question_id=interaction.id,
            guild_id=interaction.guild_id, user_id=interaction.user.id, source="critic",
            started=started, votes=self.bot.votes,
            pool=self.bot.answers,
        )  # fmt: skip

    @critic.autocomplete("name")
    async def _name_autocomplete(
        self, interaction: discord.Interaction[ReviewBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await critic_choices(self.bot.engine, current)

    @app_commands.command(
        name="critics", description="List every indexed review: critic, outlet, rating and link."
    )
    async def critics(self, interaction: discord.Interaction[ReviewBot]) -> None:
        await defer_public(interaction)
        reviews = await asyncio.to_thread(self.bot.engine.critics)
        for embeds in pack_messages(critics_embeds(reviews)):
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(CriticsCog(bot))
