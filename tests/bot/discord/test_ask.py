"""/ask at the wire: defer first, then the cited answer as embeds; nothing the bot sends pings."""

from __future__ import annotations

import json
import logging
from typing import Any

import discord
import pytest
from discord_harness import (
    GUILD_ID,
    USER_ID,
    Harness,
    MakeHarness,
    assert_embed_limits,
    assert_no_pings,
    autocomplete,
    command,
    first_sentence,
    is_ephemeral,
    passages_in,
)

from bot.feedback import answer_id, user_hash
from retrieval.answer.quotes import normalize
from retrieval.engine import Engine
from tests.llm_server import FakeLLM, Reply

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUESTION = "Is the action in Ballerina good?"


def question_logs(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [
        json.loads(r.getMessage().split(" ", 1)[1])
        for r in caplog.records
        if r.name == "bot.discord.reply" and r.getMessage().startswith("question ")
    ]


async def test_ask_defers_then_follows_up_with_quotes_and_sources(
    harness: Harness, engine: Engine
) -> None:
    """/ask defers (type 5) first, then one follow-up carries the answer, quotes and sources."""
    payload = command("ask", question=QUESTION)
    requests = await harness.interact(payload)

    assert requests[0].path.endswith("/callback") and requests[0].json == {"type": 5}
    followups = [r for r in requests if r.is_message]
    assert followups and all(r.path.startswith("/webhooks/") for r in followups)
    expected = engine.ask(QUESTION, use_llm=False)
    assert expected.found and expected.citations
    shown = normalize(harness.wire.text())
    for c in expected.citations:
        assert c.verified and normalize(c.quote) in shown
        assert f"[{c.n}]" in shown
    fields = [f for e in harness.wire.embeds() for f in e.get("fields", [])]
    for source in expected.sources():
        assert any(source.name in f["name"] for f in fields)
        if source.url:
            assert any(source.url in f["value"] for f in fields)
    assert not any(is_ephemeral(r) for r in followups)
    assert_no_pings(requests)
    assert_embed_limits(requests)


async def test_answer_carries_feedback_buttons_keyed_by_question(harness: Harness) -> None:
    """The answer's last message has 👍/👎 buttons whose custom ids carry the question id."""
    payload = command("ask", question=QUESTION)
    requests = await harness.interact(payload)
    last = [r for r in requests if r.is_message][-1]
    buttons = [c for row in last.json["components"] for c in row["components"]]
    assert [b["emoji"]["name"] for b in buttons] == ["👍", "👎"]
    assert [b["custom_id"] for b in buttons] == [
        f"reviewbot:feedback:up:{payload['id']}",
        f"reviewbot:feedback:down:{payload['id']}",
    ]


async def test_one_structured_log_line_per_question(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Each answered question logs one line: ids, user hash, mode, reviews, latency, tokens."""
    caplog.set_level(logging.INFO)
    payload = command("ask", question=QUESTION)
    await harness.interact(payload)
    [line] = question_logs(caplog)
    assert line["interaction_id"] == payload["id"] == line["question_id"]
    assert line["answer_id"] == answer_id(int(payload["id"]))
    salt = harness.bot.votes.store.salt()
    assert line["guild_id"] == GUILD_ID and line["user_hash"] == user_hash(USER_ID, salt)
    assert "user_id" not in line and str(USER_ID) not in json.dumps(line)
    assert QUESTION not in json.dumps(line)
    assert line["mode"] == "extractive" and line["source"] == "ask"
    assert line["review_ids"] and all(isinstance(i, str) for i in line["review_ids"])
    assert isinstance(line["latency_ms"], int) and line["latency_ms"] >= 0
    assert line["tokens"] == {"prompt": 0, "completion": 0, "estimated": False}


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
async def test_bad_question_gets_an_ephemeral_explanation(harness: Harness, question: str) -> None:
    """An empty or over-long question is explained ephemerally, without deferring."""
    requests = await harness.interact(command("ask", question=question))
    [reply] = requests
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    text = reply.message_json["content"]
    assert ("empty" in text) if len(question) < 10 else ("1000" in text and "1001" in text)
    assert_no_pings(requests)


async def test_cooldown_gives_a_friendly_ephemeral_message(make_harness: MakeHarness) -> None:
    """Past the per-user rate the user is told, ephemerally, when they can ask again."""
    harness = await make_harness(cooldown_seconds=60, cooldown_rate=1)
    first = await harness.interact(command("ask", question=QUESTION))
    assert first[0].json["type"] == 5
    second = await harness.interact(command("ask", question=QUESTION))
    [reply] = second
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "again in" in reply.message_json["content"]
    other_user = await harness.interact(command("ask", question=QUESTION, user_id=USER_ID + 1))
    assert other_user[0].json["type"] == 5, "the cooldown is per user"


async def test_unknown_critic_option_is_explained_ephemerally(harness: Harness) -> None:
    """/ask with a critic that matches no review gets an ephemeral one-liner, no defer."""
    requests = await harness.interact(command("ask", question=QUESTION, critic="Nobody Atall"))
    [reply] = requests
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "Nobody Atall" in reply.message_json["content"]


async def test_user_error_after_deferring_is_still_private(harness: Harness) -> None:
    """An unknown film: the public thinking message is deleted, the reason sent privately."""
    requests = await harness.interact(command("ask", question=QUESTION, film="Paddington 9"))
    assert requests[0].json == {"type": 5}
    assert [r.method for r in requests[1:]] == ["DELETE", "POST"]
    reply = requests[-1]
    assert is_ephemeral(reply) and "Paddington 9" in reply.json["content"]
    assert_no_pings(requests)


async def test_critic_option_limits_the_answer_to_that_review(
    harness: Harness, engine: Engine
) -> None:
    """/ask critic:<id> answers only from that critic's review."""
    review = engine.critics()[0]
    await harness.interact(command("ask", question=QUESTION, critic=review.id))
    fields = [f["name"] for e in harness.wire.embeds() for f in e.get("fields", [])]
    assert fields and all(review.display_name in name for name in fields)


async def test_ask_critic_autocomplete_offers_at_most_25(harness: Harness, engine: Engine) -> None:
    """Autocomplete on /ask critic answers with type 8 and at most 25 matching choices."""
    requests = await harness.interact(autocomplete("ask", "critic", question="x", critic=""))
    [reply] = requests
    assert reply.json["type"] == 8
    choices = reply.json["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert {c["value"] for c in choices} == {r.id for r in engine.critics()}


async def test_llm_answer_streams_then_ends_with_the_verified_answer(
    make_harness: MakeHarness, llm_engine: Engine, llm_server: FakeLLM
) -> None:
    """In LLM mode the thinking message is edited with the stream, then with the final embeds."""
    quoted: list[str] = []

    def reply(body: dict[str, Any]) -> Reply:
        n, text = passages_in(body)[0]
        quoted.append(first_sentence(text))
        return Reply(
            f'One critic puts it plainly: "{quoted[0]}" [{n}]', words_per_chunk=3, chunk_delay=0.3
        )

    llm_server.responder = reply
    harness = await make_harness(llm_engine)
    requests = await harness.interact(command("ask", question=QUESTION))

    assert requests[0].json == {"type": 5}
    edits = [r for r in requests if r.method == "PATCH" and r.path.endswith("/@original")]
    previews, final = edits[:-1], edits[-1]
    assert previews and all(p.json["content"] and not p.json.get("embeds") for p in previews)
    assert previews[0].json["content"].startswith("One critic")
    assert final.json["content"] is None and final.json["embeds"]
    assert normalize(quoted[0]) in normalize(final.json["embeds"][0]["description"])
    assert "LLM answer" in final.json["embeds"][-1]["footer"]["text"]
    assert final.json["components"], "the feedback buttons end up on the final answer"
    assert requests.index(final) == len(requests) - 1
    assert len(llm_server.requests) == 1
    assert_no_pings(requests)


async def test_llm_answer_logs_mode_and_tokens(
    make_harness: MakeHarness,
    llm_engine: Engine,
    llm_server: FakeLLM,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The question log line reports LLM mode and the server's token counts."""
    caplog.set_level(logging.INFO)

    def reply(body: dict[str, Any]) -> Reply:
        n, text = passages_in(body)[0]
        return Reply(f'"{first_sentence(text)}" [{n}]')

    llm_server.responder = reply
    harness = await make_harness(llm_engine)
    await harness.interact(command("ask", question=QUESTION))
    [line] = question_logs(caplog)
    assert line["mode"] == "llm" and line["fallback_reason"] is None
    assert line["tokens"]["prompt"] > 0 and line["tokens"]["completion"] > 0


async def test_overlong_llm_reply_is_cut_at_a_sentence_never_mid_quote(
    make_harness: MakeHarness, llm_engine: Engine, llm_server: FakeLLM
) -> None:
    """A reply far over the 2000-character answer cap is cut at a sentence: the quotes before
    the cut arrive whole, within Discord's limits, with the buttons on the one message."""
    quotes: list[str] = []
    commentary = (
        "The critic keeps coming back to how the set pieces build on each other, "
        "and it is worth reading the whole review for the detail. "
    ) * 4

    def reply(body: dict[str, Any]) -> Reply:
        parts = []
        for n, text in passages_in(body):
            quotes.append(" ".join(text.split()))
            parts.append(f'Passage {n} reads: "{quotes[-1]}" [{n}]\n\n{commentary}')
        return Reply("\n\n".join(parts), words_per_chunk=400)

    llm_server.responder = reply
    harness = await make_harness(llm_engine)
    requests = await harness.interact(command("ask", question=QUESTION))

    messages = [r for r in requests if r.is_message and r.json.get("embeds")]
    assert len(messages) == 1
    assert_embed_limits(requests)
    descriptions = [e.get("description", "") for r in messages for e in r.json["embeds"]]
    assert sum(map(len, descriptions)) <= 2200  # the cap, plus Markdown escapes and markers
    assert len(quotes) >= 3
    shown = [q for q in quotes if any(normalize(q) in normalize(d) for d in descriptions)]
    assert shown and shown == quotes[: len(shown)] and len(shown) < len(quotes)
    for d in descriptions:
        assert d.count("“") == d.count("”") and d.count('"') % 2 == 0, "a quote was cut"
    assert messages[-1].json.get("components")
    assert_no_pings(requests)


async def test_unexpected_error_apologises_ephemerally_and_logs_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord failing mid-answer: the thinking message goes, an ephemeral apology comes."""
    payload = command("ask", question=QUESTION)
    harness.wire.fail_next("POST", f"/webhooks/{payload['application_id']}/{payload['token']}")
    requests = await harness.interact(payload)
    assert requests[0].json == {"type": 5}
    assert any(r.method == "DELETE" and r.path.endswith("/@original") for r in requests)
    reply = requests[-1]
    assert is_ephemeral(reply) and payload["id"] in reply.json["content"]
    assert "Internal Server Error" not in reply.json["content"]
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert payload["id"] in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], discord.HTTPException)


async def test_film_autocomplete_lists_matching_films(harness: Harness, engine: Engine) -> None:
    """Autocomplete on /ask film offers the indexed films containing what was typed."""
    film = engine.critics()[0].film
    [reply] = await harness.interact(autocomplete("ask", "film", question="x", film=film[-6:]))
    assert reply.json["type"] == 8
    assert film in [c["value"] for c in reply.json["data"]["choices"]]
    [reply] = await harness.interact(autocomplete("ask", "film", question="x", film="qqqzzz"))
    assert reply.json["data"]["choices"] == []
