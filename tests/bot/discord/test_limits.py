"""Discord's output limits and hostile text (issue 9): an answer is at most two messages of
embeds within every limit, and text from reviews or an LLM cannot form links, code or pings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_harness import (
    MakeHarness,
    Request,
    assert_embed_limits,
    assert_no_pings,
    command,
    first_sentence,
    passages_in,
)

from bot.discord.render import answer_embeds, pack_messages
from retrieval import Answer, Citation, Part
from retrieval.engine import Engine
from tests.llm_server import FakeLLM, Reply

LONG_URL = "https://reviews.example.com/" + "very-long-path-segment/" * 85  # ~1,980 chars
QUOTE = "the action in that second half is so good that it earns a seat at the high table"


def as_requests(embeds: list[discord.Embed]) -> list[Request]:
    """Each message the bot would send for these embeds, as the wire would capture it."""
    return [
        Request("webhook", "POST", "/webhooks/1/token", {"embeds": [e.to_dict() for e in m]})
        for m in pack_messages(embeds)
    ]


def many_sources(n: int, url: str, text_chars: int) -> Answer:
    """An answer quoting `n` reviews with `url`s, its prose padded to about `text_chars`."""
    citations = tuple(
        Citation(i, f"review-{i}", f"Critic {i} (Outlet {i})", f"Critic {i}", f"Outlet {i}",
                 f"{url}{i}", f"{QUOTE} ({i})", True)
        for i in range(1, n + 1)
    )  # fmt: skip
    parts: list[Part] = []
    for c in citations:
        parts += [Part("name", c.name), Part("text", ": "), Part("quote", c.quote, c.n)]
        parts.append(Part("break"))
    prose = "They agree on the fights and disagree about the pacing. "
    used = sum(len(p.text) + 6 for p in parts)
    parts.append(Part("text", prose * max(0, (text_chars - used) // len(prose))))
    return Answer("q", "", True, "llm", citations, parts=tuple(parts))


def fields_and_more(embeds: list[discord.Embed]) -> tuple[int, int]:
    """(sources shown as fields, sources counted in the closing "…and N more" field)."""
    fields = [f for e in embeds for f in e.fields]
    more = 0
    if fields and fields[-1].name == "…":
        more = int(re.search(r"\d+", fields[-1].value or "").group())  # type: ignore[union-attr]
        fields = fields[:-1]
    return len(fields), more


def test_25_long_url_sources_and_4000_characters_fit_two_messages() -> None:
    """25 sources with ~2,000-character links and a 4,000-character text: at most two messages,
    every limit kept, every source accounted for, the text whole."""
    answer = many_sources(25, LONG_URL, 4000)
    embeds = answer_embeds(answer, title="What did critics make of the action? " * 10)
    requests = as_requests(embeds)
    assert len(requests) <= 2
    assert_embed_limits(requests)
    shown, more = fields_and_more(embeds)
    assert shown + more == 25 and shown >= 20
    text = " ".join(e.description or "" for e in embeds)
    assert all(f"“{QUOTE} ({i})” [{i}]" in text for i in range(1, 26)), "no quote lost"
    assert "cut here" not in text
    assert "reviews.example.com" in "".join(f.value or "" for e in embeds for f in e.fields)


@pytest.mark.parametrize("url_chars", [60, 300, 399, 401, 1000])
@pytest.mark.parametrize("text_chars", [100, 3000, 5800, 20000])
def test_any_mix_of_sources_and_text_stays_within_two_messages(
    url_chars: int, text_chars: int
) -> None:
    """Short to huge texts with short to long links: ≤ 2 messages, limits kept, sources counted."""
    url = "https://e.example/" + "x" * (url_chars - 18)
    answer = many_sources(25, url, text_chars)
    embeds = answer_embeds(answer, title="q")
    requests = as_requests(embeds)
    assert len(requests) <= 2
    assert_embed_limits(requests)
    assert sum(fields_and_more(embeds)) == 25
    if text_chars > 5000:
        shown = "".join(e.description or "" for e in embeds)
        assert "(The answer was cut here: it is too long for Discord.)" in shown


def test_source_links_and_outlets_cannot_reshape_the_sources() -> None:
    """A URL with ) or spaces stays one link; an outlet with a masked link shows as typed."""
    evil = Citation(
        1, "r", "Ana (Film Stories)", "Ana", "[Trusted](https://evil.example) **Outlet**",
        "https://ok.example/a) [click](https://evil.example/x", QUOTE, True,
    )  # fmt: skip
    answer = Answer("q", "", True, "llm", (evil,), parts=(Part("quote", QUOTE, 1),))
    [field] = [f for e in answer_embeds(answer, title="q") for f in e.fields]
    value = field.value or ""
    assert "[Trusted](" not in value and "\\[Trusted\\]" in value and "\\*\\*Outlet" in value
    [link] = re.findall(r"\[Read the review\]\(([^)]*)\)", value)
    assert link.startswith("https://ok.example/a%29%20%5Bclick%5D%28https://evil.example/x")
    javascript = Citation(1, "r", "Ana", "Ana", None, "javascript:alert(1)", QUOTE, True)
    other = Answer("q", "", True, "llm", (javascript,), parts=(Part("quote", QUOTE, 1),))
    assert "javascript" not in str([f.value for e in answer_embeds(other, title="q")
                                    for f in e.fields])  # fmt: skip


on_session_loop = pytest.mark.asyncio(loop_scope="session")


@on_session_loop
async def test_hostile_llm_text_cannot_link_fence_or_ping(
    make_harness: MakeHarness, llm_engine: Engine, llm_server: FakeLLM
) -> None:
    """An LLM reply with a masked link, an unclosed code fence, @everyone and a role mention
    arrives as escaped text around its verified quote, pinging no one."""
    quoted: list[str] = []

    def reply(body: dict[str, Any]) -> Reply:
        n, text = passages_in(body)[0]
        quoted.append(first_sentence(text))
        return Reply(
            f"# Breaking\n[click me](https://evil.example/steal) says @everyone and <@&123456789"
            f'012345678>: "{quoted[0]}" [{n}]\n```py\nimport os\n> blockquote **bold** ||spoil||'
        )

    llm_server.responder = reply
    harness = await make_harness(llm_engine)
    requests = await harness.interact(command("ask", question="Is the action any good?"))
    assert_no_pings(requests)
    assert_embed_limits(requests)
    [final] = [r for r in requests if r.is_message and r.message_json.get("embeds")]
    description = final.message_json["embeds"][0]["description"]
    assert "“" in description and "[click me](" not in description
    assert "\\[click me\\]" in description, "shown as typed, not hidden behind a link"
    assert not re.search(r"(?<!\\)`", description), "no live backtick: the fence cannot open"
    assert not re.search(r"(?<!\\)[*|]", description) and "\n#" not in description
    assert not description.startswith("#")
    assert "\\<@&123456789012345678\\>" in description, "the role mention shows as typed"


@on_session_loop
async def test_hostile_review_fields_stay_inert_at_the_wire(
    make_harness: MakeHarness, private_engine: Engine, reviews_dir: Path
) -> None:
    """A review whose outlet is a masked link and whose URL tries to break out of its link
    arrives with the outlet as typed and the link as one percent-encoded URL."""
    (reviews_dir / "trap.md").write_text(
        '---\nid: trap\nfilm: "From the World of John Wick: Ballerina"\ncritic: Mallory\n'
        'outlet: "[Official](https://evil.example) ```"\n'
        'url: "https://ok.example/r) [Login](https://evil.example/phish"\n---\n\n'
        "The snowy assassin village is the most unforgettable setting of the year.\n",
        encoding="utf-8",
    )
    private_engine.index()
    harness = await make_harness(private_engine)
    requests = await harness.interact(
        command("ask", question="Which setting is unforgettable?", critic="trap")
    )
    assert_no_pings(requests)
    assert_embed_limits(requests)
    values = [f["value"] for r in requests if r.is_message
              for e in r.message_json.get("embeds") or [] for f in e.get("fields", [])]  # fmt: skip
    [value] = values
    assert "[Official](" not in value and "[Login](" not in value
    assert not re.search(r"(?<!\\)`", value)
    assert "(https://ok.example/r%29%20%5BLogin%5D%28https://evil.example/phish)" in value
