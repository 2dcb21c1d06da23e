"""The 👍/👎 buttons under an answer, and the bot's side of the votes database.

The buttons' custom id holds the question id (`reviewbot:feedback:down:<question id>`), so a
click on an answer sent before a restart still reaches `FeedbackButton`; the answer id is
derived from it (`answer_id(question_id)`), the same id the answer's embed footer shows.

One vote per user per answer: a second click replaces the first (👍 then 👎 counts as 👎), the
same click twice counts once; the user is told which, ephemerally. See `FeedbackStore.record_vote`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import sqlite3
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.feedback import VOTES, FeedbackStore, Recorded, answer_id, user_hash

if TYPE_CHECKING:
    from bot.discord.client import ReviewBot
    from retrieval import Answer

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
EMOJI = {"up": "👍", "down": "👎"}
NOT_SAVED = "Sorry, your vote could not be saved. It has been logged (ref {ref})."
# Where the database cannot be opened or written (read-only volume, full disk, locked too long).
STORE_ERRORS = (sqlite3.Error, OSError)


class Votes:
    """The votes database as the bot uses it: every SQLite call in a worker thread.

    It holds no open connection (the store opens one per call), so closing the bot leaves
    nothing to close. A database that cannot be written never stops an answer: recording the
    answer is logged and skipped; a vote that cannot be stored is apologised for.
    """

    def __init__(self, store: FeedbackStore) -> None:
        self.store = store
        self._salt: str | None = None

    async def salt(self) -> str:
        """The database's salt for user hashes (the same one `reviewbot discord` logs with);
        a random one for this run, with a warning, when the database is unusable."""
        if self._salt is None:
            try:
                self._salt = await asyncio.to_thread(self.store.salt)
            except STORE_ERRORS as err:
                log.warning(
                    "votes database %s is unusable (%s); user hashes change at each start",
                    self.store.path, err,
                )  # fmt: skip
                self._salt = secrets.token_hex(16)
        return self._salt

    async def answer_sent(
        self, aid: str, answer: Answer, *, question_id: int, guild_id: int | None
    ) -> bool:
        """Record what a sent answer used (mode, passages, cited reviews); False when it failed."""
        try:
            await asyncio.to_thread(
                self.store.record_answer_sent, aid, answer,
                question_id=question_id, guild_id=guild_id,
            )  # fmt: skip
        except STORE_ERRORS:
            log.exception("answer %s not recorded in %s", aid, self.store.path)
            return False
        return True

    async def vote(self, aid: str, vote: str, *, user_id: int, guild_id: int | None) -> Recorded:
        """Store `vote` ("up"/"down") by this user on answer `aid`. Raises STORE_ERRORS."""
        return await asyncio.to_thread(
            self.store.record_vote, aid, VOTES[vote], user_id=user_id, guild_id=guild_id
        )


def acknowledgement(vote: str, aid: str, recorded: Recorded) -> str:
    """What the voter is told (only them): stored, changed or already counted; unknown answer."""
    emoji = EMOJI[vote]
    if recorded.previous is None:
        text = f"Thanks! Your {emoji} on answer {aid} is recorded."
    elif recorded.previous == VOTES[vote]:
        text = f"You had already voted {emoji} on answer {aid}; it counts once."
    else:
        text = f"Changed your vote on answer {aid} to {emoji}."
    if not recorded.answer_known:
        text += " (That answer was not recorded, so the vote is kept without its sources.)"
    return text


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reviewbot:feedback:(?P<vote>up|down):(?P<qid>[0-9]+)",
):
    """👍/👎 under an answer; the custom id carries the question id, so it survives restarts."""

    def __init__(self, vote: str, question_id: int) -> None:
        self.vote = vote
        self.question_id = question_id
        super().__init__(
            discord.ui.Button(
                emoji=EMOJI[vote],
                style=discord.ButtonStyle.secondary,
                custom_id=f"reviewbot:feedback:{vote}:{question_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FeedbackButton:
        return cls(match["vote"], int(match["qid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = cast("ReviewBot", interaction.client)
        aid = answer_id(self.question_id)
        try:
            recorded = await bot.votes.vote(
                aid, self.vote, user_id=interaction.user.id, guild_id=interaction.guild_id
            )
        except STORE_ERRORS:
            log.exception("vote on answer %s not stored (interaction %s)", aid, interaction.id)
            text = NOT_SAVED.format(ref=interaction.id)
        else:
            fields = {
                "event": "vote",
                "question_id": str(self.question_id),
                "answer_id": aid,
                "vote": self.vote,
                "previous": recorded.previous,
                "answer_known": recorded.answer_known,
                "interaction_id": str(interaction.id),
                "guild_id": interaction.guild_id,
                "user_hash": user_hash(interaction.user.id, await bot.votes.salt()),
            }
            log.info("feedback %s", json.dumps(fields), extra={"reviewbot": fields})
            text = acknowledgement(self.vote, aid, recorded)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def feedback_view(question_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", question_id))
    view.add_item(FeedbackButton("down", question_id))
    return view
