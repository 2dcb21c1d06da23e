"""Autocomplete choices: at most 25, and [] on an empty index or any failure."""

from __future__ import annotations

import asyncio
import logging

from discord import app_commands

from bot.discord.render import CHOICE_NAME_LIMIT, CHOICES_LIMIT, clip
from retrieval import Engine

log = logging.getLogger(__name__)


async def critic_choices(engine: Engine, current: str) -> list[app_commands.Choice[str]]:
    """Critics matching `current`, labelled with their film; the value is the review id."""
    try:
        reviews = await asyncio.to_thread(engine.complete_critics, current, limit=CHOICES_LIMIT)
    except Exception:
        log.exception("critic autocomplete failed for %r", current)
        return []
    choices = []
    for r in reviews[:CHOICES_LIMIT]:
        label = f"{r.display_name} — {r.film}" if r.film else r.display_name
        choices.append(app_commands.Choice(name=clip(label, CHOICE_NAME_LIMIT), value=r.id[:100]))
    return choices


async def film_choices(engine: Engine, current: str) -> list[app_commands.Choice[str]]:
    """Films whose title or an alias contains `current`; the value is the title."""
    try:
        films = await asyncio.to_thread(engine.films)
    except Exception:
        log.exception("film autocomplete failed")
        return []
    low = current.casefold()
    matching = [f for f in films if any(low in n.casefold() for n in f.names())]
    return [
        app_commands.Choice(name=clip(f.label, CHOICE_NAME_LIMIT), value=f.title[:100])
        for f in matching[:CHOICES_LIMIT]
    ]
