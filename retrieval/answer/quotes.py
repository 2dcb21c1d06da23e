"""Quote verification: a quote is a claim about a source, and the claim is what gets checked.

    parse_reply(text) -> list[Part]            an LLM reply → prose and quote claims
    verify(parts, numbered, reviews) -> Verified   claims judged against the critics' text

**Finding claims.** Every quoted span is a claim, whatever its marks: “…”, "…", ‘…’ and '…'
(when used as quotes, not as apostrophes: don't, critics’), «…», »…«, „…“, ＂…＂, 〝…〞, 「…」,
and Markdown `>` blockquote lines (a blockquote without quote marks inside is one claim). Line
breaks inside a quote are folded to spaces; quotes nested in a quote (a review quoting a title)
belong to the outer one. `[n]`, `[n, m]`, `[Passage n]` after a quote, or typed just inside its
closing mark, cite passage n (= numbered[n-1]). A double quote mark that pairs with nothing is
removed, so no prose can appear to be quoted.

**Judging a claim** against a review body. A quote is shown as the critic's words only when:

(a) it is verbatim up to `normalize` (whitespace, curly/straight quotes, dashes), each piece
    starting and ending on a word boundary (a `.` or `,` just inside the closing mark may be
    typography);
(b) with ellipses (…, ..., […]), every piece has at least 4 words and the pieces come in order
    from one sentence or two adjacent sentences;
(c) no negation or reversing qualifier (`NEGATIONS`) stands in the text it leaves out: the
    words before it in its clause, the words after it in its clause, or the text between its
    pieces; and no piece ends on one just before an ellipsis;
(d) it is not part of a question passed off as a statement (the sentence ends in `?` and the
    quote stops before it).

Clauses end at `; ( ) [ ]`, at a dash (not a hyphen) and before "but"; not at commas, since a
comma does not end a negation's reach ("That's not to say, however, that …").

A claim that fails (b)–(d) but matches verbatim is **widened** to its sentence(s), else its
clause, when that text passes and holds at most `WIDEN_MAX` characters: the widened source
text is shown and cited, and the claim still counts as dropped (the model's quote was not the
critic's). Otherwise the claim **fails**: its sentence goes when it holds no shown quote,
otherwise its words stay as plain prose without marks or `[n]`; counted as dropped.

**Where.** A quote found in the cited review (the cited passage's occurrence first) is
`verified`; found in another allowed review — retrieved ones first, then the corpus — it is
re-cited there (`recited`; quotes under 4 words are never moved to another review). An uncited
phrase under 4 words that occurs, and passes wherever it occurs, is scare quotes or a title: left
in quote marks, not cited, not counted; one that occurs only unfairly somewhere loses its marks
(still not counted: the critics did write it); one found nowhere counts as dropped.
Citation numbers follow first appearance, one per (review, quote); a bare `[n]` in prose points
at its review's first citation or goes.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from array import array
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..chunking import sentences
from ..models import Citation, Part, Passage, Review, render_plain

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_FOLDS = [(chr(a), b if isinstance(b, str) else chr(b)) for a, b in _TRANSLATE.items()]


def _fold(text: str) -> str:
    """`text.translate(_TRANSLATE)`, fast: str.translate takes a slow path on non-ASCII text."""
    if text.isascii():
        return text
    for a, b in _FOLDS:
        if a in text:
            text = text.replace(a, b)
    return text


# Words a quote needs to be presented as a critic's words without a citation, to be moved to
# another review, and per piece of an ellipsis quote.
SUBSTANTIAL_WORDS = 4
_MAX_PIECES = 4
# A widened quote longer than this is not shown.
WIDEN_MAX = 400
# Occurrences of a quote's first piece tried per review (a common phrase in a long review).
_MAX_TRIES = 64

# Negations and reversing qualifiers: left out of a quote, each can turn the critic's meaning
# around. Deliberately broad: a false alarm only widens a quote to its sentence or clause.
# Matched as words (any word ending in n't counts too); phrases as consecutive words.
NEGATIONS = (
    # plain negation
    "not", "no", "nor", "never", "neither", "none", "nobody", "nothing", "nowhere", "cannot",
    "no longer",
    # near-negation and negative quantifiers ("few would call it …"; "a few" is not one)
    "hardly", "barely", "scarcely", "seldom", "rarely", "few", "little",
    # absence and failure
    "without", "lack", "lacks", "lacking", "lacked", "devoid of", "absence of", "fail", "fails",
    "failed", "failing", "short of",
    # contrast and substitution ("not to say" is caught by its "not")
    "far from", "less than", "instead of", "rather than", "in place of", "anything but",
    # hypothetical, counterfactual, hearsay and pretence
    "if", "unless", "whether", "could have", "would have", "should have", "might have",
    "want to be", "wants to be", "tries to be", "trying to be", "pretends to be",
    "supposed to be", "meant to be", "so-called", "supposedly", "allegedly", "purportedly",
    # excess ("too long to be a thriller")
    "too",
)  # fmt: skip
_NEG_WORDS = frozenset(n for n in NEGATIONS if " " not in n)
_NEG_PHRASES: dict[str, list[tuple[str, ...]]] = {}
for _phrase in (tuple(n.split()) for n in NEGATIONS if " " in n):
    _NEG_PHRASES.setdefault(_phrase[0], []).append(_phrase)
_WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")


def _negations(norm: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every negation or reversing qualifier in normalised text, in order."""
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(norm)]
    words = [w for _, _, w in tokens]
    found: list[tuple[int, int]] = []
    for i, (start, end, word) in enumerate(tokens):
        if word in ("few", "little") and i and words[i - 1] == "a":
            continue
        if word in _NEG_WORDS or word.endswith("n't"):
            found.append((start, end))
            continue
        for phrase in _NEG_PHRASES.get(word, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.append((start, tokens[i + len(phrase) - 1][1]))
                break
    return tuple(found)


_MARKER = r"\[\s*(?:[Pp]assages?\s*)?\d+(?:\s*(?:[,;]|and)\s*\d+)*\s*\]"
# Markers after a quote, possibly after the end of its emphasis (`*"…"* [1]`).
_MARKERS_AFTER = re.compile(rf"([*_]{{0,3}})((?:[ \t]*{_MARKER})+)")
_MARKERS_INSIDE_END = re.compile(rf"(?:\s*{_MARKER})+\s*$")
_ANY_MARKER = re.compile(_MARKER)
_ELLIPSIS = re.compile(r"\s*(?:\u2026|\.\s?\.\s?\.|\[\s*(?:\u2026|\.\.\.)\s*\])\s*")
_TRIM = ".,;:"


def normalize(text: str) -> str:
    """Fold whitespace runs to one space, curly quotes to straight, dashes to '-'; strip."""
    return " ".join(_fold(text).split())


def occurs_in(quote: str, source: str) -> bool:
    """True when `quote` occurs verbatim in `source`, up to the normalisation above."""
    q = normalize(quote)
    return bool(q) and q in _normalized_source(source)


def pieces(quote: str) -> list[str]:
    """The parts of a quote between light ellipses ("a … b" → ["a", "b"]); [] if none."""
    return [p for p in (s.strip() for s in _ELLIPSIS.split(quote)) if p]


@functools.lru_cache(maxsize=4096)
def _normalized_source(source: str) -> str:
    # Review bodies are checked again and again: normalise each once.
    return normalize(source)


def matches(quote: str, source: str) -> bool:
    """Characters only: `occurs_in`, extended to "a … b" (parts in order) and a trailing . or ,
    inside quotes. Whether the quote is a fair claim is `verify`'s business."""
    parts = pieces(quote)
    if not parts or len(parts) > _MAX_PIECES:
        return False
    norm = _normalized_source(source)

    def in_order(ps: Sequence[str]) -> bool:
        at = 0
        for p in ps:
            found = norm.find(normalize(p), at)
            if found < 0:
                return False
            at = found + len(normalize(p))
        return True

    if in_order(parts):
        return True
    last = parts[-1].rstrip(_TRIM)
    return last != parts[-1] and bool(last) and in_order([*parts[:-1], last])


# -- sources: normalised once, with sentences and clauses -------------------------------------

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


# -- judging one claim against one review -----------------------------------------------------

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
    """Rules (b)–(d) of the module doc for one placement."""
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


# -- parsing a reply --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteSpan:
    """A quoted span in model output: `text[start:end]` is the quote with its marks,
    `text[end:markers_end]` the `[n]` markers after it (`emphasis` is what closed its
    emphasis before them, kept as prose)."""

    start: int
    end: int
    markers_end: int
    quote: str
    cited: tuple[int, ...]
    emphasis: str = ""


# Opening mark → the marks that close it.
_PAIRS = {
    "\u201c": '\u201d"',  # “ ”  (models mix “ with ")
    "\u201e": '\u201c\u201d"',  # „ “
    "\u00ab": "\u00bb",  # « »
    "\u00bb": "\u00ab",  # » «
    "\u2039": "\u203a",  # ‹ ›
    "\u301d": "\u301e\u301f",  # 〝 〞
    "\u300c": "\u300d",  # 「 」
    "\u300e": "\u300f",  # 『 』
    '"': '"\u201d',
    "\uff02": "\uff02",  # ＂
    "\u2018": "\u2019",  # ‘ ’
    "'": "'\u2019",
}
_CLOSERS = set("".join(_PAIRS.values()))
# Marks that are also apostrophes or inch signs: their role depends on what surrounds them.
_AMBIGUOUS = set("\"'\u2018\u2019\uff02")
_SINGLE = set("'\u2018\u2019")
# Double-quote-like marks: one left unpaired is removed (it would make prose look quoted).
_DOUBLE_MARKS = set('"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u301d\u301e\u301f\uff02')
_OPEN_BEFORE = set("([{<*_~-/:>|\u2014\u2013") | set(_PAIRS) | _CLOSERS
_ANY_MARK = re.compile("[" + re.escape("".join(set(_PAIRS) | _CLOSERS)) + "]")
_DOUBLE_MARK = re.compile("[" + re.escape("".join(_DOUBLE_MARKS)) + "]")
_BLOCKQUOTE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.MULTILINE)


def _numbers(marker_text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", marker_text))


def _opens(text: str, i: int, a: int, b: int) -> bool:
    c = text[i]
    if c not in _AMBIGUOUS:
        return c in _PAIRS
    if c == "\u2019":
        return False
    nxt = text[i + 1] if i + 1 < b else ""
    if not nxt or nxt.isspace():
        return False
    if c == "'" and not nxt.isalpha():
        return False
    return i == a or text[i - 1].isspace() or text[i - 1] in _OPEN_BEFORE


def _closes(text: str, i: int, a: int, b: int) -> bool:
    c = text[i]
    if c not in _AMBIGUOUS:
        return True
    if i == a or text[i - 1].isspace():
        return False
    return not (c in _SINGLE and i + 1 < b and text[i + 1].isalnum())


def _scan(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Outermost quoted spans (start, end) in text[a:b], in one pass. A mark opened and never
    closed encloses nothing: the spans inside it count as outermost."""
    stack: list[int] = []
    closed: list[tuple[int, int, int, int]] = []  # start, end, depth, innermost encloser
    for m in _ANY_MARK.finditer(text, a, b):
        i, c = m.start(), m.group()
        if c in _CLOSERS and _closes(text, i, a, b):
            depth = next(
                (d for d in range(len(stack) - 1, -1, -1) if c in _PAIRS[text[stack[d]]]), None
            )
            if depth is not None:
                closed.append((stack[depth], i + 1, depth, stack[depth - 1] if depth else -1))
                del stack[depth:]  # marks opened inside and never closed were apostrophes
                continue
        if _opens(text, i, a, b):
            stack.append(i)
    return [
        (start, end)
        for start, end, depth, encloser in closed
        if depth == 0 or (len(stack) >= depth and stack[depth - 1] == encloser)
    ]


def _regions(text: str) -> tuple[str, list[tuple[int, int, bool]]]:
    """The text with blockquote markers blanked (same length), and its (start, end, is
    blockquote) regions: runs of `>` lines and the rest."""
    masked = list(text)
    regions: list[tuple[int, int, bool]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        m = _BLOCKQUOTE.match(line)
        if m:
            masked[pos : pos + m.end()] = " " * m.end()
        kind = m is not None
        if regions and regions[-1][2] == kind:
            regions[-1] = (regions[-1][0], pos + len(line), kind)
        else:
            regions.append((pos, pos + len(line), kind))
        pos += len(line)
    return "".join(masked), regions


def _spans(text: str) -> tuple[str, list[QuoteSpan], list[int]]:
    masked, regions = _regions(text)
    found: list[QuoteSpan] = []
    for a, b, block in regions:
        marks = _scan(masked, a, b)
        for start, end in marks:
            inner = masked[start + 1 : end - 1]
            cited: tuple[int, ...] = ()
            inside = _MARKERS_INSIDE_END.search(inner)
            if inside:  # `"words [3]"`: a marker typed inside the quote marks
                cited = _numbers(inside.group())
                inner = inner[: inside.start()]
            after = _MARKERS_AFTER.match(masked, end)
            markers_end = after.end() if after else end
            if after:
                cited += _numbers(after.group(2))
            quote = _SPACE.sub(" ", inner).strip()
            if quote:
                emphasis = after.group(1) if after else ""
                found.append(QuoteSpan(start, end, markers_end, quote, cited, emphasis))
        if block and not marks:  # the whole blockquote is presented as a quote
            body = masked[a:b]
            start = a + len(body) - len(body.lstrip())
            end = a + len(body.rstrip())
            content = masked[start:end]
            inside = _MARKERS_INSIDE_END.search(content)
            cited = _numbers(inside.group()) if inside else ()
            quote = _SPACE.sub(" ", content[: inside.start()] if inside else content).strip()
            if quote:
                found.append(QuoteSpan(start, end, end, quote, cited))
    found.sort(key=lambda s: s.start)
    # A double mark outside every quote pairs with nothing: it goes, or prose would look quoted.
    starts = [s.start for s in found]
    stray = []
    for m in _DOUBLE_MARK.finditer(masked):
        k = bisect.bisect_right(starts, m.start()) - 1
        if k < 0 or m.start() >= found[k].end:
            stray.append(m.start())
    return masked, found, stray


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every outermost quoted span (any quote style, blockquotes too), with its markers."""
    return _spans(text)[1]


def _prose(text: str) -> list[Part]:
    out: list[Part] = []
    for i, line in enumerate(text.replace("\r", "").split("\n")):
        if i:
            out.append(Part("break"))
        if line:
            out.append(Part("text", line))
    return out


def parse_reply(text: str) -> list[Part]:
    """An LLM reply as prose (`text`, `break`) and quote claims (`quote`, n = first cited
    passage number or None), every quote style found (see the module doc)."""
    masked, spans, stray = _spans(text)
    if stray:  # unpaired marks lie outside every span: drop them from the text
        for i in reversed(stray):
            masked = masked[:i] + "\0" + masked[i + 1 :]
    parts: list[Part] = []
    pos = 0
    for span in spans:
        parts += _prose(masked[pos : span.start].replace("\0", ""))
        parts.append(Part("quote", span.quote, span.cited[0] if span.cited else None))
        if span.emphasis:
            parts.append(Part("text", span.emphasis))
        pos = span.markers_end
    parts += _prose(masked[pos:].replace("\0", ""))
    return parts


# -- verifying parts --------------------------------------------------------------------------

Outcome = Literal["verified", "recited", "widened", "scare", "unquoted", "failed"]


@dataclass(frozen=True)
class _Judged:
    outcome: Outcome
    review_id: str | None = None
    text: str = ""


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
        self.allowed = set(reviews) if only_reviews is None else set(only_reviews) & set(reviews)
        retrieved = [p for p in numbered if p.review_id in self.allowed]
        self.order = list(dict.fromkeys([p.review_id for p in retrieved] + sorted(self.allowed)))
        self.ranges: dict[str, tuple[int, int]] = {}
        for p in retrieved:
            self.ranges.setdefault(p.review_id, (p.start, p.end))

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
        where = [home] if home else []
        if movable or not home:
            where += [r for r in self.order if r != home]
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
    where a quote may be found and cited. See the module doc for the rules.
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
