"""/critic (one critic's summary) and /critics (every review)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord._helpers import (
    NO_MENTIONS,
    bot_of,
    cooldown_check,
    critic_choices,
    critics_embeds,
    defer_public,
    log_question,
    pack_messages,
    run_answer,
    send_answer,
)

if TYPE_CHECKING:
    from bot.discord.factory import ReviewBot

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
    async def critic(self, interaction: discord.Interaction, name: str) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        review = await asyncio.to_thread(engine.find_review, name)  # UnknownCritic → ephemeral
        await defer_public(interaction)

        async def edit(content: str) -> None:
            await interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)

        answer, streamed = await run_answer(engine.summary, edit, review.id)
        title = f"{review.display_name} on {review.film}"
        await send_answer(interaction, answer, title=title, streamed=streamed)
        log_question(
            question_id=interaction.id, guild_id=interaction.guild_id,
            user_id=interaction.user.id, source="critic", answer=answer, started=started,
        )

    @critic.autocomplete("name")
    async def _name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await critic_choices(bot_of(interaction), current)

    @app_commands.command(
        name="critics", description="List every indexed review: critic, outlet, rating and link."
    )
    async def critics(self, interaction: discord.Interaction) -> None:
        await defer_public(interaction)
        reviews = await asyncio.to_thread(self.bot.engine.critics)
        for embeds in pack_messages(critics_embeds(reviews)):
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)
