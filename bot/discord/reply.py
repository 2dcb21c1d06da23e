"""The one reply path: slash commands and mentions defer, stream, send and log the same way.

answer_to(target, engine.ask, question, title=..., votes=bot.votes, ...)
    # runs the call in a thread, streaming LLM deltas as edits; sends the answer with its id
    # (`answer <id>`) in the footer and 👍/👎 buttons; records it in the votes database; logs it
InteractionTarget(interaction) / MessageTarget(message)   # where the reply goes
explain(error, ref) -> (text, is_bug)                     # what a user is told when it fails
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import app_commands

from bot.discord.checks import NotAdmin
from bot.discord.feedback import Votes, feedback_view
from bot.discord.render import CONTENT_LIMIT, answer_embeds, clip, pack_messages, preview
from bot.feedback import answer_id
from bot.logs import question_fields
from retrieval import Answer, UserError

if TYPE_CHECKING:
    from bot.discord.client import ReviewBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
APOLOGY = "Sorry, something went wrong on my side. It has been logged (ref {ref})."
# Streaming edits: at most one per this many seconds.
EDIT_INTERVAL = 1.0
# Discord still has an older version of the command than this bot registers.
STALE = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)


def explain(error: BaseException, ref: int) -> tuple[str, bool]:
    """(the one line a user is shown, whether it is a bug to log with its traceback)."""
    original = getattr(error, "original", error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return (f"Easy there — you can ask again in {math.ceil(error.retry_after)} s. "
                "(A short cooldown keeps the bot responsive for everyone.)"), False  # fmt: skip
    if isinstance(error, NotAdmin | app_commands.MissingPermissions):
        return ("Only members with the Manage Server permission"
                " (or the bot's admin role) can do that."), False  # fmt: skip
    if isinstance(error, STALE):
        log.warning("stale command (ref %s): %s", ref, error)
        return "That command changed since Discord last synced it; try again in a minute.", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works in a server.", False
    if isinstance(original, UserError):
        return str(original), False
    return APOLOGY.format(ref=ref), True


async def defer_public(interaction: discord.Interaction[ReviewBot]) -> None:
    """Defer with the "thinking…" state, remembering that the response is public."""
    interaction.extras["public_defer"] = True
    await interaction.response.defer(thinking=True)


async def reply_ephemeral(interaction: discord.Interaction[ReviewBot], text: str) -> None:
    """One short message only the user sees, whatever state the interaction is in.

    After a public defer a follow-up would inherit the public "thinking" message, so that
    message is deleted first and the explanation goes out as an ephemeral follow-up.
    """
    text = clip(text, CONTENT_LIMIT)
    if not interaction.response.is_done():
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NO_MENTIONS, suppress_embeds=True
        )
        return
    if interaction.extras.get("public_defer"):
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
    await interaction.followup.send(
        text, ephemeral=True, allowed_mentions=NO_MENTIONS, suppress_embeds=True
    )


class Streamer:
    """Collects LLM deltas from a worker thread; edits a message at most once per interval."""

    def __init__(self, edit: Callable[[str], Awaitable[Any]], interval: float = EDIT_INTERVAL):
        self._edit = edit
        self._interval = interval
        self._loop = asyncio.get_running_loop()
        self._chunks: list[str] = []
        self._changed = asyncio.Event()
        self._closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.edits = 0

    def on_delta(self, chunk: str) -> None:
        """Called from the engine's worker thread."""
        self._loop.call_soon_threadsafe(self._push, chunk)

    def _push(self, chunk: str) -> None:
        self._chunks.append(chunk)
        self._changed.set()

    async def __aenter__(self) -> Streamer:
        self._task = asyncio.create_task(self._run(), name="reviewbot-stream-edits")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closed.set()
        self._changed.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            if self._closed.is_set():
                return
            self._changed.clear()
            try:
                await self._edit(preview("".join(self._chunks)))
                self.edits += 1
            except discord.HTTPException as exc:
                log.warning("streaming edit failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout=self._interval)


class Target(Protocol):
    """Where an answer goes: a deferred interaction or a message that mentioned the bot."""

    def busy(self) -> contextlib.AbstractAsyncContextManager[Any]: ...

    async def preview(self, content: str) -> None: ...

    async def finish(
        self, messages: list[list[discord.Embed]], view: discord.ui.View, *, streamed: bool
    ) -> None: ...


class InteractionTarget:
    def __init__(self, interaction: discord.Interaction[ReviewBot]) -> None:
        self.interaction = interaction

    def busy(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return contextlib.nullcontext()  # the deferred "thinking…" state shows it

    async def preview(self, content: str) -> None:
        await self.interaction.edit_original_response(content=content, allowed_mentions=NO_MENTIONS)

    async def finish(
        self, messages: list[list[discord.Embed]], view: discord.ui.View, *, streamed: bool
    ) -> None:
        """Replace the thinking state (or the streamed preview) with the answer embeds."""
        for i, embeds in enumerate(messages):
            last = i == len(messages) - 1
            if i == 0 and streamed:
                await self.interaction.edit_original_response(
                    content=None, embeds=embeds, view=view if last else None,
                    allowed_mentions=NO_MENTIONS,
                )  # fmt: skip
            elif last:
                await self.interaction.followup.send(
                    embeds=embeds, view=view, allowed_mentions=NO_MENTIONS
                )
            else:
                await self.interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)


class MessageTarget:
    def __init__(self, message: discord.Message) -> None:
        self.message = message
        self._preview: discord.Message | None = None

    def busy(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self.message.channel.typing()

    async def preview(self, content: str) -> None:
        if self._preview is None:
            self._preview = await self.message.reply(
                content, allowed_mentions=NO_MENTIONS, mention_author=False, suppress_embeds=True
            )
        else:
            await self._preview.edit(content=content, allowed_mentions=NO_MENTIONS)

    async def finish(
        self, messages: list[list[discord.Embed]], view: discord.ui.View, *, streamed: bool
    ) -> None:
        for i, embeds in enumerate(messages):
            last_view = view if i == len(messages) - 1 else None
            if i == 0 and self._preview is not None:
                await self._preview.edit(
                    content=None, embeds=embeds, view=last_view, allowed_mentions=NO_MENTIONS,
                    suppress=False,
                )  # fmt: skip
            elif i == 0:
                await self.message.reply(
                    embeds=embeds, view=last_view,  # type: ignore[arg-type]
                    allowed_mentions=NO_MENTIONS, mention_author=False,
                )  # fmt: skip
            else:
                await self.message.channel.send(
                    embeds=embeds, view=last_view,  # type: ignore[arg-type]
                    allowed_mentions=NO_MENTIONS,
                )  # fmt: skip


async def answer_to(
    target: Target,
    call: Callable[..., Answer],
    /,
    *args: Any,
    title: str,
    question_id: int,
    guild_id: int | None,
    user_id: int,
    source: str,
    started: float,
    votes: Votes,
    pool: Executor,
    **kwargs: Any,
) -> Answer:
    """Run an engine call in a thread, streaming LLM deltas as edits, then send the answer
    (its id in the footer, 👍/👎 buttons under it), record it in the votes database, log it.
    `pool` is the bot's answer threads (`ReviewBot.answers`), not asyncio's default pool."""
    async with target.busy(), Streamer(target.preview) as streamer:
        job = functools.partial(call, *args, on_delta=streamer.on_delta, **kwargs)
        answer = await asyncio.get_running_loop().run_in_executor(pool, job)
    aid = answer_id(question_id)
    messages = pack_messages(answer_embeds(answer, title=title, answer_id=aid))
    await target.finish(messages, feedback_view(question_id), streamed=streamer.edits > 0)
    latency_ms = round((time.perf_counter() - started) * 1000)  # what the user waited
    await votes.answer_sent(aid, answer, question_id=question_id, guild_id=guild_id)
    log_question(
        question_id=question_id, answer_id=aid, guild_id=guild_id, user_id=user_id,
        salt=await votes.salt(), source=source, answer=answer, latency_ms=latency_ms,
    )  # fmt: skip
    return answer


def log_question(
    *,
    question_id: int,
    answer_id: str,
    guild_id: int | None,
    user_id: int,
    salt: str,
    source: str,
    answer: Answer,
    latency_ms: int,
) -> None:
    """The one structured log line per answered question: `question_fields` (answer id, user
    hash — never the user id nor the question text) plus latency and token counts."""
    tokens = answer.tokens or {}
    fields = question_fields(
        question_id=question_id, guild_id=guild_id, user_id=user_id, salt=salt,
        answer=answer, source=source, answer_id=answer_id,
    ) | {
        "interaction_id": str(question_id) if source != "mention" else None,
        "cited_review_ids": [c.review_id for c in answer.sources()],
        "latency_ms": latency_ms,
        "tokens": {
            "prompt": tokens.get("prompt", 0),
            "completion": tokens.get("completion", 0),
            "estimated": bool(tokens.get("estimated", False)),
        },
    }  # fmt: skip
    log.info("question %s", json.dumps(fields), extra={"reviewbot": fields})
