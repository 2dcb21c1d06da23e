"""Token budget for LLM prompts, counted with tiktoken.

`load_encoding(model)` picks the model's encoding (`o200k_base` for names tiktoken does not
know, e.g. local models). tiktoken downloads encodings on first use; offline and without
`TIKTOKEN_CACHE_DIR` that fails, so we fall back to a byte-level encoding — one token per UTF-8
byte, an upper bound on any BPE count — and log one warning. Budgets then stay safe, just loose.

`Budget.fit` keeps passages best-first while they fit into the context window minus the tokens
reserved for the answer.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import tiktoken

log = logging.getLogger(__name__)

DEFAULT_ENCODING = "o200k_base"
# Chat framing per message (role, separators) and for priming the reply, as in OpenAI's cookbook.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3


@functools.cache
def byte_level_encoding() -> tiktoken.Encoding:
    """One token per UTF-8 byte: never undercounts a byte-level BPE such as o200k/cl100k."""
    return tiktoken.Encoding(
        name="reviewbot-bytes",
        pat_str=r"[\s\S]",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={},
    )


_warned = threading.Event()


def _byte_fallback(err: Exception) -> tiktoken.Encoding:
    if not _warned.is_set():
        _warned.set()
        log.warning(
            "tiktoken encodings are unavailable (%s); counting one token per byte, an upper "
            "bound. Set TIKTOKEN_CACHE_DIR to a folder holding the encoding files to count "
            "exactly.",
            type(err).__name__,
        )
    return byte_level_encoding()


def encoding_name(model: str) -> str:
    """tiktoken's encoding for `model`, or `o200k_base` for names it does not know."""
    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING


@functools.cache
def load_encoding(model: str) -> tiktoken.Encoding:
    """The model's tiktoken encoding; byte-level (and one warning) if it cannot be loaded."""
    try:
        return tiktoken.get_encoding(encoding_name(model))
    except Exception as err:  # requests/urllib/OS errors when offline; never crash on counting
        return _byte_fallback(err)


@dataclass(frozen=True)
class Budget:
    """Counts tokens with one encoding and decides what fits."""

    encoding: tiktoken.Encoding
    context_tokens: int
    answer_tokens: int

    def count(self, text: str) -> int:
        # encode_ordinary: review text containing "<|endoftext|>" is text, not a special token.
        return len(self.encoding.encode_ordinary(text))

    def count_messages(self, messages: Sequence[dict[str, str]]) -> int:
        """Prompt tokens of a chat request, framing included (an estimate within a few tokens)."""
        return (
            sum(TOKENS_PER_MESSAGE + self.count(m["content"]) for m in messages) + TOKENS_PER_REPLY
        )

    @property
    def prompt_limit(self) -> int:
        return self.context_tokens - self.answer_tokens

    def fit(self, fixed_tokens: int, blocks: Sequence[str]) -> list[int]:
        """Indexes of `blocks` (best first) kept, in order, within the prompt limit.

        A block too big for the room left is skipped and smaller later ones may still fit.
        """
        room = self.prompt_limit - fixed_tokens
        kept: list[int] = []
        for i, block in enumerate(blocks):
            cost = self.count(block)
            if cost <= room:
                kept.append(i)
                room -= cost
        return kept
