"""Review body → sentences → passages, with character offsets into the body.

Passages are runs of whole sentences inside one paragraph, packed up to a target size in the
embedding model's own word-pieces and never over its limit, so nothing is silently truncated.
A single sentence longer than the limit is split at word boundaries.

The sentence splitter is a small regex rather than a library: every span must map back to exact
character offsets in the critic's text (quotes are verified against them), and it must be
deterministic and fast enough to chunk 100k passages; pysbd/nltk offer neither offsets we can
trust nor offline data we can ship (nltk's punkt is a separate download).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .models import Passage, Review

# A sentence ends at . ! ? or … (plus closing quotes/brackets) before whitespace and a capital,
# digit, quote or bracket; or at a line break.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "vs", "etc", "jr", "sr", "no", "vol", "ch", "pt", "mt"}
_PARA = re.compile(r"\n\s*")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def paragraphs(text: str) -> Iterator[Span]:
    """Non-empty lines/paragraphs of `text` as spans."""
    pos = 0
    for m in _PARA.finditer(text):
        span = _trim(text, pos, m.start())
        if span:
            yield span
        pos = m.end()
    span = _trim(text, pos, len(text))
    if span:
        yield span


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end] (offsets into `text`)."""
    end = len(text) if end is None else end
    out: list[Span] = []
    for para in paragraphs(text[start:end]):
        p0, p1 = start + para.start, start + para.end
        pos = p0
        for m in _END.finditer(text, p0, p1):
            word = re.search(r"(\w+)\W*$", text[pos : m.start() + 1])
            before = word.group(1) if word else ""
            if m.group().startswith(".") and (
                before.lower() in _ABBREV or len(before) == 1 and before.isupper()
            ):
                continue
            span = _trim(text, pos, m.end())
            if span:
                out.append(span)
            pos = m.end()
        span = _trim(text, pos, p1)
        if span:
            out.append(span)
    return out


def _split_long(text: str, span: Span, count: Callable[[str], int], limit: int) -> list[Span]:
    """Split an over-long sentence at word boundaries into pieces of at most `limit` pieces."""
    words = [Span(m.start() + span.start, m.end() + span.start)
             for m in re.finditer(r"\S+", text[span.start : span.end])]  # fmt: skip
    pieces: list[Span] = []
    first = 0
    while first < len(words):
        last = first
        while (
            last + 1 < len(words) and count(text[words[first].start : words[last + 1].end]) <= limit
        ):
            last += 1
        pieces.append(Span(words[first].start, words[last].end))
        first = last + 1
    return pieces


def chunk_review(
    review: Review,
    count: Callable[[str], int],
    *,
    target: int = 96,
    limit: int = 250,
    overlap: bool = True,
) -> list[Passage]:
    """Pack sentences into passages of about `target` (never over `limit`) word-pieces.

    A passage ends at a paragraph break once it is half full, and (with `overlap`) the next one
    starts with its last sentence, so a sentence that leans on the one before ("For me his
    inclusion was a thrill") is retrieved with its context.
    """
    body = review.body
    units: list[tuple[Span, bool]] = []  # (span, first sentence of a paragraph)
    for para in paragraphs(body):
        for i, sent in enumerate(sentences(body, para.start, para.end)):
            pieces = (
                [sent]
                if count(body[sent.start : sent.end]) <= limit
                else _split_long(body, sent, count, limit)
            )
            units.extend((piece, i == 0 and j == 0) for j, piece in enumerate(pieces))

    passages: list[Passage] = []
    group: list[Span] = []

    def emit() -> None:
        i = len(passages)
        s, e = group[0].start, group[-1].end
        passages.append(Passage(f"{review.id}:{i}", review.id, i, s, e, body[s:e]))

    for unit, para_start in units:
        if group:
            size = count(body[group[0].start : unit.end])
            half_full = count(body[group[0].start : group[-1].end]) >= target // 2
            if size > min(target, limit) or (para_start and half_full):
                emit()
                last = group[-1]
                keep = overlap and len(group) > 1 and count(body[last.start : unit.end]) <= limit
                group = [last] if keep else []
        group.append(unit)
    if group and (not passages or group[-1].end > passages[-1].end):
        emit()
    return passages
