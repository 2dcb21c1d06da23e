"""Verifying parts: judge every quote, number the citations, drop or unquote what failed
(`verify`, `Verified`, `verify_answer`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ...models import Citation, Part, Passage, Review, render_plain
from .claims import _Judge, _substantial
from .parse import _ANY_MARKER, _numbers, parse_reply
from .text import normalize


@dataclass(frozen=True)
class Verified:
    """`verify`'s result: parts to show (quotes carry citation numbers), citations, counts."""

    parts: tuple[Part, ...]
    citations: tuple[Citation, ...]
    verified: int
    recited: int
    dropped: int

    @property
    def counts(self) -> dict[str, int]:
        return {"verified": self.verified, "recited": self.recited, "dropped": self.dropped}

    @property
    def text(self) -> str:
        return render_plain(self.parts)


_SENTENCE_BREAK = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s|$)")


def _sentences(parts: Sequence[Part]) -> list[tuple[int, Part, int | None]]:
    """(index of the original part, part, sentence number): text split at sentence ends;
    breaks and names belong to no sentence. A quote ending in . ! or ? ends its sentence when
    a space, a line break or nothing follows it."""
    out: list[tuple[int, Part, int | None]] = []
    sid = 0
    for i, part in enumerate(parts):
        if part.kind in ("break", "name"):
            out.append((i, part, None))
            sid += 1
        elif part.kind == "quote":
            out.append((i, part, sid))
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            ends = part.text.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?"))
            if ends and (nxt is None or nxt.kind != "text" or nxt.text[:1].isspace()):
                sid += 1
        else:
            pos = 0
            for m in _SENTENCE_BREAK.finditer(part.text):
                out.append((i, Part("text", part.text[pos : m.end()]), sid))
                sid += 1
                pos = m.end()
            if pos < len(part.text):
                out.append((i, Part("text", part.text[pos:]), sid))
    return out


def _tidy(parts: list[Part]) -> tuple[Part, ...]:
    merged: list[Part] = []
    for p in parts:
        if p.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Part("text", merged[-1].text + p.text)
        elif p.kind != "text" or p.text:
            merged.append(p)
    out: list[Part] = []
    for i, p in enumerate(merged):
        if p.kind == "text":
            text = re.sub(r"[ \t]+", " ", p.text)
            text = re.sub(r" +([.,;:!?])", r"\1", text)
            if not out or out[-1].kind == "break":
                text = text.lstrip()
            if i + 1 == len(merged) or merged[i + 1].kind == "break":
                text = text.rstrip()
            if out and out[-1].kind == "quote":
                text = re.sub(r"^ +(?=[.,;:!?])", "", text)
            if not text:
                continue
            p = Part("text", text)
        elif p.kind == "break" and (not out or out[-2:] == [Part("break")] * 2):
            continue
        out.append(p)
    while out and out[-1].kind == "break":
        out.pop()
    return tuple(out)


def verify(
    parts: Sequence[Part],
    numbered: Sequence[Passage],
    reviews: Mapping[str, Review],
    *,
    only_reviews: Collection[str] | None = None,
) -> Verified:
    """Judge every quote part (passage n = numbered[n-1]) and return what the user may see.

    `reviews` is the whole corpus by id; `only_reviews` (e.g. a summary's one review) limits
    where a quote may be found and cited. See the package doc for the rules.
    """
    judge = _Judge(numbered, reviews, only_reviews)
    judged = {i: judge(p) for i, p in enumerate(parts) if p.kind == "quote"}

    numbers: dict[tuple[str, str], int] = {}
    first_of_review: dict[str, int] = {}
    citations: list[Citation] = []
    for j in judged.values():
        if j.outcome in ("verified", "recited", "widened") and j.review_id is not None:
            key = (j.review_id, normalize(j.text))
            if key not in numbers:
                n = numbers[key] = len(citations) + 1
                first_of_review.setdefault(j.review_id, n)
                r = reviews[j.review_id]
                citations.append(
                    Citation(n, r.id, r.display_name, r.critic, r.outlet, r.url, j.text, True)
                )

    tagged = _sentences(parts)
    # A sentence whose quotes all failed, one of them presented as a critic's words, goes.
    quotes_in: dict[int, list[int]] = {}
    for i, p, sid in tagged:
        if p.kind == "quote" and sid is not None:
            quotes_in.setdefault(sid, []).append(i)
    drop = {
        sid
        for sid, idx in quotes_in.items()
        if all(judged[i].outcome in ("failed", "unquoted") for i in idx)
        and any(_substantial(parts[i]) for i in idx)
    }

    counts = {"verified": 0, "recited": 0, "dropped": 0}
    out: list[Part] = []
    for i, p, sid in tagged:
        if p.kind == "quote":
            j = judged[i]
            if j.outcome in ("verified", "recited"):
                counts[j.outcome] += 1
            elif j.outcome in ("widened", "failed"):
                counts["dropped"] += 1
            if sid in drop:
                continue
            if j.outcome == "scare":
                out.append(Part("text", f"\u201c{j.text}\u201d"))
            elif j.outcome in ("failed", "unquoted"):  # plain prose: no marks, no [n]
                out.append(Part("text", p.text))
            else:
                assert j.review_id is not None
                out.append(Part("quote", j.text, numbers[(j.review_id, normalize(j.text))]))
            continue
        if sid is not None and sid in drop:
            continue
        if p.kind == "text":
            text = _ANY_MARKER.sub(lambda m: _renumber(m, judge, first_of_review), p.text)
            p = Part("text", text)
        out.append(p)
    return Verified(_tidy(out), tuple(citations), **counts)


def _renumber(m: re.Match[str], judge: _Judge, first_of_review: Mapping[str, int]) -> str:
    refs = [p.review_id for p in (judge.passage(n) for n in _numbers(m.group())) if p]
    kept = sorted({first_of_review[r] for r in refs if r in first_of_review})
    return "".join(f"[{n}]" for n in kept)


def verify_answer(
    text: str,
    numbered: Sequence[Passage],
    reviews: Mapping[str, Review],
    *,
    only_reviews: Collection[str] | None = None,
) -> Verified:
    """`verify(parse_reply(text), …)`: check every quote in a model's reply."""
    return verify(parse_reply(text), numbered, reviews, only_reviews=only_reviews)
