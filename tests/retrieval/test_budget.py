"""Token budget: encodings per model, the offline byte-level fallback, best-first fitting."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiktoken

from retrieval.budget import Budget, encoding_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def enc() -> tiktoken.Encoding:
    """A byte-level encoding built here: one token per UTF-8 byte."""
    return tiktoken.Encoding(
        name="test-bytes",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([i]): i for i in range(256)},
        special_tokens={},
    )


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("llama3.1:8b", "o200k_base"),
        ("qwen2.5:7b-instruct", "o200k_base"),
    ],
)
def test_encoding_name_falls_back_to_o200k_for_unknown_models(model, name):
    """Known OpenAI names map to their encoding; anything else counts with o200k_base."""
    assert encoding_name(model) == name


def test_offline_load_falls_back_to_bytes_with_one_warning(tmp_path):
    """No cache and no network: byte-level counts, one warning for any number of loads."""
    script = textwrap.dedent(
        """
        import logging
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
        from retrieval.budget import load_encoding
        a = load_encoding("gpt-4o-mini")
        b = load_encoding("llama3.1:8b")
        print("COUNT", len(a.encode_ordinary("caf\\u00e9 ok")), b.name)
        """
    )
    env = os.environ | {
        "TIKTOKEN_CACHE_DIR": str(tmp_path),  # empty: nothing cached
        "HTTPS_PROXY": "http://127.0.0.1:9",  # and nowhere to download from
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "COUNT 8 reviewbot-bytes" in run.stdout  # "café ok" is 8 UTF-8 bytes
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "TIKTOKEN_CACHE_DIR" in warnings[0]


def test_count_treats_special_token_text_as_text(enc):
    """Review text containing '<|endoftext|>' is counted, never rejected."""
    assert Budget(enc, 100, 10).count("a <|endoftext|> b") == len("a <|endoftext|> b")


def test_count_messages_adds_chat_framing(enc):
    """Each message costs its content plus 4; the reply priming adds 3."""
    budget = Budget(enc, 100, 10)
    messages = [{"role": "system", "content": "abc"}, {"role": "user", "content": "hello"}]
    assert budget.count_messages(messages) == (4 + 3) + (4 + 5) + 3


def test_fit_keeps_best_first_within_context_minus_answer(enc):
    """Blocks are kept in order while they fit in context - answer - fixed tokens."""
    budget = Budget(enc, context_tokens=100, answer_tokens=40)
    blocks = ["a" * 20, "b" * 20, "c" * 20, "d" * 5]
    assert budget.fit(16, blocks) == [0, 1]  # 100 - 40 - 16 = 44 room: 20 + 20, 4 left
    assert budget.fit(5, blocks) == [0, 1, 3]  # 15 left after two: "c" is too big, "d" fits


def test_fit_skips_an_oversized_best_block_for_smaller_ones(enc):
    """A first block larger than the whole room is skipped; the next ones still get in."""
    budget = Budget(enc, context_tokens=60, answer_tokens=10)
    assert budget.fit(0, ["x" * 80, "y" * 30, "z" * 30]) == [1]


def test_fit_with_no_room_keeps_nothing(enc):
    """When the answer reserve eats the context, no passage is sent."""
    assert Budget(enc, context_tokens=50, answer_tokens=60).fit(0, ["a"]) == []
