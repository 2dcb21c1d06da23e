"""Checks shared by the commands: the per-user cooldown and the server-side admin check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.client import ReviewBot

Key = tuple[int | None, int]


class NotAdmin(app_commands.CheckFailure):
    """The member has neither Manage Server nor the configured admin role."""


class Cooldowns:
    """Per-user-per-guild rate limit shared by /ask, /critic and mentions, owned by one bot.

    discord.py's own `CooldownMapping`, keyed `(guild_id, user_id)`; it forgets idle buckets.
    """

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._mapping: commands.CooldownMapping[Key] | None = None
        if rate > 0 and per > 0:
            self._mapping = commands.CooldownMapping(commands.Cooldown(rate, per), lambda k: k)

    def hit(
        self, guild_id: int | None, user_id: int, *, now: float | None = None
    ) -> tuple[app_commands.Cooldown, float] | None:
        """Count one use; (cooldown, seconds to wait) when over the rate, else None."""
        if self._mapping is None:
            return None
        bucket = self._mapping.get_bucket((guild_id, user_id), now)
        if bucket is None:
            return None
        retry = bucket.update_rate_limit(now)
        return (bucket, retry) if retry else None


def cooldown_check(interaction: discord.Interaction[ReviewBot]) -> bool:
    """App-command check: raises CommandOnCooldown past the configured per-user rate."""
    over = interaction.client.cooldowns.hit(interaction.guild_id, interaction.user.id)
    if over is not None:
        raise app_commands.CommandOnCooldown(*over)
    return True


def is_admin(interaction: discord.Interaction[ReviewBot]) -> bool:
    """Manage Server in this channel, or the configured admin role. Raises NotAdmin otherwise.

    `default_permissions` is only a hint a server can override, so this runs on every call.
    """
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if interaction.permissions.manage_guild:
        return True
    role_id = interaction.client.settings.discord_admin_role_id
    user = interaction.user
    if role_id and isinstance(user, discord.Member) and user.get_role(role_id) is not None:
        return True
    raise NotAdmin()
