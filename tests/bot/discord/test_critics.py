"""/critic and /critics at the wire, including autocomplete on an empty index."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord_harness import (
    Harness,
    MakeHarness,
    assert_embed_limits,
    assert_no_pings,
    autocomplete,
    command,
    is_ephemeral,
)

from retrieval.engine import Engine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_critics_lists_every_review_with_outlet_rating_and_link(
    harness: Harness, engine: Engine
) -> None:
    """/critics shows every review's display name, its rating and its link."""
    requests = await harness.interact(command("critics"))
    assert requests[0].json["type"] == 5
    text = harness.wire.text()
    reviews = engine.critics()
    assert reviews
    for r in reviews:
        assert r.display_name in text
        if r.url:
            assert r.url in text
        if r.rating:
            assert r.rating in text
    assert f"Reviews ({len(reviews)})" in text
    assert_no_pings(requests)
    assert_embed_limits(requests)


async def test_critic_summarises_one_review(harness: Harness, engine: Engine) -> None:
    """/critic name:<id> defers, then follows up with that critic's summary and its source."""
    review = engine.critics()[0]
    requests = await harness.interact(command("critic", name=review.id))
    assert requests[0].json == {"type": 5}
    [embed, *_] = harness.wire.embeds()
    assert embed["title"].startswith(review.display_name)
    expected = engine.summary(review.id, use_llm=False)
    assert expected.citations
    assert all(c.review_id == review.id for c in expected.citations)
    assert expected.citations[0].quote in harness.wire.text()
    assert_no_pings(requests)


async def test_critic_unknown_name_suggests_ephemerally(harness: Harness, engine: Engine) -> None:
    """/critic with a misspelt name answers ephemerally with close suggestions, no defer."""
    review = engine.critics()[0]
    misspelt = review.display_name[:-1] + "x"
    requests = await harness.interact(command("critic", name=misspelt))
    [reply] = requests
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert misspelt in reply.message_json["content"]


async def test_critic_autocomplete_filters_and_caps_at_25(harness: Harness, engine: Engine) -> None:
    """/critic autocomplete returns only matching critics, at most 25, values are review ids."""
    review = engine.critics()[0]
    typed = review.display_name[:4]
    [reply] = await harness.interact(autocomplete("critic", "name", name=typed))
    assert reply.json["type"] == 8
    choices = reply.json["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert review.id in {c["value"] for c in choices}
    assert all(len(c["name"]) <= 100 for c in choices)
    [reply] = await harness.interact(autocomplete("critic", "name", name="zzzz-no-such-critic"))
    assert reply.json["data"]["choices"] == []


async def test_autocomplete_copes_with_an_empty_index(
    make_harness: MakeHarness, engine: Engine, tmp_path: Path
) -> None:
    """On an empty index autocomplete answers with no choices and /critics says so."""
    (tmp_path / "reviews").mkdir()
    empty = Engine(tmp_path / "reviews", tmp_path / "index", embedder=engine.embedder)
    harness = await make_harness(empty)
    [reply] = await harness.interact(autocomplete("critic", "name", name=""))
    assert reply.json == {"type": 8, "data": {"choices": []}}
    await harness.interact(command("critics"))
    assert "No reviews are indexed yet" in harness.wire.text()
