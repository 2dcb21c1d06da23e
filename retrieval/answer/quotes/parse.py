"""Parsing a model's reply: every quoted span (`find_quotes`, `QuoteSpan`) and the reply as
prose and quote parts (`parse_reply`)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ...models import Part
from .text import _SPACE

_MARKER = r"\[\s*(?:[Pp]assages?\s*)?\d+(?:\s*(?:[,;]|and)\s*\d+)*\s*\]"
# Markers after a quote, possibly after the end of its emphasis (`*"…"* [1]`).
_MARKERS_AFTER = re.compile(rf"([*_]{{0,3}})((?:[ \t]*{_MARKER})+)")
_MARKERS_INSIDE_END = re.compile(rf"(?:\s*{_MARKER})+\s*$")
_ANY_MARKER = re.compile(_MARKER)


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
    passage number or None), every quote style found (see the package doc)."""
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
