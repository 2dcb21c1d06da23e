"""Prompting: the chat messages for a question or a summary, fitted to the token budget.

    prompter = Prompter(model, context_tokens, answer_tokens, encoding=None)
    prompter.build_messages(question, passages, reviews, summary_of=None)
        -> (messages, numbered)       # numbered[n-1] is passage n in the prompt, best first
    prompter.tokens(messages, raw, usage) -> {"prompt", "completion", "estimated"}
    strip_not_found(raw) -> (text, found)
    cut_reply(text, limit) -> text   # at the last sentence boundary before `limit` characters
    StreamFilter(on_delta)            # hides a leading not-found marker from a live display

Templates live in prompts/ (`retrieval.prompts`); token counting in `retrieval.budget`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import prompts
from ..budget import Budget, load_encoding
from ..models import Passage, Review, ScoredPassage

if TYPE_CHECKING:
    import tiktoken

    from .transport import Usage

log = logging.getLogger(__name__)

# The model starts its reply with this when the passages do not answer (prompts/system.txt).
NOT_FOUND = "NOT_FOUND:"
# Lenient: models add markdown or drop the colon.
_NOT_FOUND_RE = re.compile(r"^[\s*_>]*NOT[ _]FOUND\b[\s:*.\-\u2013\u2014]*")
NO_PASSAGES_TEXT = "None of the indexed reviews covers that."
ANSWER_WORDS = 200
SUMMARY_WORDS = 120
_SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019)\]]*(?=\s|$)")


class Prompter:
    """Renders the prompts (`prompts/system.txt`, `answer.txt` or `summary.txt`, one
    `passage.txt` block per passage) and keeps the passages that fit the context budget."""

    def __init__(
        self,
        model: str,
        context_tokens: int,
        answer_tokens: int,
        *,
        encoding: tiktoken.Encoding | None = None,
    ) -> None:
        self.model = model
        self._budget = Budget(encoding or load_encoding(model), context_tokens, answer_tokens)

    @property
    def answer_tokens(self) -> int:
        return self._budget.answer_tokens

    def build_messages(
        self,
        question: str,
        passages: Sequence[ScoredPassage],
        reviews: Mapping[str, Review],
        summary_of: Review | None = None,
    ) -> tuple[list[dict[str, str]], list[Passage]]:
        """The chat messages and the passages they number (1-based), best first, within budget."""
        words = SUMMARY_WORDS if summary_of else ANSWER_WORDS
        system = prompts.render("system", not_found=NOT_FOUND, max_words=words)

        def user(block: str) -> str:
            if summary_of is not None:
                return prompts.render(
                    "summary", passages=block, question=question,
                    name=summary_of.display_name, max_words=words,
                )  # fmt: skip
            return prompts.render("answer", passages=block, question=question)

        candidates = [sp.passage for sp in passages if sp.passage.review_id in reviews]
        blocks = [self._block(n, p, reviews[p.review_id]) for n, p in enumerate(candidates, 1)]
        fixed = self._budget.count_messages(
            [{"role": "system", "content": system}, {"role": "user", "content": user("")}]
        )
        # Number digits can only shrink when renumbering, so the estimate stays an upper bound.
        kept = self._budget.fit(fixed, [b + "\n" for b in blocks])
        numbered = [candidates[i] for i in kept]
        block = "\n".join(
            self._block(n, p, reviews[p.review_id]) for n, p in enumerate(numbered, 1)
        )
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": user(block)},
        ]
        return messages, numbered

    @staticmethod
    def _block(n: int, passage: Passage, review: Review) -> str:
        def attr(value: str | None) -> str:
            return (value or "").replace('"', "'").replace("<", "(").replace(">", ")")

        # A review cannot close its own tag and smuggle text out of the data section.
        text = re.sub(r"<(/?)(passage)", r"(\1\2", passage.text, flags=re.IGNORECASE)
        return prompts.render(
            "passage", n=n, name=attr(review.display_name), outlet=attr(review.outlet),
            film=attr(review.film), text=text,
        ).rstrip("\n")  # fmt: skip

    def tokens(
        self, messages: list[dict[str, str]], raw: str, usage: Usage | None
    ) -> dict[str, Any]:
        prompt = getattr(usage, "prompt_tokens", None)
        completion = getattr(usage, "completion_tokens", None)
        if isinstance(prompt, int) and isinstance(completion, int):
            return {"prompt": prompt, "completion": completion, "estimated": False}
        return {
            "prompt": self._budget.count_messages(messages),
            "completion": self._budget.count(raw),
            "estimated": True,
        }


def strip_not_found(raw: str) -> tuple[str, bool]:
    """(text without a leading not-found marker, found?)."""
    text = raw.strip()
    marker = _NOT_FOUND_RE.match(text)
    return (text[marker.end() :].strip(), False) if marker else (text, True)


def cut_reply(text: str, limit: int) -> str:
    """`text` cut at the last sentence end within `limit` characters (at `limit` if none)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[: ends[-1]] if ends else head


class StreamFilter:
    """Feeds streamed text to `on_delta`: holds the first few characters back so a not-found
    marker is never shown, and stops calling a display that raised (the answer goes on)."""

    HOLD = len(NOT_FOUND) + 8

    def __init__(self, on_delta: Callable[[str], None] | None) -> None:
        self._on_delta = on_delta
        self._held: str | None = ""

    def __call__(self, chunk: str) -> None:
        if self._held is not None:
            self._held += chunk
            if len(self._held) < self.HOLD:
                return
            self.flush()
            return
        self._send(chunk)

    def flush(self) -> None:
        if self._held is None:
            return
        held, self._held = self._held, None
        marker = _NOT_FOUND_RE.match(held)
        if marker:
            held = held[marker.end() :]
        if held:
            self._send(held)

    def _send(self, chunk: str) -> None:
        if self._on_delta is None:
            return
        try:
            self._on_delta(chunk)
        except Exception:
            log.exception("on_delta failed; not streaming the rest of this answer")
            self._on_delta = None
