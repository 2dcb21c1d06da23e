"""The ask pipeline over the session index: one embedding, one snapshot, one verify step, and
the LLM seam as a plain completion (a fake here; the real SDK is tested in answer/test_llm.py)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from retrieval import LLM, Engine, LLMError
from retrieval.budget import byte_level_encoding
from retrieval.embeddings import Embedder
from retrieval.llm import Prompter, Usage
from retrieval.models import Passage, Review, ScoredPassage
from retrieval.pipeline import NOTHING_VERIFIABLE, llm_answer

KEANU = "What did critics say about Keanu's cameo?"


class CountingEmbedder:
    """The real embedder, counting query embeddings."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.queries = inner, 0
        self.name, self.dim = inner.name, inner.dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self.inner.embed_query(text)


class FakeCompletion:
    """A Completion that replies with `reply(messages)` and advances an injected clock."""

    model = "fake"
    timeout = 10.0

    def __init__(self, reply: Callable[[list[dict[str, str]]], str], clock: list[float]) -> None:
        self.reply, self.clock, self.calls = reply, clock, 0

    def complete(self, messages, *, deadline, on_delta=None) -> tuple[str, Usage | None]:
        self.calls += 1
        text = self.reply(messages)
        if on_delta:
            on_delta(text)
        return text, Usage(10, 5)


def _engine(engine: Engine, embedder: Embedder, llm: LLM | None = None) -> Engine:
    return Engine(engine.data_dir, engine.index_dir, embedder=embedder, llm=llm)


def _llm(reply: Callable[[list[dict[str, str]]], str], clock: list[float]) -> LLM:
    prompter = Prompter("fake", 8000, 500, encoding=byte_level_encoding())
    return LLM(FakeCompletion(reply, clock), prompter)


@pytest.mark.parametrize(
    "question", [KEANU, "What did critics say about Hans Zimmer's score?", "Did Tom Cruise act?"]
)
def test_every_answer_embeds_the_question_once(engine: Engine, question: str) -> None:
    """Covered, uncovered and partly covered questions each cost exactly one query embedding."""
    counting = CountingEmbedder(engine.embedder)
    _engine(engine, counting).ask(question)
    assert counting.queries == 1


def test_answer_json_carries_parts_and_plain_text(engine: Engine) -> None:
    """`parts` render to `answer`, with names as name parts and no Markdown in the text."""
    doc = engine.ask(KEANU).to_json()
    kinds = {p["kind"] for p in doc["parts"]}
    assert {"text", "name", "quote", "break"} <= kinds
    assert "**" not in doc["answer"] and doc["quotes"]["dropped"] == 0


def test_llm_reply_with_nothing_verifiable_falls_back_to_quotes(engine: Engine) -> None:
    """A model answer whose quotes are all invented is replaced by the extractive answer."""
    clock = [0.0]
    llm = _llm(lambda _: 'Critics say "Keanu Reeves dances the ballet finale himself" [1].', clock)
    answer = _engine(engine, engine.embedder, llm).ask(KEANU)
    assert answer.mode == "extractive" and answer.found and answer.citations
    assert answer.fallback_reason == NOTHING_VERIFIABLE


def test_verification_counts_inside_the_deadline() -> None:
    """A reply that arrives in time but is still being checked at the deadline is refused."""
    review = Review("r", "Film", "A fine film with a great finale. Other words here.", "r.md", "h")
    passage = Passage("r#0", "r", 0, 0, len(review.body), review.body)
    llm = _llm(lambda _: '"A fine film with a great finale." [1]', [0.0])
    ticks = iter([0.0, 9.9, 10.1, 10.2])  # started, reply in, checked: past the 10 s deadline
    with pytest.raises(LLMError, match="within 10s"):
        llm_answer(llm, "q?", [ScoredPassage(passage, 1.0)], {"r": review},
                   clock=lambda: next(ticks))  # fmt: skip


def test_summary_aspects_are_embedded_once(engine: Engine) -> None:
    """Two summaries of the same film embed the aspect wordings once."""
    calls: list[int] = []

    class Docs(CountingEmbedder):
        def embed_documents(self, texts: list[str]) -> np.ndarray:
            calls.append(len(texts))
            return self.inner.embed_documents(texts)

    e = _engine(engine, Docs(engine.embedder))
    e.summary("film stories")
    e.summary("total-banger")
    assert calls == [6]
