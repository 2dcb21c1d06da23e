"""Judging a claim: one placement against one review (rules (a)–(d) and widening), and a
quote part across the allowed reviews (`_Judge`: verified, recited, widened, scare, failed)."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ...models import Part, Passage, Review
from .sources import _Source, _source
from .text import _MAX_PIECES, _TRIM, SUBSTANTIAL_WORDS, _normalized_source, normalize, pieces

# A widened quote longer than this is not shown.
WIDEN_MAX = 400
# Occurrences of a quote's first piece tried per review (a common phrase in a long review).
_MAX_TRIES = 64

Spans = tuple[tuple[int, int], ...]


def _occurrences(piece: str, src: _Source, start: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) of `piece` (normalised) in the source, on word boundaries."""
    norm = src.norm
    at = norm.find(piece, start)
    while at >= 0:
        end = at + len(piece)
        left = at == 0 or not (piece[0].isalnum() and norm[at - 1].isalnum())
        right = end == len(norm) or not (piece[-1].isalnum() and norm[end].isalnum())
        if left and right:
            yield at, end
        at = norm.find(piece, at + 1)


def _candidates(claim: Sequence[str], src: _Source, prefer: tuple[int, int] | None) -> list[Spans]:
    """Placements of the pieces in order (each at its first occurrence after the one before),
    one per occurrence of the first piece; those inside the `prefer`red range first."""
    firsts = list(_occurrences(claim[0], src))[:_MAX_TRIES]
    if prefer is not None:
        firsts.sort(key=lambda s: not (prefer[0] <= s[0] < prefer[1]))
    found: list[Spans] = []
    for first in firsts:
        spans = [first]
        for piece in claim[1:]:
            nxt = next(_occurrences(piece, src, spans[-1][1]), None)
            if nxt is None:
                break
            spans.append(nxt)
        else:
            found.append(tuple(spans))
    return found


def _fair(spans: Spans, src: _Source) -> bool:
    """Rules (b)–(d) of the package doc for one placement."""
    first, last = spans[0][0], spans[-1][1]
    if len(spans) > 1:
        if any(len(src.norm[a:b].split()) < SUBSTANTIAL_WORDS for a, b in spans):
            return False
        if src.sentence_of(last - 1) - src.sentence_of(first) > 1:
            return False
        for (a, b), (c, _) in itertools.pairwise(spans):
            if src.negated(b, c) or src.ends_negated(a, b):
                return False
    if src.negated(src.clause_start(first), first):
        return False
    if src.negated(last, src.clause_end(last)):
        return False
    end = src.sentence_end(last)
    question = src.norm[max(0, end - 8) : end].rstrip("\"')] ").endswith("?")
    return not (question and src.norm[last:end].strip("\"')] "))


def _widened(spans: Spans, src: _Source) -> str | None:
    """The placement's sentence(s), else its clause, when fair and short enough."""
    first, last = spans[0][0], spans[-1][1]
    options = [
        (src.sentence_start(first), src.sentence_end(last)),
        (src.clause_start(first), src.clause_end(last)),
    ]
    for a, b in options:
        if a < b and _fair(((a, b),), src):
            text = src.original(a, b)
            if len(text) <= WIDEN_MAX:
                return text
    return None


def _judge(claim: Sequence[str], src: _Source, prefer: tuple[int, int] | None) -> Spans | None:
    """A fair placement of the claim in this source, or None."""
    for spans in _candidates(claim, src, prefer):
        if _fair(spans, src):
            return spans
    return None


def _claim_pieces(quote: str) -> list[list[str]]:
    """Ways to read the claim, as normalised pieces: whole (the critic may have written the
    ellipsis), then split at ellipses; each again without a trailing . or , (typography)."""
    whole = normalize(quote)
    readings = [[whole]] if whole else []
    ps = [normalize(p) for p in pieces(quote)]
    if ps and len(ps) <= _MAX_PIECES and ps != [whole]:
        readings.append(ps)
    out: list[list[str]] = []
    for ps in readings:
        out.append(ps)
        last = ps[-1].rstrip(_TRIM)
        if last != ps[-1] and last:
            out.append([*ps[:-1], last])
    return out


Outcome = Literal["verified", "recited", "widened", "scare", "unquoted", "failed"]


@dataclass(frozen=True)
class _Judged:
    outcome: Outcome
    review_id: str | None = None
    text: str = ""


def _substantial(part: Part) -> bool:
    """Presented as a critic's words: cited, or long enough not to be scare quotes."""
    return part.n is not None or len(part.text.split()) >= SUBSTANTIAL_WORDS


def _may_hold(claims: Sequence[Sequence[str]], body: str) -> bool:
    """A cheap first look (the normalised text only) before a review's full analysis. Every
    reading's first piece starts with the shortest one, so one search decides."""
    return min((claim[0] for claim in claims), key=len) in _normalized_source(body)


class _Judge:
    def __init__(
        self,
        numbered: Sequence[Passage],
        reviews: Mapping[str, Review],
        only_reviews: Collection[str] | None,
    ) -> None:
        self.numbered = numbered
        self.reviews = reviews
        self.allowed: Collection[str] = (
            reviews.keys() if only_reviews is None else set(only_reviews) & set(reviews)
        )
        self.retrieved = [p for p in numbered if p.review_id in self.allowed]
        self.ranges: dict[str, tuple[int, int]] = {}
        for p in self.retrieved:
            self.ranges.setdefault(p.review_id, (p.start, p.end))

    @functools.cached_property
    def order(self) -> list[str]:
        """Where a quote is looked for: the retrieved reviews, then every other one (built only
        when a quote is not where it was cited: sorting an archive's ids costs ms)."""
        first = [p.review_id for p in self.retrieved]
        return list(dict.fromkeys(first + sorted(self.allowed)))

    def passage(self, n: int | None) -> Passage | None:
        return self.numbered[n - 1] if n is not None and 1 <= n <= len(self.numbered) else None

    def _prefer(self, rid: str, src: _Source, cited: Passage | None) -> tuple[int, int] | None:
        p = cited if cited is not None and cited.review_id == rid else None
        span = (p.start, p.end) if p else self.ranges.get(rid)
        if span is None:
            return None
        return bisect.bisect_left(src.at, span[0]), bisect.bisect_left(src.at, span[1])

    def __call__(self, part: Part) -> _Judged:
        claims = _claim_pieces(part.text)
        if not claims:
            return _Judged("failed")
        if not _substantial(part):
            return self._scare(part.text, claims)
        cited = self.passage(part.n)
        home = cited.review_id if cited and cited.review_id in self.allowed else None
        movable = len(part.text.split()) >= SUBSTANTIAL_WORDS
        where: Iterable[str] = [home] if home else []
        if movable or not home:
            where = itertools.chain(where, (r for r in self.order if r != home))
        placements: list[tuple[str, Spans, _Source]] = []
        for rid in where:
            if not _may_hold(claims, self.reviews[rid].body):
                continue
            src = _source(self.reviews[rid].body)
            prefer = self._prefer(rid, src, cited)
            for claim in claims:
                spans = _judge(claim, src, prefer)
                if spans is not None:
                    return _Judged("verified" if rid == home else "recited", rid, part.text)
                if not placements:
                    placements += [(rid, s, src) for s in _candidates(claim, src, prefer)]
        for rid, spans, src in placements[:_MAX_TRIES]:
            wide = _widened(spans, src)
            if wide is not None:
                return _Judged("widened", rid, wide)
        return _Judged("failed")

    def _scare(self, text: str, claims: Sequence[Sequence[str]]) -> _Judged:
        """A short uncited phrase keeps its marks only if it occurs, and every occurrence is
        fair: "a masterpiece" must not stand in marks when one critic wrote "not a masterpiece"."""
        seen = False
        for rid in self.order:
            if not _may_hold(claims, self.reviews[rid].body):
                continue
            src = _source(self.reviews[rid].body)
            for claim in claims:
                placements = _candidates(claim, src, None)
                if placements:
                    if not all(_fair(spans, src) for spans in placements):
                        return _Judged("unquoted")
                    seen = True
                    break
        return _Judged("scare", None, text) if seen else _Judged("failed")
