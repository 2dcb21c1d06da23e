"""Adapters over `retrieval`: the `reviewbot` CLI and the Discord bot.

`create_bot` is exported lazily so that `import bot.cli` never imports discord.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.discord.client import create_bot

__all__ = ["create_bot"]


def __getattr__(name: str) -> Any:
    if name == "create_bot":
        from bot.discord.client import create_bot

        return create_bot
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
