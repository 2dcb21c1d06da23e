"""Mentions, replies, feedback buttons, and text from reviews that must never ping anyone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from discord_harness import (
    BOT_ID,
    CHANNEL_ID,
    USER_ID,
    Harness,
    MakeHarness,
    assert_no_pings,
    button_click,
    command,
    first_sentence,
    is_ephemeral,
    mention,
    passages_in,
)

from bot.feedback import answer_id, user_hash
from retrieval.engine import Engine
from tests.llm_server import FakeLLM, Reply

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOSTILE = """---
id: hostile-take
film: "From the World of John Wick: Ballerina"
critic: "@everyone"
outlet: "<@123456789012345678> Weekly"
---

Listen up @everyone and @here and <@123456789012345678> and <@&987654321098765432>: the snowy
assassin village is the most unforgettable setting of the year.
"""


def bot_user() -> dict:
    return {
        "id": str(BOT_ID),
        "username": "reviewbot",
        "discriminator": "0",
        "bot": True,
        "avatar": None,
        "global_name": None,
    }


async def test_mention_is_answered_as_a_reply(harness: Harness) -> None:
    """@reviewbot <question> gets a reply with the answer embeds, pinging nobody."""
    payload = mention(f"<@{BOT_ID}> is the action in Ballerina good?", mentions=[bot_user()])
    requests = await harness.message(payload)
    assert any(r.path == f"/channels/{CHANNEL_ID}/typing" for r in requests)
    [reply] = [r for r in requests if r.is_message]
    assert reply.path == f"/channels/{CHANNEL_ID}/messages"
    assert str(reply.json["message_reference"]["message_id"]) == payload["id"]
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert reply.json["embeds"][0]["title"] == "is the action in Ballerina good?"
    assert "“" in reply.json["embeds"][0]["description"]
    buttons = [c["custom_id"] for row in reply.json["components"] for c in row["components"]]
    assert buttons == [
        f"reviewbot:feedback:up:{payload['id']}",
        f"reviewbot:feedback:down:{payload['id']}",
    ]


async def test_reply_to_the_bot_is_answered(harness: Harness) -> None:
    """Replying to one of the bot's messages (no mention) asks a question too."""
    earlier = harness.wire.message({"content": "earlier answer"})
    payload = mention(
        "and the fight choreography?",
        message_reference={"message_id": earlier["id"], "channel_id": str(CHANNEL_ID)},
        referenced_message=earlier,
    )
    requests = await harness.message(payload)
    [reply] = [r for r in requests if r.is_message]
    assert reply.json["embeds"][0]["title"] == "and the fight choreography?"


async def test_everyone_ping_or_other_users_are_not_questions(harness: Harness) -> None:
    """@everyone, other users' mentions, the bot's own messages and empty replies are ignored."""
    everyone = mention("@everyone movie night!", mention_everyone=True)
    other = mention(
        f"<@{USER_ID + 5}> did you see it?",
        mentions=[
            {"id": str(USER_ID + 5), "username": "friend", "discriminator": "0", "avatar": None}
        ],
    )
    own = mention(f"<@{BOT_ID}> hi", mentions=[bot_user()], author_id=BOT_ID)
    own["author"] = bot_user()
    earlier = harness.wire.message({"content": "earlier answer"})
    empty_reply = mention(
        "",
        message_reference={"message_id": earlier["id"], "channel_id": str(CHANNEL_ID)},
        referenced_message=earlier,
    )  # no Message Content intent: no text
    for payload in (everyone, other, own, empty_reply):
        assert await harness.message(payload) == []


async def test_empty_mention_gets_a_usage_hint(harness: Harness) -> None:
    """A bare @reviewbot gets a short hint on how to ask, pinging nobody."""
    requests = await harness.message(mention(f"<@{BOT_ID}>", mentions=[bot_user()]))
    [reply] = [r for r in requests if r.is_message]
    assert "Ask me a question" in reply.json["content"]
    assert_no_pings(requests)


async def test_mention_logs_one_question_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A mention question is logged like a slash one, with the message id as question id."""
    caplog.set_level(logging.INFO)
    payload = mention(f"<@!{BOT_ID}> who liked the action?", mentions=[bot_user()])
    await harness.message(payload)
    lines = [
        json.loads(r.getMessage().split(" ", 1)[1])
        for r in caplog.records
        if r.getMessage().startswith("question ")
    ]
    [line] = lines
    assert line["question_id"] == payload["id"] and line["source"] == "mention"
    assert line["answer_id"] == answer_id(int(payload["id"])) and line["review_ids"]
    assert line["user_hash"] == user_hash(USER_ID, harness.bot.votes.store.salt())


async def test_feedback_button_is_logged_with_the_question_id(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Pressing 👎 logs the vote (answer id, user hash, no user id) and thanks ephemerally."""
    caplog.set_level(logging.INFO)
    ask = command("ask", question="Is the action in Ballerina good?")
    requests = await harness.interact(ask)
    answer = [r for r in requests if r.is_message][-1]
    message = harness.wire.message(answer.json, webhook_id=str(BOT_ID))
    custom_id = f"reviewbot:feedback:down:{ask['id']}"
    click = button_click(custom_id, message, user_id=USER_ID + 7)
    [reply] = await harness.interact(click)
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    [record] = [r for r in caplog.records if r.getMessage().startswith("feedback ")]
    logged = json.loads(record.getMessage().split(" ", 1)[1])
    assert logged["question_id"] == ask["id"] and logged["vote"] == "down"
    assert logged["answer_id"] == answer_id(int(ask["id"]))
    assert logged["user_hash"] == user_hash(USER_ID + 7, harness.bot.votes.store.salt())
    assert "user_id" not in logged


async def test_review_text_with_mentions_arrives_as_text(
    make_harness: MakeHarness, private_engine: Engine, reviews_dir: Path
) -> None:
    """@everyone, @here and <@id> inside a review are shown verbatim and allowed to ping no one."""
    (reviews_dir / "hostile-take.md").write_text(HOSTILE, encoding="utf-8")
    private_engine.index()
    harness = await make_harness(private_engine)
    question = "Which setting is the most unforgettable of the year?"
    requests = await harness.interact(command("ask", question=question, critic="hostile-take"))
    requests += await harness.interact(command("critics"))
    requests += await harness.message(mention(f"<@{BOT_ID}> {question}", mentions=[bot_user()]))
    text = harness.wire.text()
    assert "@everyone" in text and "<@123456789012345678>" in text
    assert_no_pings(requests)
    for r in requests:
        if r.is_message:
            assert r.message_json["allowed_mentions"]["parse"] == []
            assert r.message_json["allowed_mentions"].get("replied_user", False) is False


async def test_mention_in_llm_mode_streams_into_the_reply_then_shows_the_answer(
    make_harness: MakeHarness, llm_engine: Engine, llm_server: FakeLLM
) -> None:
    """A mention in LLM mode: a reply shows the stream, then is edited into the answer embeds."""

    quoted: list[str] = []

    def reply(body: dict) -> Reply:
        n, text = passages_in(body)[0]
        quoted.append(first_sentence(text))
        return Reply(f'Streaming now: "{quoted[0]}" [{n}]', words_per_chunk=4, chunk_delay=0.3)

    llm_server.responder = reply
    harness = await make_harness(llm_engine)
    requests = await harness.message(
        mention(f"<@{BOT_ID}> is the action good?", mentions=[bot_user()])
    )
    [first] = [r for r in requests if r.method == "POST" and r.path.endswith("/messages")]
    assert first.json["content"].startswith("Streaming now")
    assert first.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    edits = [r for r in requests if r.method == "PATCH"]
    final = edits[-1]
    assert final.path.startswith(f"/channels/{CHANNEL_ID}/messages/")
    assert final.json["content"] is None and final.json["embeds"]
    assert quoted[0] in final.json["embeds"][0]["description"]
    assert final.json["components"] and final.json["flags"] & 4 == 0  # embeds not suppressed
    assert_no_pings(requests)
