"""Text as the verifier sees it: `normalize`, verbatim `occurs_in` / `matches`, ellipsis
`pieces`, and the negations and reversing qualifiers (`NEGATIONS`) a quote must not leave out."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

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
