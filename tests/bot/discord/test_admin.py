"""/reindex at the wire: refused server-side without Manage Server, reports what changed."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from discord_harness import (
    ADMIN_ROLE_ID,
    BASIC_PERMS,
    MANAGE_GUILD,
    OTHER_ROLE_ID,
    Harness,
    MakeHarness,
    assert_embed_limits,
    assert_no_pings,
    command,
    is_ephemeral,
)

from retrieval.engine import Engine

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_REVIEW = """---
id: brand-new-take
film: "From the World of John Wick: Ballerina"
critic: Nova Critic
outlet: The Test Gazette
---

Ballerina is a flamethrower of a movie, and the flamethrower scene alone is worth the ticket.
"""


@pytest.fixture
async def reindex_harness(
    make_harness: MakeHarness, private_engine: Engine, reviews_dir: Path
) -> tuple[Harness, Path]:
    """A bot over the private engine (indexed at setup)."""
    return await make_harness(private_engine), reviews_dir


@pytest.mark.parametrize(
    ("permissions", "roles"),
    [(BASIC_PERMS, ()), (BASIC_PERMS, (OTHER_ROLE_ID,))],
    ids=["plain-member", "other-role"],
)
async def test_reindex_refused_without_manage_server(
    harness: Harness, permissions: int, roles: tuple[int, ...]
) -> None:
    """A member without Manage Server or the admin role is refused, ephemerally, before work."""
    requests = await harness.interact(command("reindex", permissions=permissions, roles=roles))
    [reply] = requests
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "Manage Server" in reply.message_json["content"]
    assert_no_pings(requests)


async def test_reindex_refused_in_direct_messages(harness: Harness) -> None:
    """/reindex outside a server is refused ephemerally."""
    [reply] = await harness.interact(command("reindex", in_guild=False))
    assert reply.json["type"] == 4 and is_ephemeral(reply)


async def test_reindex_with_manage_server_reports_changes_and_rejected_files(
    reindex_harness: tuple[Harness, Path],
) -> None:
    """Manage Server runs it: added/changed/removed counts, rejected files named with reasons."""
    harness, reviews = reindex_harness
    removed, changed = sorted(reviews.glob("*.md"))[:2]
    removed_id = removed.stem
    removed.unlink()
    (reviews / "brand-new-take.md").write_text(NEW_REVIEW, encoding="utf-8")
    (reviews / "broken.md").write_text("no front matter here, just text\n", encoding="utf-8")
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")

    requests = await harness.interact(command("reindex", permissions=BASIC_PERMS | MANAGE_GUILD))
    assert requests[0].json["type"] == 5 and requests[0].json["data"]["flags"] & 64
    report = requests[-1]
    assert is_ephemeral(report)
    [embed] = report.json["embeds"]
    fields = {f["name"].split(" (")[0]: (f["name"], f["value"]) for f in embed["fields"]}
    assert fields["Added"][0] == "Added (1)" and "brand-new-take" in fields["Added"][1]
    assert fields["Removed"][0] == "Removed (1)" and removed_id in fields["Removed"][1]
    assert fields["Changed"][0] == "Changed (1)" and changed.stem in fields["Changed"][1]
    assert fields["Rejected"][0] == "Rejected (1)"
    assert "broken.md" in fields["Rejected"][1] and "front matter" in fields["Rejected"][1]
    assert_no_pings(requests)
    assert_embed_limits(requests)

    await harness.interact(command("ask", question="Is the flamethrower scene worth it?"))
    assert "Nova Critic" in harness.wire.text(), "the new review is answered from at once"


async def test_reindex_with_the_admin_role_runs(harness: Harness) -> None:
    """The configured admin role is enough, even without Manage Server (a no-op reindex here)."""
    requests = await harness.interact(command("reindex", roles=(ADMIN_ROLE_ID,)))
    assert requests[0].json["type"] == 5
    [embed] = requests[-1].json["embeds"]
    assert embed["title"] == "Reindex finished"
    assert "0 added, 0 changed, 0 removed" in embed["description"]


async def test_second_reindex_is_refused_while_questions_are_still_answered(
    reindex_harness: tuple[Harness, Path], private_engine: Engine
) -> None:
    """During a reindex another /reindex is told it is busy; /ask answers from the old index."""
    harness, reviews = reindex_harness
    (reviews / "brand-new-take.md").write_text(NEW_REVIEW, encoding="utf-8")
    inside, release = threading.Event(), threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        inside.set()
        release.wait(60)

    running = threading.Thread(target=private_engine.index, kwargs={"on_progress": progress})
    running.start()
    try:
        assert await asyncio.to_thread(inside.wait, 60), "the reindex never reported progress"
        requests = await harness.interact(command("reindex", permissions=MANAGE_GUILD))
        assert requests[0].json["type"] == 5
        assert is_ephemeral(requests[-1]) and "already running" in requests[-1].json["content"]
        harness.wire.clear()
        await harness.interact(command("ask", question="Is the action in Ballerina good?"))
        assert "“" in harness.wire.text() and "Nova Critic" not in harness.wire.text()
    finally:
        release.set()
        await asyncio.to_thread(running.join, 60)
