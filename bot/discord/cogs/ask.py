"""/ask and answering mentions: a question in, a cited answer out."""

from __future__ import annotations

import logging
import re
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import cooldown_check
from bot.discord.choices import critic_choices, film_choices
from bot.discord.client import ReviewBot
from bot.discord.reply import (
    NO_MENTIONS,
    InteractionTarget,
    MessageTarget,
    answer_to,
    defer_public,
    explain,
)

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
        interaction: discord.Interaction[ReviewBot],
        question: str,
        critic: str | None = None,
        film: str | None = None,
    ) -> None:
        started = time.perf_counter()
        engine = self.bot.engine
        # Pure, in-memory checks only before the defer: a bad question or an unknown critic
        # (when the index is open) gets a private one-line answer instead of "thinking…".
        question = engine.check_question(question)
        known = engine.find_loaded_review(critic) if critic else None
        await defer_public(interaction)
        await answer_to(
            InteractionTarget(interaction), engine.ask, question,
            critic=known.id if known else critic, film=film or None,
            title=question, question_id=interaction.id, guild_id=interaction.guild_id,
            user_id=interaction.user.id, source="ask", started=started, votes=self.bot.votes,
            pool=self.bot.answers,
        )  # fmt: skip

    @ask.autocomplete("critic")
    async def _critic_autocomplete(
        self, interaction: discord.Interaction[ReviewBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await critic_choices(self.bot.engine, current)

    @ask.autocomplete("film")
    async def _film_autocomplete(
        self, interaction: discord.Interaction[ReviewBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot.engine, current)

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
        question = _MENTION.sub(
            lambda m: "" if int(m.group(1)) == me.id else m.group(0), message.content
        ).strip()
        if not question and not any(u.id == me.id for u in message.mentions):
            # A reply without a mention: its text is empty without the Message Content intent.
            return
        try:
            await self._answer_message(message, question)
        except Exception as err:
            text, bug = explain(err, message.id)
            if bug:
                log.exception(
                    "mention failed (message %s, guild %s, user %s)", message.id,
                    message.guild.id if message.guild else None, message.author.id,
                )  # fmt: skip
            await message.reply(
                text, allowed_mentions=NO_MENTIONS, mention_author=False, suppress_embeds=True
            )

    async def _answer_message(self, message: discord.Message, question: str) -> None:
        started = time.perf_counter()
        if not question:
            name = self.bot.user.name if self.bot.user else "reviewbot"
            await message.reply(
                MENTION_HELP.format(name=name), allowed_mentions=NO_MENTIONS, mention_author=False
            )
            return
        guild_id = message.guild.id if message.guild else None
        over = self.bot.cooldowns.hit(guild_id, message.author.id)
        if over is not None:
            text, _ = explain(app_commands.CommandOnCooldown(*over), message.id)
            await message.reply(
                text, allowed_mentions=NO_MENTIONS, mention_author=False, delete_after=10
            )
            return
        question = self.bot.engine.check_question(question)
        await answer_to(
            MessageTarget(message), self.bot.engine.ask, question,
            title=question, question_id=message.id, guild_id=guild_id,
            user_id=message.author.id, source="mention", started=started, votes=self.bot.votes,
            pool=self.bot.answers,
        )  # fmt: skip


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(AskCog(bot))
