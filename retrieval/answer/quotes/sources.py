"""Review bodies normalised once (cached), with sentence and clause cuts and negations."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from array import array
from dataclasses import dataclass

from ...chunking import sentences
from .text import _SPACE, _fold, _negations

# ; ( ) [ ], a dash (checked against the source: a hyphen is no cut), and before "but". Not a
# colon: titles hold them ("John Wick: Chapter 4").
_CLAUSE_CUT = re.compile(r"\s*[;()\[\]]\s*|\s*-\s*| (?=but\b)")
_NOT_A_BUT_CLAUSE = re.compile(r"\b(?:anything|nothing|all)$", re.IGNORECASE)
_DASHES = "\u2012\u2013\u2014\u2015\u2212"


@dataclass(frozen=True)
class _Source:
    """A review body normalised (`norm`), `at[i]` = index in `orig` of `norm[i]`; sentence and
    clause cuts as (end of the one before, start of the next) in `norm` offsets."""

    orig: str
    norm: str
    at: array[int]
    sentence_starts: tuple[int, ...]
    sentence_ends: tuple[int, ...]
    clause_starts: tuple[int, ...]
    clause_ends: tuple[int, ...]
    negations: tuple[tuple[int, int], ...]
    negation_starts: tuple[int, ...]

    def negated(self, start: int, end: int) -> bool:
        """Does a negation start within norm[start:end]?"""
        i = bisect.bisect_left(self.negation_starts, start)
        return i < len(self.negations) and self.negations[i][0] < end

    def ends_negated(self, start: int, end: int) -> bool:
        """Does norm[start:end] end on a negation (before punctuation only)?"""
        i = bisect.bisect_left(self.negation_starts, end) - 1
        if i < 0 or self.negations[i][0] < start:
            return False
        return not any(c.isalnum() for c in self.norm[self.negations[i][1] : end])

    def sentence_of(self, pos: int) -> int:
        return bisect.bisect_right(self.sentence_starts, pos) - 1

    def sentence_start(self, pos: int) -> int:
        return self.sentence_starts[self.sentence_of(pos)]

    def sentence_end(self, pos: int) -> int:
        """End of the sentence holding the character just before `pos`."""
        i = bisect.bisect_left(self.sentence_ends, pos)
        return self.sentence_ends[i] if i < len(self.sentence_ends) else len(self.norm)

    def clause_start(self, pos: int) -> int:
        return self.clause_starts[bisect.bisect_right(self.clause_starts, pos) - 1]

    def clause_end(self, pos: int) -> int:
        i = bisect.bisect_left(self.clause_ends, pos)
        return self.clause_ends[i] if i < len(self.clause_ends) else len(self.norm)

    def original(self, start: int, end: int) -> str:
        """The source's own characters for norm[start:end], whitespace folded."""
        return _SPACE.sub(" ", self.orig[self.at[start] : self.at[end - 1] + 1]).strip()


@functools.lru_cache(maxsize=1024)
def _source(body: str) -> _Source:
    translated = _fold(body)
    out: list[str] = []
    at: list[int] = []
    for m in re.finditer(r"\s+|\S+", translated):
        if m.group()[0].isspace():
            out.append(" ")
            at.append(m.start())
        else:
            out.append(m.group())
            at.extend(range(m.start(), m.end()))
    norm = "".join(out)
    # The chunker's sentences, so that a passage is a run of whole sentences here too.
    spans = sentences(body)
    cuts = sorted(
        {
            (bisect.bisect_left(at, x.end), bisect.bisect_left(at, y.start))
            for x, y in itertools.pairwise(spans)
        }
    )
    sentence_starts = (0, *(b for _, b in cuts))
    sentence_ends = tuple(a for a, _ in cuts)
    clause_cuts = list(cuts)
    for m in _CLAUSE_CUT.finditer(norm):
        text = m.group()
        if "-" in text:  # a dash, not a hyphen: the source had – or —, or spaces round a -
            dash = at[m.start() + text.index("-")]
            if body[dash] not in _DASHES and text.strip() == text:
                continue
        if text == " " and _NOT_A_BUT_CLAUSE.search(norm[max(0, m.start() - 10) : m.start()]):
            continue  # "anything but", "nothing but" are qualifiers, not a new clause
        clause_cuts.append((m.start(), m.end()))
    clause_cuts.sort()
    negations = _negations(norm)
    return _Source(
        body,
        norm,
        array("l", [*at, len(body)]),
        sentence_starts,
        sentence_ends,
        (0, *(b for _, b in clause_cuts)),
        tuple(a for a, _ in clause_cuts),
        negations,
        tuple(a for a, _ in negations),
    )
