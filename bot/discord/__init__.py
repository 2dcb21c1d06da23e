"""The Discord adapter: `create_bot()` builds the client; `run()` starts it.

Importing this package imports discord.py; `bot.cli` only imports it for `reviewbot discord`.
"""

from bot.discord.client import ReviewBot, create_bot

__all__ = ["ReviewBot", "create_bot"]
