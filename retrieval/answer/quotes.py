"""Quote verification: is a quoted span really in the critic's text?

Normalisation folds only whitespace, curly/straight quotes and dashes — nothing else — so a
quote that differs in any word, letter or punctuation mark is not verified. (One allowance for
typography: a `.` or `,` just inside the closing quote mark may be absent from the source.)

`verify_answer` takes a model's answer, where quotes look like `"…" [3]` (3 = the passage
number in the prompt), and returns the text the user may see:

- a quote found in the cited passage, or elsewhere in the cited review → kept, verified;
- found in another retrieved passage, or in another review of the corpus → re-cited there;
- found nowhere → not shown as a quote: its sentence is removed when it holds no verified
  quote, otherwise the words are unquoted and flagged "(unverified)"; counted as dropped.

"a … b" is verified piecewise: each part, in order, in the same source. `[n]` markers are
renumbered to the resulting citations; a bare marker points at its review's first quote or goes.

`parse_reply` / `verify` work on answer parts (the one verification step for both modes).
Long because the text-based `verify_answer` and the parts-based `verify` live side by side
until the verify work (PLAN.md "Verification contract") replaces the first.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

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

UNVERIFIED_FLAG = " (unverified)"
# Words a quoted span needs before an unverifiable one costs its whole sentence; shorter ones
# without a citation ("scare quotes") are just unquoted.
_SUBSTANTIAL_WORDS = 4
_MAX_PIECES = 4

_QUOTE_PAIRS = (
    re.compile(r'"([^"\n]+)"'),
    re.compile(r"\u201c([^\u201c\u201d\n]+)\u201d"),
    re.compile(r"\u201e([^\u201c\u201d\u201e\n]+)[\u201c\u201d]"),
)
_MARKER = r"\[\s*(?:[Pp]assages?\s*)?\d+(?:\s*(?:[,;]|and)\s*\d+)*\s*\]"
_MARKERS_AFTER = re.compile(rf"(?:[ \t]*{_MARKER})+")
_MARKERS_INSIDE_END = re.compile(rf"(?:\s*{_MARKER})+\s*$")
_ANY_MARKER = re.compile(_MARKER)
_ELLIPSIS = re.compile(r"\s*(?:\u2026|\.\s?\.\s?\.|\[\s*(?:\u2026|\.\.\.)\s*\])\s*")
_SENTENCE_END = re.compile(rf"[.!?][\"\u201d\u2019)]*(?:\s*{_MARKER})*[.!?]?(?=\s|$)")
_TRIM = ".,;:"


def normalize(text: str) -> str:
    """Fold whitespace runs to one space, curly quotes to straight, dashes to '-'; strip."""
    return _SPACE.sub(" ", text.translate(_TRANSLATE)).strip()


def occurs_in(quote: str, source: str) -> bool:
    """True when `quote` occurs verbatim in `source`, up to the normalisation above."""
    q = normalize(quote)
    return bool(q) and q in normalize(source)


def pieces(quote: str) -> list[str]:
    """The parts of a quote between light ellipses ("a … b" → ["a", "b"]); [] if none."""
    return [p for p in (s.strip() for s in _ELLIPSIS.split(quote)) if p]


def _occurs_in_order(parts: Sequence[str], source_norm: str) -> bool:
    at = 0
    for part in parts:
        found = source_norm.find(normalize(part), at)
        if found < 0:
            return False
        at = found + len(normalize(part))
    return True


@functools.lru_cache(maxsize=4096)
def _normalized_source(source: str) -> str:
    # Review bodies are checked again and again: normalise each once.
    return normalize(source)


def matches(quote: str, source: str) -> bool:
    """`occurs_in`, extended to "a … b" (parts in order) and a trailing . or , inside quotes."""
    parts = pieces(quote)
    if not parts or len(parts) > _MAX_PIECES:
        return False
    source_norm = _normalized_source(source)
    if _occurs_in_order(parts, source_norm):
        return True
    last = parts[-1].rstrip(_TRIM)
    return last != parts[-1] and bool(last) and _occurs_in_order([*parts[:-1], last], source_norm)


@dataclass(frozen=True)
class QuoteSpan:
    """A quoted span in model output: `text[start:end]` is the quote with its marks,
    `text[end:markers_end]` the `[n]` markers after it."""

    start: int
    end: int
    markers_end: int
    quote: str
    cited: tuple[int, ...]


def _numbers(marker_text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", marker_text))


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every double-quoted span (straight or curly), outermost first-come, with its markers."""
    found: list[tuple[int, int, str]] = []
    for pattern in _QUOTE_PAIRS:
        found += [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]
    found.sort(key=lambda f: (f[0], -f[1]))
    spans: list[QuoteSpan] = []
    last_end = -1
    for start, end, inner in found:
        if start < last_end:  # nested in, or overlapping, a span already taken
            continue
        last_end = end
        cited: tuple[int, ...] = ()
        inside = _MARKERS_INSIDE_END.search(inner)
        if inside:  # `"words [3]"`: a marker typed inside the quote marks
            cited = _numbers(inside.group())
            inner = inner[: inside.start()]
        after = _MARKERS_AFTER.match(text, end)
        markers_end = after.end() if after else end
        if after:
            cited += _numbers(after.group())
        spans.append(QuoteSpan(start, end, markers_end, inner.strip(), cited))
    return spans


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]
    verified: int
    recited: int
    dropped: int
    # The verified answer as parts (quotes renumbered to citations); empty from verify_answer.
    parts: tuple[Part, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {"verified": self.verified, "recited": self.recited, "dropped": self.dropped}


def _substantial(span: QuoteSpan) -> bool:
    """Presented as a critic's words: cited, or long enough not to be scare quotes."""
    return bool(span.cited) or len(span.quote.split()) >= _SUBSTANTIAL_WORDS


def _sentences(text: str, spans: Sequence[QuoteSpan]) -> list[tuple[int, int]]:
    """Sentence intervals; a full stop inside a quote does not end a sentence."""

    def inside(pos: int) -> bool:
        return any(s.start < pos < s.markers_end for s in spans)

    bounds = [0]
    for m in _SENTENCE_END.finditer(text):
        if not inside(m.end()):
            bounds.append(m.end())
    bounds += [m.end() for m in re.finditer(r"\n", text)]
    bounds.append(len(text))
    bounds = sorted(set(bounds))
    return list(itertools.pairwise(bounds))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([.,;:!?])", r"\1", text)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def verify_answer(
    text: str,
    numbered: Sequence[Passage],
    reviews: Mapping[str, Review],
    *,
    only_reviews: Collection[str] | None = None,
) -> Verified:
    """Check every quote in `text` (passage n = numbered[n-1]) and rewrite it for display.

    `reviews` is the whole corpus by id; `only_reviews` (e.g. a summary's one review) limits
    where a quote may be found and cited.
    """
    allowed = set(reviews) if only_reviews is None else set(only_reviews) & set(reviews)
    retrieved = [p for p in numbered if p.review_id in allowed]
    corpus_order = list(dict.fromkeys([p.review_id for p in retrieved] + sorted(allowed)))

    def passage(n: int) -> Passage | None:
        return numbered[n - 1] if 1 <= n <= len(numbered) else None

    def locate(span: QuoteSpan) -> tuple[str | None, bool]:
        """(review id, re-cited?) for the source holding the quote, or (None, False)."""
        cited = [p for p in (passage(n) for n in span.cited) if p and p.review_id in allowed]
        for p in cited:
            if matches(span.quote, p.text):
                return p.review_id, False
        for rid in dict.fromkeys(p.review_id for p in cited):
            if matches(span.quote, reviews[rid].body):
                return rid, False
        for p in retrieved:
            if matches(span.quote, p.text):
                return p.review_id, True
        for rid in corpus_order:
            if matches(span.quote, reviews[rid].body):
                return rid, True
        return None, False

    every_span = find_quotes(text)
    # A short phrase in quotes without a citation ("John Wick", a scare-quoted word) that does
    # occur somewhere is left as the model wrote it: it is not presented as a critic's quote.
    spans = [s for s in every_span if _substantial(s) or locate(s)[0] is None]
    located = [locate(s) for s in spans]

    # Citation numbers in order of first appearance; one per (review, quote).
    numbers: dict[tuple[str, str], int] = {}
    first_of_review: dict[str, int] = {}
    citations: list[Citation] = []
    for span, (rid, _) in zip(spans, located, strict=True):
        if rid is None:
            continue
        key = (rid, normalize(span.quote))
        if key not in numbers:
            n = len(citations) + 1
            numbers[key] = n
            first_of_review.setdefault(rid, n)
            r = reviews[rid]
            citations.append(
                Citation(n, rid, r.display_name, r.critic, r.outlet, r.url, span.quote, True)
            )

    # Sentences whose only quotes are substantial fabrications go entirely.
    drop_sentence: set[tuple[int, int]] = set()
    for sentence in _sentences(text, every_span):
        inside = [
            (s, loc)
            for s, loc in zip(spans, located, strict=True)
            if sentence[0] <= s.start < sentence[1]
        ]
        if (
            inside
            and all(loc[0] is None for _, loc in inside)
            and any(_substantial(s) for s, _ in inside)
        ):
            drop_sentence.add(sentence)

    def dropped_here(pos: int) -> bool:
        return any(a <= pos < b for a, b in drop_sentence)

    edits: list[tuple[int, int, str]] = [(a, b, "") for a, b in drop_sentence]
    verified = recited = dropped = 0
    for span, (rid, moved) in zip(spans, located, strict=True):
        if rid is None:
            dropped += 1
            if not dropped_here(span.start):
                flag = UNVERIFIED_FLAG if _substantial(span) else ""
                edits.append((span.start, span.markers_end, span.quote + flag))
            continue
        if dropped_here(span.start):  # cannot happen: such sentences hold no verified quote
            continue
        if moved or not span.cited:
            recited += 1
        else:
            verified += 1
        n = numbers[(rid, normalize(span.quote))]
        quoted = text[span.start] + span.quote + text[span.end - 1]
        edits.append((span.start, span.markers_end, f"{quoted} [{n}]"))
    claimed = [(s.start, s.markers_end) for s in spans]
    for m in _ANY_MARKER.finditer(text):
        if dropped_here(m.start()) or any(a <= m.start() < b for a, b in claimed):
            continue
        refs = [p.review_id for p in (passage(n) for n in _numbers(m.group())) if p]
        kept = sorted({first_of_review[r] for r in refs if r in first_of_review})
        edits.append((m.start(), m.end(), "".join(f"[{n}]" for n in kept)))

    out = text
    for a, b, new in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:a] + new + out[b:]
    return Verified(_tidy(out), tuple(citations), verified, recited, dropped)


# -- parts: the one verification step for both answer modes ---------------------------------
# Thin versions over the logic above (the same locating, counting and dropping rules); the
# verify work (PLAN.md "Verification contract") replaces their internals.


def _prose(text: str) -> list[Part]:
    out: list[Part] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append(Part("break"))
        if line:
            out.append(Part("text", line))
    return out


def parse_reply(text: str) -> list[Part]:
    """A model's reply as prose parts and quote claims (`n` = first cited passage, or None)."""
    parts: list[Part] = []
    pos = 0
    for span in find_quotes(text):
        parts += _prose(text[pos : span.start])
        parts.append(Part("quote", span.quote, span.cited[0] if span.cited else None))
        pos = span.markers_end
    parts += _prose(text[pos:])
    return parts


def _sentence_runs(parts: Sequence[Part]) -> list[list[Part]]:
    """Parts split into sentences: a run ends after a break or a sentence end in prose."""
    runs: list[list[Part]] = [[]]
    for part in parts:
        if part.kind != "text":
            runs[-1].append(part)
            if part.kind == "break":
                runs.append([])
            continue
        pos = 0
        for m in _SENTENCE_END.finditer(part.text):
            runs[-1].append(Part("text", part.text[pos : m.end()]))
            runs.append([])
            pos = m.end()
        if part.text[pos:]:
            runs[-1].append(Part("text", part.text[pos:]))
    return [run for run in runs if run]


def _tidy_parts(parts: Sequence[Part]) -> list[Part]:
    merged: list[Part] = []
    for part in parts:
        if part.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Part("text", merged[-1].text + part.text)
        elif part.kind != "text" or part.text:
            merged.append(part)
    out: list[Part] = []
    for i, part in enumerate(merged):
        if part.kind == "text":
            text = re.sub(r"[ \t]+", " ", part.text)
            text = re.sub(r" +([.,;:!?])", r"\1", text)
            if i == 0 or merged[i - 1].kind == "break":
                text = text.lstrip()
            if i + 1 == len(merged) or merged[i + 1].kind == "break":
                text = text.rstrip()
            if not text:
                continue
            part = Part("text", text)
        elif part.kind == "break" and out[-2:] == [Part("break"), Part("break")]:
            continue
        out.append(part)
    while out and out[-1].kind == "break":
        out.pop()
    return out


def verify(
    parts: Sequence[Part],
    numbered: Sequence[Passage],
    reviews: Mapping[str, Review],
    *,
    only_reviews: Collection[str] | None = None,
) -> Verified:
    """Check every quote claim (n = its passage number in `numbered`, 1-based) and renumber the
    kept ones to citations; see the module doc for what happens to the others."""
    allowed = set(reviews) if only_reviews is None else set(only_reviews) & set(reviews)
    retrieved = [p for p in numbered if p.review_id in allowed]
    corpus_order = list(dict.fromkeys([p.review_id for p in retrieved] + sorted(allowed)))

    def passage(n: int | None) -> Passage | None:
        return numbered[n - 1] if n is not None and 1 <= n <= len(numbered) else None

    def locate(quote: Part) -> tuple[str | None, bool]:
        cited = passage(quote.n)
        ok = cited is not None and cited.review_id in allowed
        if ok and cited is not None:
            source = reviews[cited.review_id].body
            if matches(quote.text, cited.text) or matches(quote.text, source):
                return cited.review_id, False
        for p in retrieved:
            if matches(quote.text, p.text):
                return p.review_id, True
        for rid in corpus_order:
            if matches(quote.text, reviews[rid].body):
                return rid, True
        return None, False

    def substantial(quote: Part) -> bool:
        return quote.n is not None or len(quote.text.split()) >= _SUBSTANTIAL_WORDS

    numbers: dict[tuple[str, str], int] = {}
    first_of_review: dict[str, int] = {}
    citations: list[Citation] = []
    verified = recited = dropped = 0
    out: list[Part] = []
    for run in _sentence_runs(parts):
        claims = [(p, *locate(p)) for p in run if p.kind == "quote"]
        if (
            claims
            and all(rid is None for _, rid, _ in claims)
            and any(substantial(p) for p, _, _ in claims)
        ):
            dropped += len(claims)
            out += [p for p in run if p.kind == "break"]
            continue
        located = iter(claims)
        for part in run:
            if part.kind == "text":
                out.append(part)
                continue
            if part.kind != "quote":
                out.append(part)
                continue
            _, rid, moved = next(located)
            if rid is None:
                dropped += 1
                flag = UNVERIFIED_FLAG if substantial(part) else ""
                out.append(Part("text", part.text + flag))
                continue
            if not substantial(part):  # a short phrase in quotes that does occur: left as is
                out.append(Part("text", f"“{part.text}”"))
                continue
            if moved or part.n is None:
                recited += 1
            else:
                verified += 1
            key = (rid, normalize(part.text))
            if key not in numbers:
                numbers[key] = len(citations) + 1
                first_of_review.setdefault(rid, numbers[key])
                r = reviews[rid]
                citations.append(
                    Citation(
                        numbers[key], rid, r.display_name, r.critic, r.outlet, r.url, part.text,
                        True,
                    )
                )  # fmt: skip
            out.append(Part("quote", part.text, numbers[key]))

    def renumber(m: re.Match[str]) -> str:
        refs = [p.review_id for p in (passage(n) for n in _numbers(m.group())) if p]
        kept = sorted({first_of_review[r] for r in refs if r in first_of_review})
        return "".join(f"[{n}]" for n in kept)

    out = [Part("text", _ANY_MARKER.sub(renumber, p.text)) if p.kind == "text" else p for p in out]
    final = tuple(_tidy_parts(out))
    return Verified(render_plain(final), tuple(citations), verified, recited, dropped, final)
