"""The 👍/👎 buttons under an answer; the custom id holds the question id (survives restarts)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


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
                emoji="👍" if vote == "up" else "👎",
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
        fields = {
            "question_id": self.question_id,
            "vote": self.vote,
            "interaction_id": interaction.id,
            "guild_id": interaction.guild_id,
            "user_id": interaction.user.id,
        }
        log.info("feedback %s", json.dumps(fields), extra={"reviewbot": fields})
        await interaction.response.send_message(
            "Thanks for the feedback!", ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def feedback_view(question_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", question_id))
    view.add_item(FeedbackButton("down", question_id))
    return view
