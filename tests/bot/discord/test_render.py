"""Splitting and packing within Discord's limits, and the once-a-second streaming edits."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import discord
import pytest

from bot.discord.render import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FOOTER_LIMIT,
    added_embeds,
    answer_embeds,
    escape,
    films_embed,
    pack_messages,
    render_parts,
    split_text,
)
from bot.discord.reply import Streamer
from retrieval import AddResult, Answer, Citation, Film, IndexReport, Part

QUOTE = "the action in that second half is so good that it earns a seat at the high table"


def long_answer(n: int = 40) -> Answer:
    citations = tuple(
        Citation(
            i,
            f"review-{i % 30}",
            f"Critic {i % 30} (Outlet)",
            f"Critic {i % 30}",
            "Outlet",
            f"https://example.com/{i % 30}",
            f"{QUOTE} ({i})",
            True,
        )
        for i in range(1, n + 1)
    )
    text = (
        "\n".join(
            f"- **Critic {c.n}** said “{c.quote}” [{c.n}] and more words follow here."
            for c in citations
        )
        * 3
    )
    return Answer("q", text, True, "extractive", citations, timings_ms={"total_ms": 12.0})


def test_split_never_breaks_inside_a_quote_or_before_its_marker() -> None:
    """Pieces fit the limit and each quote, with its [n], stays whole in one piece."""
    text = " ".join(f"Intro words {i}. “{QUOTE} number {i}.” [{i}] Then more." for i in range(60))
    pieces = split_text(text, 500)
    assert len(pieces) > 5 and all(0 < len(p) <= 500 for p in pieces)
    for i in range(60):
        assert any(f"“{QUOTE} number {i}.” [{i}]" in p for p in pieces)
    assert " ".join(pieces).split() == text.split(), "nothing lost or duplicated"


def test_split_prefers_paragraphs() -> None:
    """A paragraph break inside the window is where the text is cut."""
    text = "a" * 300 + "\n\n" + "b " * 200
    assert split_text(text, 500)[0] == "a" * 300


def test_split_cuts_an_overlong_quote_at_a_word() -> None:
    """Only a single quote longer than the limit is cut, and then at a space."""
    text = "“" + "word " * 300 + "”"
    pieces = split_text(text, 400)
    assert all(len(p) <= 400 for p in pieces)
    assert all(not p.startswith("ord") for p in pieces)


def test_answer_embeds_respect_every_limit() -> None:
    """Long answers with many sources: ≤4096 descriptions, ≤25 fields, ≤6000 per message."""
    embeds = answer_embeds(long_answer(), title="x" * 300)
    assert len(embeds) >= 2
    for e in embeds:
        assert len(e.description or "") <= DESCRIPTION_LIMIT
        assert len(e.fields) <= 25 and len(e.title or "") <= 256
    fields = [f for e in embeds for f in e.fields]
    assert len(fields) == 25 and fields[-1].value == "and 6 more sources"
    for message in pack_messages(embeds):
        assert len(message) <= 10 and sum(len(e) for e in message) <= 6000


def test_pack_messages_groups_small_embeds() -> None:
    """Small embeds share a message, up to ten; large ones get their own."""
    small = [discord.Embed(description="x" * 100) for _ in range(12)]
    assert [len(m) for m in pack_messages(small)] == [10, 2]
    big = [discord.Embed(description="x" * 4000) for _ in range(2)]
    assert [len(m) for m in pack_messages(big)] == [1, 1]


@pytest.mark.asyncio(loop_scope="session")
async def test_streamer_edits_at_most_once_per_interval() -> None:
    """Many deltas inside one interval cause one edit; the rest wait for the final answer."""
    edits: list[str] = []
    first = asyncio.Event()

    async def edit(content: str) -> None:
        edits.append(content)
        first.set()

    async with Streamer(edit, interval=3600) as streamer:
        streamer.on_delta("Hello")
        await first.wait()
        for word in [" there", " and", " more"]:
            await asyncio.to_thread(streamer.on_delta, word)
        await asyncio.sleep(0)
    assert edits == ["Hello ▌"]


def test_parts_render_names_bold_and_quotes_with_their_marker() -> None:
    """A name part is bold, a quote is “…” [n], and a list bullet we wrote stays a bullet."""
    parts = [
        Part("text", "One review:"), Part("break"), Part("text", "- "),
        Part("name", "Ana (Film Stories)"), Part("text", ": "), Part("quote", "Good.", 1),
    ]  # fmt: skip
    assert render_parts(parts) == "One review:\n- **Ana (Film Stories)**: “Good.” [1]"


def test_text_from_reviews_cannot_form_links_or_code() -> None:
    """Masked links, code fences, bold and headings in review or LLM text are shown as typed."""
    hostile = "# Big [click me](https://evil.example) ```rm``` **loud** _x_"
    shown = render_parts([Part("text", hostile), Part("quote", "[a](https://x.y) `b`", 2)])
    assert "[click me](" not in shown and "```" not in shown and "**loud**" not in shown
    assert not shown.startswith("#") and "[a](" not in shown and "“" in shown
    assert escape("a*b") == "a\\*b"


def _added(**changes: Any) -> AddResult:
    base = AddResult(
        review_id="paper-moons-jo-bright", path="/srv/reviewbot/data/reviews/paper-moons.md",
        film="Paper Moons", critic="Jo Bright", outlet=None, url=None, rating=None, words=180,
        content="---\nid: paper-moons-jo-bright\nfilm: Paper Moons\n---\n\nFirst line.\n\n"
        "Second line.\n\nThird line.\n\nFourth line.\n", written=True,
    )  # fmt: skip
    return replace(base, **changes)


def test_added_review_shows_the_extracted_fields_and_the_first_lines() -> None:
    """Film, critic, outlet, rating, words, id; missing fields say so; three lines; no folders."""
    [added, index] = added_embeds(_added(), IndexReport(added=("paper-moons-jo-bright",)))
    fields = {f.name: f.value for f in added.fields}
    assert fields == {
        "Film": "Paper Moons", "Critic": "Jo Bright", "Outlet": "*not given*",
        "Rating": "*not given*", "Words": "180", "Review id": "`paper-moons-jo-bright`",
    }  # fmt: skip
    assert added.description == "> First line.\n> Second line.\n> Third line."
    assert added.footer.text == "Saved as paper-moons.md" and added.url is None
    assert index.title == "Reindex finished"
    [_, busy] = added_embeds(_added(), None)
    assert busy.title == "Index not updated yet" and "/reindex" in (busy.description or "")


def test_added_review_text_is_escaped_and_within_limits() -> None:
    """Review text and names cannot form Markdown; huge values are clipped to Discord's limits."""
    hostile = "[click](https://evil.example) **bold** `code` @everyone " + "word " * 2000
    result = _added(
        film="# " + hostile,
        critic=hostile,
        outlet=hostile,
        rating="5/5 ||spoiler||",
        url="javascript:alert(1)",
        content="---\nfilm: x\n---\n" + ("> " + hostile + "\n") * 5,
    )
    embeds = added_embeds(result, IndexReport(added=tuple(f"id-{i}" for i in range(500))))
    added = embeds[0]
    assert added.url is None, "only http(s) links become the embed's link"
    assert "\\[click\\]" in (added.description or "") and "\\*\\*bold" in (added.title or "")
    assert {f.name: f.value for f in added.fields}["Rating"] == "5/5 \\|\\|spoiler\\|\\|"
    for embed in embeds:
        assert len(embed.title or "") <= 256 and len(embed.description or "") <= DESCRIPTION_LIMIT
        assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert all(sum(len(e) for e in message) <= 6000 for message in pack_messages(embeds))


def test_footer_keeps_the_answer_id_whole_within_limits() -> None:
    """A long fallback reason is cut, never the answer id; the footer stays within its limit."""
    answer = long_answer(3)
    cut = replace(answer, fallback_reason="timeout " * 200)
    [*_, last] = answer_embeds(cut, title="Q", answer_id="2yw3kq5x1c0w")
    text = last.footer.text or ""
    assert text.endswith(" · answer 2yw3kq5x1c0w") and len(text) <= 300 <= FOOTER_LIMIT
    assert "answer " not in (answer_embeds(answer, title="Q")[-1].footer.text or "")


def _film(i: int) -> Film:
    return Film(f"Film number {i:03d}: A Long Subtitle", 1950 + i % 70, (f"F{i}",), ("a", "b"))


def test_films_embed_for_a_big_archive_stays_within_discord_limits() -> None:
    """500 films: one embed within the description limit, ending "…and N more" with a hint."""
    embed = films_embed([_film(i) for i in range(500)])
    assert len(embed.description or "") <= DESCRIPTION_LIMIT and len(embed) <= EMBED_TOTAL_LIMIT
    lines = (embed.description or "").splitlines()
    shown = len(lines) - 1
    assert lines[-1] == f"…and {500 - shown} more: `/films name:` narrows the list"
    assert embed.title == "Films (500)" and embed.footer.text == "1000 reviews in all"
