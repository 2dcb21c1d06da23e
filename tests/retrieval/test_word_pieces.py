"""WordPieceCounter's memoised per-word count equals the tokenizer's count of the whole text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.embeddings import WordPieceCounter

REPO = Path(__file__).resolve().parents[2]
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


@pytest.fixture(scope="module")
def counter() -> WordPieceCounter:
    return WordPieceCounter()


def reference(counter: WordPieceCounter, text: str) -> int:
    return len(counter._tok.encode(text).ids)


def corpus_windows() -> list[str]:
    """Paragraphs of the shipped corpus and overlapping 1-40 word windows of them."""
    texts: list[str] = []
    for path in sorted((REPO / "data" / "reviews").glob("*.md")):
        body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
        for para in filter(None, (p.strip() for p in body.splitlines())):
            texts.append(para)
            words = para.split(" ")
            for size in (1, 7, 40):
                texts.extend(" ".join(words[i : i + size]) for i in range(0, len(words), 5))
    return texts


def test_exact_on_the_corpus(counter: WordPieceCounter) -> None:
    """Every paragraph and word window of the corpus counts the same both ways."""
    texts = corpus_windows()
    assert len(texts) > 1000
    assert [counter.count(t) for t in texts] == [reference(counter, t) for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Déjà vu, naïve café — “quoted” don’t!",
        "tabs\tand\nnewlines\r\nand\u00a0no-break spaces",
        "电影很好看 and 映画",
        "emoji 🎬🔥 https://example.com/a_b?c=d#e",
        "unit\x1fseparator and next\x85line",
        "zero\u200bwidth",
    ],
)
def test_exact_on_awkward_text(counter: WordPieceCounter, text: str) -> None:
    """Unicode whitespace, accents, CJK, emoji, URLs and control characters count exactly."""
    assert counter.count(text) == reference(counter, text)
