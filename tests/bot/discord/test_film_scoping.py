"""Films at the wire on a three-film index: /films, and /ask and mentions scoped by the film a
question names, each source showing its film."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from discord_harness import (
    BOT_ID,
    Harness,
    MakeHarness,
    Request,
    assert_embed_limits,
    assert_no_pings,
    autocomplete,
    command,
    mention,
)

from retrieval.engine import Engine

pytestmark = pytest.mark.asyncio(loop_scope="session")

BALLERINA = "From the World of John Wick: Ballerina"
GBU = "The Good, the Bad and the Ugly"


def embeds_of(requests: list[Request]) -> list[dict[str, Any]]:
    return [e for r in requests if r.is_message for e in r.message_json.get("embeds") or []]


def source_names(requests: list[Request]) -> list[str]:
    return [f["name"] for e in embeds_of(requests) for f in e.get("fields", [])]


@pytest_asyncio.fixture(loop_scope="session")
async def films(make_harness: MakeHarness, films_engine: Engine) -> Harness:
    """A bot answering from the three-film index."""
    return await make_harness(films_engine)


async def test_films_lists_each_film_with_year_count_and_aliases(films: Harness) -> None:
    """/films defers, then one embed lists every film: year, review count, aliases."""
    requests = await films.interact(command("films"))
    assert requests[0].json == {"type": 5}
    [embed] = embeds_of(requests)
    assert embed["title"] == "Films (3)"
    lines = embed["description"].splitlines()
    assert lines[0].startswith(r"**From the World of John Wick: Ballerina** (2025) — 2 reviews")
    assert "also: Ballerina" in lines[0]
    assert lines[1] == "**Heat** (1995) — 2 reviews"
    assert "also: Il buono, il brutto, il cattivo, GBU" in lines[2]
    assert embed["footer"]["text"] == "6 reviews in all"
    assert_no_pings(requests)
    assert_embed_limits(requests)


async def test_films_name_keeps_the_films_matching_a_title_or_alias(films: Harness) -> None:
    """/films name:gbu keeps only the film with that alias; an unmatched name says so."""
    [embed] = embeds_of(await films.interact(command("films", name="gbu")))
    assert embed["title"] == "Films matching “gbu” (1)" and GBU in embed["description"]
    [embed] = embeds_of(await films.interact(command("films", name="Casablanca")))
    assert embed["description"] == "No film matching “Casablanca”."


async def test_ask_naming_a_film_is_scoped_to_it_and_says_so(films: Harness) -> None:
    """/ask "…the action in Heat?": the answer opens with its scope; every source is Heat's."""
    requests = await films.interact(
        command("ask", question="What did critics say about the action in Heat?")
    )
    [first, *_] = embeds_of(requests)
    assert first["description"].startswith("Answering from the reviews of Heat (1995).")
    names = source_names(requests)
    assert names and all(n.endswith(" on Heat") for n in names)
    assert_no_pings(requests)
    assert_embed_limits(requests)


async def test_mention_naming_a_film_by_alias_in_lowercase_is_scoped(films: Harness) -> None:
    """@reviewbot "how is the music in gbu?" is answered from that film's reviews only."""
    me = {"id": str(BOT_ID), "username": "reviewbot", "discriminator": "0", "bot": True,
          "avatar": None, "global_name": None}  # fmt: skip
    requests = await films.message(mention(f"<@{BOT_ID}> how is the music in gbu?", mentions=[me]))
    [first, *_] = embeds_of(requests)
    assert first["description"].startswith(f"Answering from the reviews of {GBU} (1966).")
    names = source_names(requests)
    assert names and all(n.endswith(f" on {GBU}") for n in names)
    assert_no_pings(requests)


async def test_ask_naming_no_film_answers_across_films_with_each_sources_film(
    films: Harness,
) -> None:
    """/ask with no film named: no scope note; the sources come from several films, each named."""
    question = "Is the three hour length a problem?"
    requests = await films.interact(command("ask", question=question))
    [first, *_] = embeds_of(requests)
    assert "Answering from" not in first["description"]
    names = source_names(requests)
    shown = {film for n in names for film in ("Heat", GBU, BALLERINA) if n.endswith(f" on {film}")}
    assert len(shown) >= 2 and len(names) == sum(1 for n in names if " on " in n)


async def test_film_autocomplete_matches_aliases_and_shows_the_year(films: Harness) -> None:
    """/ask film: autocomplete finds a film by its alias; the choice shows the year, the value
    is the title."""
    [reply] = await films.interact(autocomplete("ask", "film", question="x", film="gbu"))
    assert reply.json["data"]["choices"] == [{"name": f"{GBU} (1966)", "value": GBU}]
