"""Quote verification: is a quoted span really in the critic's text?

Normalisation folds only whitespace, curly/straight quotes and dashes — nothing else — so a
quote that differs in any word, letter or punctuation mark is not verified.
"""

from __future__ import annotations

import re

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold whitespace runs to one space, curly quotes to straight, dashes to '-'; strip."""
    return _SPACE.sub(" ", text.translate(_TRANSLATE)).strip()


def occurs_in(quote: str, source: str) -> bool:
    """True when `quote` occurs verbatim in `source`, up to the normalisation above."""
    q = normalize(quote)
    return bool(q) and q in normalize(source)
