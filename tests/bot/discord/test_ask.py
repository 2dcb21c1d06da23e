"""/ask at the wire: defer first, then the cited answer as embeds, mentions never parsed."""

from __future__ import annotations

import pytest
from discord_harness import Harness, command

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_ask_defers_then_follows_up_with_quotes_and_sources(harness: Harness) -> None:
    """/ask defers (type 5) first, then a follow-up carries the answer, quotes and sources."""
    requests = await harness.interact(command("ask", question="Is the action in Ballerina good?"))
    for r in requests:
        print(r.adapter, r.method, r.path, r.json)
    assert requests[0].path.endswith("/callback")
    assert requests[0].json["type"] == 5
