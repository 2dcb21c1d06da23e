"""Pure rendering: Answer / Review / IndexReport / AddResult → Discord embeds and message text.

Nothing here sends or awaits. Answers arrive as parts (`retrieval.models.Part`): a critic's
name is bold, a quote is “…” [n]; every run of text from a review or an LLM is escaped so it
cannot form Markdown — no masked links, code fences, headings or bold it did not ask for.

Long because every embed the bot sends is built here (answers, /critics, /films, /reindex,
/review), so Discord's limits and the escaping live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import discord

from retrieval import AddResult, Answer, Citation, Film, IndexReport, Part, Review, url_host

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

COLOUR_FOUND = discord.Colour.from_rgb(67, 160, 71)
COLOUR_NOT_FOUND = discord.Colour.from_rgb(120, 120, 120)
COLOUR_ADMIN = discord.Colour.from_rgb(30, 136, 229)

_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>-])", re.M)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _inline(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def escape(text: str) -> str:
    """`text` with every Markdown-forming character escaped (it shows as typed)."""
    return _LINE_START.sub(r"\1\\\2", _inline(text))


def render_parts(parts: Sequence[Part]) -> str:
    """Parts as Discord Markdown: **name**, “quote” [n], escaped prose, line breaks."""
    out: list[str] = []
    line_start = True
    for part in parts:
        if part.kind == "break":
            out.append("\n")
            line_start = True
            continue
        if part.kind == "name":
            out.append(f"**{escape(part.text)}**")
        elif part.kind == "quote":
            mark = f" [{part.n}]" if part.n is not None else ""
            out.append(f"“{_inline(part.text)}”{mark}")
        elif line_start and part.text.startswith("- "):  # our own list bullet
            out.append("- " + escape(part.text[2:]))
        else:
            out.append(escape(part.text) if line_start else _inline(part.text))
        line_start = False
    return "".join(out).strip()


def answer_text(answer: Answer) -> str:
    """The answer as Discord Markdown (its parts; plain `text` escaped when it has none)."""
    return render_parts(answer.parts) if answer.parts else escape(answer.text)


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


# A link longer than this is shown by its host name: 25 of them would fill a message.
SOURCE_URL_LIMIT = 400
# Room kept for the closing "…and N more sources" field.
_MORE_RESERVE = len("…") + len("and 999 more sources")
# The whole answer text fits one message (two ≤3900 pieces, their titles, the footer); the rest
# of an over-long answer is cut at a boundary `split_text` allows, never inside a quote.
ANSWER_TEXT_LIMIT = 5000
CUT_NOTE = "\n\n(The answer was cut here: it is too long for Discord.)"
_URL_UNSAFE = re.compile(r"[()\[\]<>\s\\]")


def _link_url(url: str | None) -> str | None:
    """An http(s) URL safe inside `[label](…)`: characters that could end or reshape the link
    are percent-encoded; None when it is not a web link."""
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")):
        return None
    return _URL_UNSAFE.sub(lambda m: "%" + "".join(f"{b:02X}" for b in m.group().encode()), url)


def _source_field(answer: Answer, source: Citation) -> tuple[str, str]:
    cites = [c for c in answer.citations if c.review_id == source.review_id]
    markers = " ".join(f"[{c.n}]" for c in cites)
    film = f" on {source.film}" if source.film else ""  # set only when the index has several
    name = clip(f"{markers} {source.name}{film}", FIELD_NAME_LIMIT)
    lines = []
    if source.critic and source.outlet and source.outlet not in source.name:
        lines.append(clip(escape(source.outlet), 200))
    url = _link_url(source.url)
    if url and len(url) <= SOURCE_URL_LIMIT:
        lines.append(f"[Read the review]({url})")
    elif url:
        lines.append(f"Review at {escape(url_host(url) or 'a long link')}")
    unverified = [c.n for c in cites if not c.verified]
    if unverified:
        lines.append(clip("⚠️ not found verbatim: " + " ".join(f"[{n}]" for n in unverified), 300))
    return name, "\n".join(lines) or "(no link in the review file)"


def _source_fields(answer: Answer, budget: int) -> tuple[list[tuple[str, str]], bool]:
    """The sources as (name, value) fields within `budget` characters and 25 fields; the ones
    that do not fit are counted in a last "…" field. Also: whether every source fitted."""
    rows = [_source_field(answer, s) for s in answer.sources()]
    fields: list[tuple[str, str]] = []
    used = 0
    for i, (name, value) in enumerate(rows):
        last = i == len(rows) - 1
        size = len(name) + len(value) + (0 if last else _MORE_RESERVE)
        if used + size > budget or (not last and len(fields) == FIELD_COUNT_LIMIT - 1):
            break
        fields.append((name, value))
        used += len(name) + len(value)
    complete = len(fields) == len(rows)
    if not complete:
        fields.append(("…", f"and {len(rows) - len(fields)} more sources"))
    return fields, complete


def _footer(answer: Answer, answer_id: str | None = None) -> str:
    """Mode, time, fallback reason (cut to fit), then `answer <id>` whole when given."""
    parts = ["LLM answer, quotes verified" if answer.mode == "llm" else "Quotes from the reviews"]
    total = answer.timings_ms.get("total_ms")
    if total is not None:
        parts.append(f"{total / 1000:.1f}s")
    if answer.fallback_reason:
        parts.append(f"LLM unavailable ({answer.fallback_reason}), showing quotes")
    if answer_id is None:
        return clip(" · ".join(parts), 300)
    tail = " · answer " + clip(answer_id, 40)
    return clip(" · ".join(parts), 300 - len(tail)) + tail


def answer_embeds(
    answer: Answer, *, title: str, answer_id: str | None = None
) -> list[discord.Embed]:
    """The answer as at most two messages' worth of embeds within Discord's limits: the text
    (cut, with a note, past `ANSWER_TEXT_LIMIT`) in one message, the sources with it when they
    fit, else in a "Sources" embed of their own (long links by host, the overflow counted).
    The last embed's footer ends with `answer <answer_id>` when given (votes name that id)."""
    colour = COLOUR_FOUND if answer.found else COLOUR_NOT_FOUND
    quotes = [c.quote for c in answer.citations]
    text = answer_text(answer) or "I found nothing in the reviews about that."
    if len(text) > ANSWER_TEXT_LIMIT:
        text = split_text(text, ANSWER_TEXT_LIMIT - len(CUT_NOTE), quotes)[0] + CUT_NOTE
    pieces = split_text(text, ANSWER_PIECE_LIMIT, quotes)
    title = clip(" ".join(title.split()), TITLE_LIMIT - 14)
    embeds = []
    for i, piece in enumerate(pieces):
        t = title if i == 0 else f"{title} (continued)"
        embeds.append(discord.Embed(title=t, description=piece, colour=colour))
    footer = _footer(answer, answer_id)
    room = EMBED_TOTAL_LIMIT - sum(len(e) for e in embeds) - len(footer)
    fields, complete = _source_fields(answer, room)
    if not complete:
        sources = discord.Embed(title="Sources", colour=colour)
        fields, _ = _source_fields(answer, EMBED_TOTAL_LIMIT - len("Sources") - len(footer))
        embeds.append(sources)
    for name, value in fields:
        embeds[-1].add_field(name=name, value=value, inline=False)
    embeds[-1].set_footer(text=footer)
    return embeds


def critics_embeds(reviews: Sequence[Review]) -> list[discord.Embed]:
    """Every review: display name, outlet, rating and link, in as few embeds as fit."""
    if not reviews:
        return [
            discord.Embed(
                title="Reviews", colour=COLOUR_NOT_FOUND, description="No reviews are indexed yet."
            )
        ]
    lines = []
    for r in reviews:
        film = f"{r.film} ({r.year})" if r.year else r.film
        film = f"[{escape(film)}]({r.url})" if r.url else escape(film)
        bits = [f"**{escape(r.display_name)}**", film]
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


# Each film's line is cut to this; the description keeps room for the "…and N more" line.
FILM_LINE_LIMIT = 300
_FILMS_MORE_RESERVE = 120


def films_embed(films: Sequence[Film], *, matching: str = "") -> discord.Embed:
    """The films (title, year, review count, aliases) in one embed: as many as fit its
    description, the rest counted in a last line that says how to narrow the list."""
    found = f" matching “{clip(escape(matching), 100)}”" if matching else ""
    if not films:
        what = f"No film{found}." if matching else "No films are indexed yet."
        return discord.Embed(title="Films", description=what, colour=COLOUR_NOT_FOUND)
    lines: list[str] = []
    used = 0
    for i, f in enumerate(films):
        year = f" ({f.year})" if f.year else ""
        count = f"{f.reviews} review{'' if f.reviews == 1 else 's'}"
        aka = f" · also: {escape(', '.join(f.aliases))}" if f.aliases else ""
        line = clip(f"**{escape(f.title)}**{year} — {count}{aka}", FILM_LINE_LIMIT)
        if used + len(line) + 1 > DESCRIPTION_LIMIT - _FILMS_MORE_RESERVE:
            rest = len(films) - i
            lines.append(f"…and {rest} more: `/films name:` narrows the list")
            break
        lines.append(line)
        used += len(line) + 1
    reviews = sum(f.reviews for f in films)
    embed = discord.Embed(
        title=f"Films{found} ({len(films)})", description="\n".join(lines), colour=COLOUR_FOUND
    )
    embed.set_footer(text=f"{reviews} review{'' if reviews == 1 else 's'} in all")
    return embed


def _names_field(names: Sequence[str]) -> str:
    if not names:
        return "—"
    text = ", ".join(f"`{n}`" for n in names)
    return clip(text, FIELD_VALUE_LIMIT)


def reindex_embed(report: IndexReport) -> discord.Embed:
    """The reindex report: counts, the files in each group, and each rejected file's problem."""
    embed = discord.Embed(
        title="Reindex finished",
        description=report.summary_line(),
        colour=COLOUR_ADMIN if not report.rejected else COLOUR_NOT_FOUND,
    )
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


# --------------------------------------------------------------------------- /review

# How much of an added review's text is shown back to the admin.
FIRST_LINES = 3
FIRST_LINES_CHARS = 700
NOT_GIVEN = "not given"
_FRONT_MATTER = re.compile(r"\A\ufeff?\s*---[^\n]*\n.*?^---[^\n]*$\n?", re.S | re.M)


def review_body(content: str) -> str:
    """A review file's text without its YAML front matter."""
    return _FRONT_MATTER.sub("", content, count=1).strip()


def first_lines(text: str, lines: int = FIRST_LINES, limit: int = FIRST_LINES_CHARS) -> str:
    """The first non-empty lines of `text`, escaped and quoted (`> `), within `limit` chars."""
    out: list[str] = []
    size = 0
    for line in [ln.strip() for ln in text.splitlines() if ln.strip()][:lines]:
        quoted = "> " + escape(line)
        room = limit - size
        if len(quoted) > room:
            if room > 40:
                out.append(clip(quoted, room))
            break
        out.append(quoted)
        size += len(quoted) + 1
    return "\n".join(out)


def _web_url(url: str | None) -> str | None:
    """`url` when Discord accepts it as an embed link (http/https, not too long)."""
    if url and url.startswith(("http://", "https://")) and len(url) <= 2000 and " " not in url:
        return url
    return None


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]  # never the host's folders


def _index_embed(report: IndexReport | None) -> discord.Embed:
    if report is not None:
        return reindex_embed(report)
    return discord.Embed(
        title="Index not updated yet",
        description="Another reindex was already running. Run /reindex once it has finished "
        "so this change is searchable.",
        colour=COLOUR_NOT_FOUND,
    )


def added_embeds(result: AddResult, report: IndexReport | None) -> list[discord.Embed]:
    """What `/review add` extracted (film, critic, outlet, rating, words, first lines), then the
    index report (None: another reindex was running). Metadata that was missing stays missing."""
    embed = discord.Embed(
        title=clip(f"Review added: {escape(result.film)}", TITLE_LIMIT),
        description=first_lines(review_body(result.content)) or None,
        colour=COLOUR_ADMIN,
        url=_web_url(result.url),
    )
    for name, value in (
        ("Film", result.film),
        ("Critic", result.critic),
        ("Outlet", result.outlet),
        ("Rating", result.rating),
    ):
        shown = escape(value) if value else f"*{NOT_GIVEN}*"
        embed.add_field(name=name, value=clip(shown, FIELD_VALUE_LIMIT))
    embed.add_field(name="Words", value=f"{result.words:,}")
    embed.add_field(name="Review id", value=clip(f"`{result.review_id}`", FIELD_VALUE_LIMIT))
    embed.set_footer(text=clip(f"Saved as {_file_name(result.path)}", FOOTER_LIMIT))
    return [embed, _index_embed(report)]


def removed_embeds(
    review: Review, file_name: str, report: IndexReport | None
) -> list[discord.Embed]:
    """The review `/review remove` deleted (from `file_name`), then the index report."""
    film = f"{review.film} ({review.year})" if review.year else review.film
    embed = discord.Embed(
        title=clip(f"Review removed: {escape(review.display_name)}", TITLE_LIMIT),
        description=clip(
            f"{escape(film)} — `{review.id}`, file {escape(_file_name(file_name))} deleted",
            DESCRIPTION_LIMIT,
        ),
        colour=COLOUR_ADMIN,
    )
    return [embed, _index_embed(report)]


def preview(text: str) -> str:
    """A streaming answer so far, as plain content under 2000 characters (escaped)."""
    text = escape(text.strip())
    if len(text) > CONTENT_LIMIT - 10:
        text = "…" + text[-(CONTENT_LIMIT - 12) :]
    return (text + " ▌") if text else "…"
