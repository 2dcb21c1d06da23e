"""Prompt size per question with the real prompts and real retrieval (k=8), no real LLM.

    .venv/bin/python -m bench.llm_tokens

Builds a temporary index of data/reviews, asks every dev-set question (evaluation.dev_set_path) (and
one summary) through Engine + LLM.openai pointed at the fake OpenAI server of the tests, and
prints what each request would cost: characters, words, a byte-level token count (a hard upper
bound, since tiktoken's files cannot be downloaded offline) and characters/4 (OpenAI's rule of
thumb for English). The fake server's replies quote the labelled evidence, so completion sizes
are only indicative of a short, well-behaved answer.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

from retrieval.answer.quotes import normalize
from retrieval.budget import Budget, byte_level_encoding
from retrieval.engine import Engine
from retrieval.evaluation import dev_set_path
from retrieval.llm import LLM
from tests.llm_server import FakeLLM, Reply

ROOT = Path(__file__).resolve().parents[1]
DEV = dev_set_path(ROOT)
_BLOCK = re.compile(r'<passage n="(\d+)" name="([^"]*)"[^>]*>\n(.*?)\n</passage>', re.S)


def main() -> None:
    questions = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    current: dict[str, Any] = {}

    def respond(body: dict[str, Any]) -> Reply:
        blocks = _BLOCK.findall(body["messages"][1]["content"])
        parts = []
        for phrases in current.get("relevant", {}).values():
            hit = next(
                ((n, name, ph) for n, name, text in blocks for ph in phrases
                 if normalize(ph) in normalize(text)),
                None,
            )  # fmt: skip
            if hit:
                parts.append(f'{hit[1]} writes that "{hit[2]}" [{hit[0]}].')
        if not parts:
            return Reply("NOT_FOUND: The passages do not cover that.")
        return Reply("The critics differ. " + " ".join(parts))

    encoding = byte_level_encoding()
    budget = Budget(encoding, 16000, 600)
    rows = []
    with FakeLLM() as llm, tempfile.TemporaryDirectory() as tmp:
        llm.responder = respond
        answerer = LLM.openai(
            api_key=None, base_url=llm.base_url, model="gpt-4o-mini", timeout=10,
            max_retries=0, context_tokens=16000, answer_tokens=600, encoding=encoding,
        )  # fmt: skip
        engine = Engine(ROOT / "data" / "reviews", Path(tmp) / "index", llm=answerer)
        engine.ensure_index()
        asks = [(q["id"], q) for q in questions] + [("summary: Film Stories", None)]
        for name, q in asks:
            current.clear()
            current.update(q or {})
            before = len(llm.requests)
            answer = engine.ask(q["question"]) if q else engine.summary("Film Stories")
            if len(llm.requests) == before:
                print(f"{name:24} no LLM call ({answer.mode})")
                continue
            messages = llm.requests[-1]["json"]["messages"]
            chars = sum(len(m["content"]) for m in messages)
            words = sum(len(m["content"].split()) for m in messages)
            row = (
                name, messages[1]["content"].count("<passage "), chars, words,
                budget.count_messages(messages), chars // 4,
                budget.count(answer.text) // 4 if answer.text else 0,
            )  # fmt: skip
            if q:
                rows.append(row)
            print("{:24} passages={:2} chars={:5} words={:4} bytes={:5} chars/4={:4} "
                  "reply chars/4={:3}".format(*row))  # fmt: skip
    if rows:
        quarter = statistics.median(r[5] for r in rows)
        upper = statistics.median(r[4] for r in rows)
        print(f"median of {len(rows)}: prompt chars/4={quarter:.0f}, bytes={upper:.0f} (bound)")


if __name__ == "__main__":
    main()
