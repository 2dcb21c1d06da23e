"""/review add and /review remove: admins put reviews in and take them out without a shell.

Admins only: Discord is asked to show the group to Manage Server members only, and every call
is checked on the server as well (`is_admin`, like /reindex). Each command defers first
(ephemeral, "thinking…"), then makes one call into retrieval in a thread — `add_reviews` with
`allow_files=False` (a typed text can never name a file on the host), or deleting one review
file inside the data folder — and brings the index up to date with `Engine.index`. Replies are
ephemeral, like /reindex: adding a review is maintenance, not a post for the channel.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord.checks import is_admin
from bot.discord.choices import critic_choices
from bot.discord.client import ReviewBot
from bot.discord.render import added_embeds, pack_messages, removed_embeds
from bot.discord.reply import NO_MENTIONS
from retrieval import (
    AddResult,
    DuplicateReview,
    IndexReport,
    IngestError,
    ReindexBusy,
    Review,
    Upload,
    UserError,
    add_reviews,
)

log = logging.getLogger(__name__)

ATTACHMENT_SUFFIXES = (".md", ".txt", ".html", ".htm")
# The same cap as a fetched page (retrieval.ingest's MAX_BYTES), checked before downloading.
ATTACHMENT_LIMIT = 5_000_000
ALLOW_PRIVATE_ENV = "REVIEWBOT_ALLOW_PRIVATE_URLS"


def allow_private_urls(settings: Settings) -> bool:
    """Loopback/private addresses may be fetched (tests, self-hosted sources): the setting when
    Settings has one, else REVIEWBOT_ALLOW_PRIVATE_URLS=1 as `reviewbot add` reads it."""
    if getattr(settings, "allow_private_urls", False):
        return True
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip() == "1"


def with_size_cap(settings: Settings) -> Callable[..., list[AddResult]]:
    """`add_reviews` with the index's cap on a review file (REVIEWBOT_MAX_REVIEW_BYTES) when
    Settings has it, so nothing is written that the index would reject; else its default."""
    cap = getattr(settings, "max_review_bytes", None)
    return partial(add_reviews, max_review_bytes=cap) if isinstance(cap, int) else add_reviews


# The ingest library speaks the CLI's words; here the options are Discord's.
_CLI_WORDS = (
    ("pass --film", "give the film: option"),
    ("pass another --id", "change the id in the file, or remove that review first"),
)


def in_discord_words(err: IngestError, data_dir: Path) -> IngestError:
    """The same one line, with Discord's option names and no host folders in it."""
    text = str(err).replace(f"{data_dir}{os.sep}", "")
    for cli, ours in _CLI_WORDS:
        text = text.replace(cli, ours)
    if text == str(err):
        return err
    if isinstance(err, DuplicateReview):
        return DuplicateReview(text, err.review_id)
    return IngestError(text)


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def check_source(url: str | None, file: discord.Attachment | None) -> None:
    """Exactly one of url/file, and an attachment we can read; no I/O, so it runs pre-defer."""
    if url is None and file is None:
        raise IngestError("Give url: (the review's web page) or file: (an attached review file).")
    if url is not None and file is not None:
        raise IngestError("Give url: or file:, not both: one review at a time.")
    if file is not None:
        suffix = Path(file.filename).suffix.lower()
        if suffix not in ATTACHMENT_SUFFIXES:
            raise IngestError(
                f"{file.filename} is not a review file I can read: attach a .md, .txt, .html "
                "or .htm file."
            )
        if file.size > ATTACHMENT_LIMIT:
            raise IngestError(
                f"{file.filename} is {file.size:,} bytes; the limit is {ATTACHMENT_LIMIT:,}."
            )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def review_file(review: Review, data_dir: Path) -> Path:
    """The `.md` file in the data folder holding exactly this review (the bytes it was indexed
    from), found by its content hash — the path recorded in the index may be from another
    location of the folder. Symlinks and anything outside the folder are never chosen."""
    folder = data_dir.resolve()
    recorded = Path(review.path)
    candidates = [recorded] if recorded.name.endswith(".md") else []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        candidates += [Path(root) / n for n in sorted(names) if n.endswith(".md")]
    for path in candidates:
        if path.is_symlink() or not path.is_file():
            continue
        if path.resolve().parent.is_relative_to(folder) and _sha256(path) == review.content_hash:
            return path
    log.warning("no file in %s holds review %s (indexed from %s)", folder, review.id, recorded)
    raise UserError(
        f"No file in the reviews folder holds {review.display_name} as it was indexed "
        "(changed or moved?); run /reindex, then try again."
    )


async def download(file: discord.Attachment) -> bytes:
    """The attachment's bytes, through discord.py's HTTP client (Discord's CDN)."""
    try:
        data = await file.read()
    except discord.HTTPException as err:
        raise IngestError(
            f"Could not download {file.filename} from Discord (HTTP {err.status}); try again."
        ) from None
    if len(data) > ATTACHMENT_LIMIT:  # the size Discord announced was wrong
        raise IngestError(f"{file.filename} is larger than the {ATTACHMENT_LIMIT:,}-byte limit.")
    return data


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ReviewsCog(
    commands.GroupCog, group_name="review", group_description="Add or remove reviews (admins only)."
):
    """Reviews in and out of the data folder, each followed by an incremental reindex."""

    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        # One change at a time from this bot: duplicate checks then see the previous write.
        self._changing = asyncio.Lock()
        super().__init__()

    async def _reindex(self) -> IndexReport | None:
        """The index report, or None when another reindex is running (the file stays written)."""
        try:
            return await asyncio.to_thread(self.bot.engine.index)
        except ReindexBusy:
            log.warning("reindex after a /review change skipped: another one is running")
            return None

    async def _send(
        self, interaction: discord.Interaction[ReviewBot], embeds: list[discord.Embed]
    ) -> None:
        for message in pack_messages(embeds):
            await interaction.followup.send(
                embeds=message, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    @app_commands.command(
        name="add", description="Add a review from a web page or an attached file, then reindex."
    )
    @app_commands.describe(
        url="The review's web page (http or https)",
        file="A review file to read instead: .md, .txt, .html or .htm",
        film="The film reviewed, when the page does not say",
        critic="The critic's name, overriding what the page says",
        outlet="The outlet (site, paper) that published it, overriding the page",
        rating="The rating, e.g. 4/5, overriding the page",
    )
    @app_commands.check(is_admin)
    async def add(
        self,
        interaction: discord.Interaction[ReviewBot],
        url: app_commands.Range[str, 1, 2000] | None = None,
        file: discord.Attachment | None = None,
        film: app_commands.Range[str, 1, 200] | None = None,
        critic: app_commands.Range[str, 1, 200] | None = None,
        outlet: app_commands.Range[str, 1, 200] | None = None,
        rating: app_commands.Range[str, 1, 50] | None = None,
    ) -> None:
        check_source(url, file)
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = Upload(file.filename, await download(file)) if file else (url or "").strip()
        engine, settings = self.bot.engine, self.bot.settings
        async with self._changing:
            try:
                [result] = await asyncio.to_thread(
                    with_size_cap(settings), [source], data_dir=engine.data_dir,
                    film=_clean(film), critic=_clean(critic), outlet=_clean(outlet),
                    rating=_clean(rating), allow_files=False,
                    allow_private=allow_private_urls(settings),
                )  # fmt: skip
            except IngestError as err:
                raise in_discord_words(err, engine.data_dir) from None
            log.info(
                "review %s added by user %s in guild %s (interaction %s) from %s",
                result.review_id, interaction.user.id, interaction.guild_id, interaction.id,
                result.url or (file.filename if file else "?"),
            )  # fmt: skip
            report = await self._reindex()
        await self._send(interaction, added_embeds(result, report))

    @app_commands.command(
        name="remove", description="Delete one review's file from the data folder, then reindex."
    )
    @app_commands.describe(critic="The review to remove (start typing its critic, outlet or id)")
    @app_commands.check(is_admin)
    async def remove(self, interaction: discord.Interaction[ReviewBot], critic: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        engine = self.bot.engine
        async with self._changing:
            review = await asyncio.to_thread(engine.find_review, critic)
            path = await asyncio.to_thread(review_file, review, engine.data_dir)
            await asyncio.to_thread(path.unlink)
            log.info(
                "review %s (%s) removed by user %s in guild %s (interaction %s)",
                review.id, path, interaction.user.id, interaction.guild_id, interaction.id,
            )  # fmt: skip
            report = await self._reindex()
        await self._send(interaction, removed_embeds(review, path.name, report))

    @remove.autocomplete("critic")
    async def _critic_autocomplete(
        self, interaction: discord.Interaction[ReviewBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await critic_choices(self.bot.engine, current)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(ReviewsCog(bot))
