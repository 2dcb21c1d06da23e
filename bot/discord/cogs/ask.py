"""/ask and answering mentions: a question in, a cited answer out."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord._helpers import (
    APOLOGY,
    NO_MENTIONS,
    answer_embeds,
    bot_of,
    clip,
    cooldown_check,
    critic_choices,
    defer_public,
    feedback_view,
    log_question,
    pack_messages,
    run_answer,
    send_answer,
)
from retrieval.errors import UserError

if TYPE_CHECKING:
    from bot.discord.factory import ReviewBot

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@!?(\d+)>")

MENTION_HELP = "Ask me a question about the film reviews, e.g. “@{name} is the action any good?”"


class AskCog(commands.Cog):
    """Questions about the reviews, by slash command or by mentioning the bot."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="ask",
        description="Ask about the film reviews; answers quote the critics verbatim, with sources.",
    )
    @app_commands.describe(
        question="Your question, e.g. “Is the action any good?”",
        critic="Only use this critic's review",
        film="Only use reviews of this film",
    )
    @app_commands.check(cooldown_check)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        critic: str | None = None,
        film: str | None = None,
    ) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        question = engine.check_question(question)  # BadQuestion → ephemeral, before deferring
        critic_id = None
        if critic:
            critic_id = (await asyncio.to_thread(engine.find_review, critic)).id
        await defer_public(interaction)

        async def edit(content: str) -> None:
            await interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)

        answer, streamed = await run_answer(
            engine.ask, edit, question, critic=critic_id, film=film or None
        )
        await send_answer(interaction, answer, title=question, streamed=streamed)
        log_question(
            question_id=interaction.id, guild_id=interaction.guild_id,
            user_id=interaction.user.id, source="ask", answer=answer, started=started,
        )

    @ask.autocomplete("critic")
    async def _critic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await critic_choices(bot_of(interaction), current)

    @ask.autocomplete("film")
    async def _film_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            reviews = await asyncio.to_thread(self.bot.engine.critics)
        except Exception:
            log.exception("film autocomplete failed")
            return []
        films = sorted({r.film for r in reviews if current.casefold() in r.film.casefold()})
        return [app_commands.Choice(name=clip(f, 100), value=f[:100]) for f in films[:25]]

    # ------------------------------------------------------------------ mentions

    def _is_for_me(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot:
            return False
        if any(u.id == me.id for u in message.mentions):  # not @everyone / @here
            return True
        ref = message.reference
        resolved = ref.resolved if ref is not None else None
        return isinstance(resolved, discord.Message) and resolved.author.id == me.id

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._is_for_me(message):
            return
        me = self.bot.user
        assert me is not None
        question = _MENTION.sub(lambda m: "" if int(m.group(1)) == me.id else m.group(0),
                                message.content).strip()
        if not question and not any(u.id == me.id for u in message.mentions):
            # A reply without a mention: its text is empty without the Message Content intent.
            return
        try:
            await self._answer_message(message, question)
        except UserError as err:
            await message.reply(str(err), allowed_mentions=NO_MENTIONS, mention_author=False,
                                suppress_embeds=True)
        except Exception:
            log.exception("mention failed (message %s, guild %s, user %s)",
                          message.id, message.guild.id if message.guild else None,
                          message.author.id)
            await message.reply(APOLOGY.format(ref=message.id), allowed_mentions=NO_MENTIONS,
                                mention_author=False)

    async def _answer_message(self, message: discord.Message, question: str) -> None:
        started = time.perf_counter()
        if not question:
            await message.reply(MENTION_HELP.format(name=self.bot.user.name if self.bot.user
                                                    else "reviewbot"),
                                allowed_mentions=NO_MENTIONS, mention_author=False)
            return
        over = self.bot.cooldowns.hit(message.guild.id if message.guild else None,
                                      message.author.id)
        if over is not None:
            await message.reply(f"Easy there — you can ask again in {math.ceil(over[1])} s.",
                                allowed_mentions=NO_MENTIONS, mention_author=False,
                                delete_after=10)
            return
        question = self.bot.engine.check_question(question)
        preview_message: discord.Message | None = None

        async def edit(content: str) -> None:
            nonlocal preview_message
            if preview_message is None:
                preview_message = await message.reply(content, allowed_mentions=NO_MENTIONS,
                                                      mention_author=False, suppress_embeds=True)
            else:
                await preview_message.edit(content=content, allowed_mentions=NO_MENTIONS)

        async with message.channel.typing():
            answer, _ = await run_answer(self.bot.engine.ask, edit, question)
        messages = pack_messages(answer_embeds(answer, title=question))
        view = feedback_view(message.id)
        for i, embeds in enumerate(messages):
            last = i == len(messages) - 1
            if i == 0 and preview_message is not None:
                await preview_message.edit(content=None, embeds=embeds,
                                           view=view if last else None,
                                           allowed_mentions=NO_MENTIONS, suppress=False)
            elif i == 0:
                await message.reply(embeds=embeds, view=view if last else None,  # type: ignore[arg-type]
                                    allowed_mentions=NO_MENTIONS, mention_author=False)
            else:
                await message.channel.send(embeds=embeds, view=view if last else None,  # type: ignore[arg-type]
                                           allowed_mentions=NO_MENTIONS)
        log_question(
            question_id=message.id, guild_id=message.guild.id if message.guild else None,
            user_id=message.author.id, source="mention", answer=answer, started=started,
        )
