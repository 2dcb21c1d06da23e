"""The LLM seam: prompting (messages within a token budget) and a transport (`Completion`).

The pipeline (`retrieval.pipeline`) asks, cuts and verifies; nothing here checks quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..defaults import LLM_MAX_ANSWER_CHARS, LLM_MAX_ANSWER_CHARS_CAP
from .prompting import NOT_FOUND, Prompter
from .transport import Completion, OpenAICompletion, Usage

if TYPE_CHECKING:
    import tiktoken

__all__ = ["LLM", "NOT_FOUND", "Completion", "OpenAICompletion", "Prompter", "Usage"]


@dataclass(frozen=True)
class LLM:
    """What the pipeline needs to answer with a model: a completion and how to prompt it."""

    completion: Completion
    prompter: Prompter
    max_answer_chars: int = LLM_MAX_ANSWER_CHARS

    def __post_init__(self) -> None:
        if not 1 <= self.max_answer_chars <= LLM_MAX_ANSWER_CHARS_CAP:
            object.__setattr__(
                self,
                "max_answer_chars",
                max(1, min(self.max_answer_chars, LLM_MAX_ANSWER_CHARS_CAP)),
            )

    @property
    def model(self) -> str:
        return self.completion.model

    @classmethod
    def openai(
        cls,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout: float,
        max_retries: int,
        context_tokens: int,
        answer_tokens: int,
        max_answer_chars: int = LLM_MAX_ANSWER_CHARS,
        encoding: tiktoken.Encoding | None = None,
    ) -> LLM:
        """An OpenAI-compatible completion with its prompter (`encoding`: a tiktoken Encoding)."""
        completion = OpenAICompletion(
            api_key=api_key, base_url=base_url, model=model, timeout=timeout,
            max_retries=max_retries, answer_tokens=answer_tokens,
        )  # fmt: skip
        prompter = Prompter(model, context_tokens, answer_tokens, encoding=encoding)
        return cls(completion, prompter, max_answer_chars)
