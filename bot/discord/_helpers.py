"""Shared Discord plumbing: limits, splitting, embeds, the feedback buttons, replies, logging.

Everything that turns a `retrieval` value into something Discord accepts lives here, so the
cogs stay thin: one call into the engine, one call to render the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from retrieval.models import Answer, IndexReport, Review

if TYPE_CHECKING:
    from bot.discord.factory import ReviewBot

log = logging.getLogger(__name__)

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # per message, summed over all of its embeds
EMBEDS_PER_MESSAGE = 10
CHOICES_LIMIT = 25
CHOICE_NAME_LIMIT = 100

# The answer text is split a little below the hard limit to leave room for "(continued)" titles.
ANSWER_PIECE_LIMIT = 3900
# Streaming edits: at most one per this many seconds.
EDIT_INTERVAL = 1.0

NO_MENTIONS = discord.AllowedMentions.none()

COLOUR_FOUND = discord.Colour.from_rgb(67, 160, 71)
COLOUR_NOT_FOUND = discord.Colour.from_rgb(120, 120, 120)
COLOUR_ADMIN = discord.Colour.from_rgb(30, 136, 229)

APOLOGY = "Sorry, something went wrong on my side. It has been logged (ref {ref})."


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- splitting

_CURLY_QUOTE = re.compile(r"“[^”]*”")
_STRAIGHT_QUOTE = re.compile(r'"[^"\n]*"')
_MARKER_AFTER = re.compile(r"\s*(?:\[\d+\]\s*)+")
# Preferred break points, best first: paragraph, line, end of sentence, any whitespace.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"\s+"),
)


def _protected_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans that must not be split: quoted passages with their `[n]` markers."""
    spans: list[tuple[int, int]] = []
    for pattern in (_CURLY_QUOTE, _STRAIGHT_QUOTE):
        spans.extend(m.span() for m in pattern.finditer(text))
    for quote in quotes:
        quote = quote.strip()
        if not quote:
            continue
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    extended = []
    for start, end in spans:
        m = _MARKER_AFTER.match(text, end)
        extended.append((start, m.end() if m and "[" in m.group() else end))
    return extended


def split_text(text: str, limit: int, quotes: Sequence[str] = ()) -> list[str]:
    """Split `text` into pieces of at most `limit` characters.

    Breaks at a paragraph, then a line, then a sentence, then a word boundary — never inside a
    quoted passage (curly or straight quotes, or any of `quotes`) nor between a quote and its
    `[n]` marker. Only a single quote longer than `limit` is ever cut, at a word boundary.
    """
    text = text.strip()
    spans = _protected_spans(text, quotes)

    def inside(pos: int) -> bool:
        return any(s < pos < e for s, e in spans)

    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = None
        for pattern in _BREAKS:
            for m in pattern.finditer(text, start, window_end + 1):
                if m.start() > start and not inside(m.start()):
                    cut = m  # keep the last acceptable one
            if cut is not None:
                break
        if cut is None:  # one quote longer than the limit: cut it at a word, or hard
            space = text.rfind(" ", start + 1, window_end)
            cut_at, resume = (space, space + 1) if space > start else (window_end, window_end)
        else:
            cut_at, resume = cut.start(), cut.end()
        pieces.append(text[start:cut_at].rstrip())
        start = resume
        while start < len(text) and text[start].isspace():
            start += 1
    tail = text[start:].strip()
    if tail or not pieces:
        pieces.append(tail)
    return [p for p in pieces if p] or [""]


# --------------------------------------------------------------------------- embeds


def pack_messages(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6000 characters in total."""
    messages: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        n = len(embed)
        if not messages or size + n > EMBED_TOTAL_LIMIT or len(messages[-1]) >= EMBEDS_PER_MESSAGE:
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += n
    return messages


def _source_fields(answer: Answer) -> list[tuple[str, str]]:
    fields = []
    for source in answer.sources():
        cites = [c for c in answer.citations if c.review_id == source.review_id]
        markers = " ".join(f"[{c.n}]" for c in cites)
        name = clip(f"{markers} {source.name}", FIELD_NAME_LIMIT)
        lines = []
        if source.critic and source.outlet and source.outlet not in source.name:
            lines.append(source.outlet)
        if source.url:
            lines.append(f"[Read the review]({source.url})")
        unverified = [c.n for c in cites if not c.verified]
        if unverified:
            lines.append("⚠️ not found verbatim: " + " ".join(f"[{n}]" for n in unverified))
        value = "\n".join(lines) or "(no link in the review file)"
        fields.append((name, clip(value, FIELD_VALUE_LIMIT)))
    if len(fields) > FIELD_COUNT_LIMIT:
        extra = len(fields) - (FIELD_COUNT_LIMIT - 1)
        fields = [*fields[: FIELD_COUNT_LIMIT - 1], ("…", f"and {extra} more sources")]
    return fields


def _footer(answer: Answer) -> str:
    parts = ["LLM answer, quotes verified" if answer.mode == "llm" else "Quotes from the reviews"]
    total = answer.timings_ms.get("total_ms")
    if total is not None:
        parts.append(f"{total / 1000:.1f}s")
    if answer.fallback_reason:
        parts.append(f"LLM unavailable ({answer.fallback_reason}), showing quotes")
    return clip(" · ".join(parts), FOOTER_LIMIT)


def answer_embeds(answer: Answer, *, title: str) -> list[discord.Embed]:
    """The answer as embeds within Discord's limits: text pieces, then a sources section."""
    colour = COLOUR_FOUND if answer.found else COLOUR_NOT_FOUND
    quotes = [c.quote for c in answer.citations]
    pieces = split_text(answer.text or "I found nothing in the reviews about that.",
                        ANSWER_PIECE_LIMIT, quotes)
    title = clip(" ".join(title.split()), TITLE_LIMIT - 14)
    embeds = []
    for i, piece in enumerate(pieces):
        t = title if i == 0 else f"{title} (continued)"
        embeds.append(discord.Embed(title=t, description=piece, colour=colour))
    fields = _source_fields(answer)
    if fields:
        last = embeds[-1]
        needed = len("Sources") + sum(len(n) + len(v) for n, v in fields)
        if len(last) + needed + FOOTER_LIMIT // 8 > EMBED_TOTAL_LIMIT:
            last = discord.Embed(title="Sources", colour=colour)
            embeds.append(last)
        for name, value in fields:
            last.add_field(name=name, value=value, inline=False)
    embeds[-1].set_footer(text=_footer(answer))
    return embeds


def critics_embeds(reviews: Sequence[Review]) -> list[discord.Embed]:
    """Every review: display name, outlet, rating and link, in as few embeds as fit."""
    if not reviews:
        return [discord.Embed(title="Reviews", colour=COLOUR_NOT_FOUND,
                              description="No reviews are indexed yet.")]
    lines = []
    for r in reviews:
        film = f"{r.film} ({r.year})" if r.year else r.film
        film = f"[{film}]({r.url})" if r.url else film
        bits = [f"**{r.display_name}**", film]
        if r.rating:
            bits.append(f"rating: {r.rating}")
        lines.append(clip(" — ".join(bits), 1000))
    embeds: list[discord.Embed] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > DESCRIPTION_LIMIT - 96:
            embeds.append(discord.Embed(description="\n".join(chunk), colour=COLOUR_FOUND))
            chunk = []
        chunk.append(line)
    embeds.append(discord.Embed(description="\n".join(chunk), colour=COLOUR_FOUND))
    embeds[0].title = f"Reviews ({len(reviews)})"
    return embeds


def _names_field(names: Sequence[str]) -> str:
    if not names:
        return "—"
    text = ", ".join(f"`{n}`" for n in names)
    return clip(text, FIELD_VALUE_LIMIT)


def reindex_embed(report: IndexReport) -> discord.Embed:
    """The reindex report: counts, the files in each group, and each rejected file's problem."""
    embed = discord.Embed(title="Reindex finished", description=report.summary_line(),
                          colour=COLOUR_ADMIN if not report.rejected else COLOUR_NOT_FOUND)
    embed.add_field(name=f"Added ({len(report.added)})", value=_names_field(report.added))
    embed.add_field(name=f"Changed ({len(report.changed)})", value=_names_field(report.changed))
    embed.add_field(name=f"Removed ({len(report.removed)})", value=_names_field(report.removed))
    if report.rejected:
        lines = [clip(f"`{r.path}`: {r.problem}", 300) for r in report.rejected]
        value = ""
        for i, line in enumerate(lines):
            more = f"\n…and {len(lines) - i} more"
            if len(value) + len(line) + 1 + len(more) > FIELD_VALUE_LIMIT:
                value += more
                break
            value += ("\n" if value else "") + line
        embed.add_field(name=f"Rejected ({len(report.rejected)})", value=value, inline=False)
    else:
        embed.add_field(name="Rejected (0)", value="—", inline=False)
    return embed


# --------------------------------------------------------------------------- feedback


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


# --------------------------------------------------------------------------- replies


async def defer_public(interaction: discord.Interaction) -> None:
    """Defer with the "thinking…" state, remembering that the response is public."""
    interaction.extras["public_defer"] = True
    await interaction.response.defer(thinking=True)


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
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


def preview(text: str) -> str:
    """A streaming answer so far, as plain content under 2000 characters."""
    text = text.strip()
    if len(text) > CONTENT_LIMIT - 10:
        text = "…" + text[-(CONTENT_LIMIT - 12) :]
    return (text + " ▌") if text else "…"


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


async def run_answer(
    call: Callable[..., Answer],
    edit: Callable[[str], Awaitable[Any]],
    /,
    *args: Any,
    **kwargs: Any,
) -> tuple[Answer, bool]:
    """Run an engine call in a thread, streaming LLM deltas into `edit`; (answer, streamed)."""
    async with Streamer(edit) as streamer:
        answer = await asyncio.to_thread(call, *args, on_delta=streamer.on_delta, **kwargs)
    return answer, streamer.edits > 0


async def send_answer(
    interaction: discord.Interaction, answer: Answer, *, title: str, streamed: bool
) -> None:
    """Replace the thinking state (or the streamed preview) with the answer embeds."""
    messages = pack_messages(answer_embeds(answer, title=title))
    view = feedback_view(interaction.id)
    for i, embeds in enumerate(messages):
        last = i == len(messages) - 1
        if i == 0 and streamed:
            await interaction.edit_original_response(
                content=None, embeds=embeds, view=view if last else None,
                allowed_mentions=NO_MENTIONS,
            )
        elif last:
            await interaction.followup.send(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)


# --------------------------------------------------------------------------- logging & cooldowns


def log_question(
    *,
    question_id: int,
    guild_id: int | None,
    user_id: int,
    source: str,
    answer: Answer,
    started: float,
) -> None:
    """The one structured log line per answered question."""
    review_ids = list(dict.fromkeys(p.passage.review_id for p in answer.passages))
    tokens = answer.tokens or {}
    fields = {
        "question_id": question_id,
        "interaction_id": question_id if source != "mention" else None,
        "guild_id": guild_id,
        "user_id": user_id,
        "source": source,
        "mode": answer.mode,
        "found": answer.found,
        "review_ids": review_ids,
        "cited_review_ids": [c.review_id for c in answer.sources()],
        "latency_ms": round((time.perf_counter() - started) * 1000),
        "tokens": {"prompt": tokens.get("prompt", 0), "completion": tokens.get("completion", 0),
                   "estimated": bool(tokens.get("estimated", False))},
        "fallback_reason": answer.fallback_reason,
    }
    log.info("question %s", json.dumps(fields), extra={"reviewbot": fields})


class Cooldowns:
    """Per-user-per-guild rate limit shared by /ask, /critic and mentions, owned by one bot."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[tuple[int | None, int], app_commands.Cooldown] = {}

    def hit(self, guild_id: int | None, user_id: int) -> tuple[app_commands.Cooldown, float] | None:
        """Count one use; (cooldown, seconds to wait) when over the rate, else None."""
        if self.rate <= 0 or self.per <= 0:
            return None
        now = time.time()
        if len(self._buckets) > 10_000:  # forget idle users
            self._buckets = {k: b for k, b in self._buckets.items() if now - b._last < self.per}
        bucket = self._buckets.setdefault((guild_id, user_id),
                                          app_commands.Cooldown(self.rate, self.per))
        retry = bucket.update_rate_limit(now)
        return (bucket, retry) if retry else None


def cooldown_check(interaction: discord.Interaction) -> bool:
    """App-command check: raises CommandOnCooldown past the configured per-user rate."""
    over = bot_of(interaction).cooldowns.hit(interaction.guild_id, interaction.user.id)
    if over is not None:
        raise app_commands.CommandOnCooldown(*over)
    return True


def bot_of(interaction: discord.Interaction) -> ReviewBot:
    return interaction.client  # type: ignore[return-value]


async def critic_choices(bot: ReviewBot, current: str) -> list[app_commands.Choice[str]]:
    """At most 25 critics matching `current`; [] on an empty index or any failure."""
    try:
        reviews = await asyncio.to_thread(bot.engine.complete_critics, current, limit=CHOICES_LIMIT)
    except Exception:
        log.exception("critic autocomplete failed for %r", current)
        return []
    choices = []
    for r in reviews[:CHOICES_LIMIT]:
        label = f"{r.display_name} — {r.film}" if r.film else r.display_name
        choices.append(app_commands.Choice(name=clip(label, CHOICE_NAME_LIMIT), value=r.id[:100]))
    return choices
