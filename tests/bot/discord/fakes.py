"""An LLM for the engine's `LLM` protocol: streams a scripted, honestly verified reply.

Not a mock of our code: it stands where the OpenAI answerer stands, receives the real passages
the real engine retrieved, and quotes them verbatim, so the engine and bot run unchanged.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from retrieval.models import Answer, Citation, Review, ScoredPassage


def first_sentence(text: str) -> str:
    m = re.match(r".+?[.!?](?=\s|$)", text.strip(), re.S)
    return (m.group(0) if m else text.strip()).strip()


class ScriptedLLM:
    """Quotes the first sentence of each of the top `quotes` passages, streaming in `chunks`."""

    def __init__(
        self,
        *,
        quotes: int = 1,
        chunks: int = 4,
        prefix: str = "",
        repeat: int = 1,
        wait_for: threading.Event | None = None,
        error: Exception | None = None,
    ) -> None:
        self.quotes = quotes
        self.chunks = chunks
        self.prefix = prefix
        self.repeat = repeat
        self.wait_for = wait_for
        self.error = error
        self.calls = 0

    def answer(
        self,
        question: str,
        passages: list[ScoredPassage],
        reviews: dict[str, Review],
        *,
        on_delta: Callable[[str], None] | None = None,
        summary_of: Review | None = None,
    ) -> Answer:
        self.calls += 1
        if self.error is not None:
            raise self.error
        citations = []
        lines = [self.prefix] if self.prefix else []
        n = 0
        for _ in range(self.repeat):
            for sp in passages[: self.quotes]:
                n += 1
                review = reviews[sp.passage.review_id]
                quote = first_sentence(sp.passage.text)
                citations.append(Citation(n, review.id, review.display_name, review.critic,
                                          review.outlet, review.url, quote, True))
                lines.append(f"{review.display_name} writes “{quote}” [{n}]")
        text = "\n\n".join(lines)
        if on_delta is not None:
            step = max(1, len(text) // self.chunks)
            for i in range(0, len(text), step):
                on_delta(text[i : i + step])
                if i == 0 and self.wait_for is not None:
                    assert self.wait_for.wait(30), "the bot never showed the streamed preview"
        return Answer(question, text, True, "llm", tuple(citations), tuple(passages),
                      tokens={"prompt": 1234, "completion": 56, "estimated": False})
