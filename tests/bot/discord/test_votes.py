"""👍/👎 votes at the wire: the answer's id in its footer, the answer and the votes stored in
SQLite, one vote per user per answer, and votes that outlive the bot that took them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from discord_harness import (
    BOT_ID,
    GUILD_ID,
    REPO,
    USER_ID,
    Harness,
    MakeHarness,
    Request,
    assert_embed_limits,
    assert_no_pings,
    button_click,
    command,
    is_ephemeral,
    mention,
    snowflake,
)

from bot.discord.feedback import feedback_view
from bot.feedback import FeedbackStore, answer_id, user_hash
from retrieval.engine import Engine

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUESTION = "Is the action in Ballerina good?"


async def ask(harness: Harness, question: str = QUESTION) -> tuple[dict[str, Any], Request]:
    """/ask; the interaction payload and the request that sent the answer with its buttons."""
    payload = command("ask", question=question)
    requests = await harness.interact(payload)
    assert_no_pings(requests)
    assert_embed_limits(requests)
    return payload, [r for r in requests if r.is_message][-1]


def custom_id(answer: Request, emoji: str) -> str:
    """The custom id of the answer's `emoji` button, as Discord would send it back."""
    buttons = [c for row in answer.message_json["components"] for c in row["components"]]
    return next(b["custom_id"] for b in buttons if b["emoji"]["name"] == emoji)


async def click(
    harness: Harness, answer: Request, emoji: str, *, user_id: int = USER_ID
) -> Request:
    """Press a button under the answer message; the one request the bot answers with."""
    message = harness.wire.message(answer.message_json, webhook_id=str(BOT_ID))
    [reply] = await harness.interact(
        button_click(custom_id(answer, emoji), message, user_id=user_id)
    )
    return reply


def answer_rows(db: Path) -> dict[str, dict[str, Any]]:
    """The `answers` table, by answer id."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["answer_id"]: dict(r) for r in conn.execute("SELECT * FROM answers")}


def footer(answer: Request) -> str:
    return str(answer.message_json["embeds"][-1]["footer"]["text"])


async def test_ask_footer_shows_the_answer_id_and_the_answer_is_stored(
    harness: Harness, engine: Engine
) -> None:
    """/ask: the footer ends with `answer <id>`; mode, passages and reviews used are stored."""
    payload, answer = await ask(harness)
    aid = answer_id(int(payload["id"]))
    assert footer(answer).endswith(f" · answer {aid}")
    expected = engine.ask(QUESTION, use_llm=False)
    row = answer_rows(harness.bot.settings.feedback_path)[aid]
    assert row["question_id"] == payload["id"] and row["guild_id"] == GUILD_ID
    assert row["mode"] == "extractive"
    assert json.loads(row["passage_ids"]) == [p.passage.id for p in expected.passages]
    assert set(json.loads(row["review_ids"])) == {c.review_id for c in expected.citations}


async def test_mention_answer_is_stored_under_the_message_id(harness: Harness) -> None:
    """A mention's answer carries `answer <id of the message>` and is stored under that id."""
    payload = mention(f"<@{BOT_ID}> {QUESTION}", mentions=[harness.wire.user])
    [answer] = [r for r in await harness.message(payload) if r.is_message]
    aid = answer_id(int(payload["id"]))
    assert footer(answer).endswith(f"answer {aid}")
    assert aid in answer_rows(harness.bot.settings.feedback_path)


async def test_thumbs_down_is_stored_and_acknowledged_privately(harness: Harness) -> None:
    """Clicking 👎 stores -1 against the answer (user hashed) and acks ephemerally, no pings."""
    payload, answer = await ask(harness)
    aid = answer_id(int(payload["id"]))
    reply = await click(harness, answer, "👎", user_id=USER_ID + 3)
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert f"👎 on answer {aid} is recorded" in reply.message_json["content"]
    assert_no_pings([reply])
    store = FeedbackStore(harness.bot.settings.feedback_path)
    [vote] = store.votes()
    assert (vote.answer_id, vote.vote, vote.guild_id) == (aid, -1, GUILD_ID)
    assert vote.mode == "extractive" and vote.passage_ids and vote.review_ids
    assert vote.user_hash == user_hash(USER_ID + 3, store.salt())


async def test_one_vote_per_user_per_answer_the_latest_click_wins(harness: Harness) -> None:
    """The same click twice counts once; the other button changes the vote; users are apart."""
    payload, answer = await ask(harness)
    aid = answer_id(int(payload["id"]))
    await click(harness, answer, "👎")
    again = await click(harness, answer, "👎")
    assert "already voted 👎" in again.message_json["content"] and is_ephemeral(again)
    changed = await click(harness, answer, "👍")
    assert f"Changed your vote on answer {aid} to 👍" in changed.message_json["content"]
    await click(harness, answer, "👎", user_id=USER_ID + 1)
    votes = FeedbackStore(harness.bot.settings.feedback_path).votes()
    salt = FeedbackStore(harness.bot.settings.feedback_path).salt()
    assert sorted((v.user_hash, v.vote) for v in votes) == sorted(
        [(user_hash(USER_ID, salt), 1), (user_hash(USER_ID + 1, salt), -1)]
    )


async def test_votes_survive_a_restart_and_a_new_process_lists_them(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    """👎, bot closed, `reviewbot feedback --json` in a new process lists it; a new bot votes on."""
    first = await make_harness()
    payload, answer = await ask(first)
    aid = answer_id(int(payload["id"]))
    await click(first, answer, "👎")
    await first.bot.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWBOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "feedback", "--json", "--index", str(tmp_path / "index")],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [listed] = json.loads(proc.stdout)
    assert listed["answer_id"] == aid and listed["vote"] == -1
    assert listed["question_id"] == payload["id"] and listed["mode"] == "extractive"
    assert listed["passage_ids"] and listed["guild_id"] == GUILD_ID

    second = await make_harness()  # a restart: a new bot on the same database
    reply = await click(second, answer, "👍", user_id=USER_ID + 9)
    assert is_ephemeral(reply)
    assert f"👍 on answer {aid} is recorded" in reply.message_json["content"]
    votes = FeedbackStore(tmp_path / "feedback.sqlite3").votes()
    assert [(v.answer_id, v.vote) for v in votes] == [(aid, -1), (aid, 1)]


async def test_vote_on_an_unknown_answer_is_kept_and_says_so(harness: Harness) -> None:
    """A button on an answer the database never saw (older than it): stored, and the user told."""
    old_question = snowflake()
    # The message as Discord keeps it: sent before this database existed, with its buttons.
    message = harness.wire.message(
        {"content": "an old answer", "components": feedback_view(old_question).to_components()}
    )
    click_ = button_click(f"reviewbot:feedback:up:{old_question}", message)
    [reply] = await harness.interact(click_)
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "not recorded" in reply.message_json["content"]
    [vote] = FeedbackStore(harness.bot.settings.feedback_path).votes()
    assert vote.answer_id == answer_id(old_question) and vote.vote == 1 and vote.mode is None


async def test_an_unusable_database_never_stops_an_answer(
    make_harness: MakeHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Votes database unwritable: the answer is still sent; a click gets a private apology."""
    (tmp_path / "not-a-folder").write_text("")
    harness = await make_harness(feedback_db=tmp_path / "not-a-folder" / "feedback.sqlite3")
    payload, answer = await ask(harness)
    assert footer(answer).endswith(f"answer {answer_id(int(payload['id']))}")
    assert any("not recorded" in r.getMessage() for r in caplog.records)
    message = harness.wire.message(answer.message_json, webhook_id=str(BOT_ID))
    click_ = button_click(custom_id(answer, "👎"), message)
    [reply] = await harness.interact(click_)
    assert is_ephemeral(reply) and "could not be saved" in reply.message_json["content"]
    assert f"ref {click_['id']}" in reply.message_json["content"]
