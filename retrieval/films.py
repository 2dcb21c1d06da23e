"""The films of an index, and finding the films a question names.

    films(reviews) -> list[Film]                 # by title; each with its review ids
    match_film(text, films) -> list[Film]        # films named in `text` (whole words, any case)

A film is named by its title, by its subtitle when the title has the form "Series: Subtitle"
("From the World of John Wick: Ballerina" → "Ballerina"), or by any `aliases:` listed in a
review's front matter. When one name found lies inside another ("John Wick" within "John Wick:
Chapter 4"), only the longer one counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .models import Review

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _norm(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).casefold()


@dataclass(frozen=True)
class Film:
    title: str
    year: int | None
    aliases: tuple[str, ...]  # other names it answers to (front matter, subtitle)
    review_ids: tuple[str, ...]

    @property
    def reviews(self) -> int:
        return len(self.review_ids)

    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)

    def info(self) -> dict[str, Any]:
        """The `reviewbot films --json` row."""
        return {
            "film": self.title,
            "reviews": self.reviews,
            "year": self.year,
            "aliases": list(self.aliases),
            "review_ids": list(self.review_ids),
        }


def _aliases(review: Review) -> list[str]:
    found = [a.strip() for a in review.aliases if a.strip()]
    if ":" in review.film:
        subtitle = review.film.rsplit(":", 1)[1].strip()
        if len(subtitle) >= 3:
            found.append(subtitle)
    return found


def films(reviews: Iterable[Review]) -> list[Film]:
    """Every film of `reviews`, sorted by title (case-insensitive)."""
    by_title: dict[str, list[Review]] = {}
    for r in reviews:
        by_title.setdefault(r.film, []).append(r)
    out = []
    for title, group in by_title.items():
        aliases = dict.fromkeys(a for r in group for a in _aliases(r) if _norm(a) != _norm(title))
        years = [r.year for r in group if r.year is not None]
        out.append(
            Film(
                title,
                max(set(years), key=years.count) if years else None,
                tuple(aliases),
                tuple(sorted(r.id for r in group)),
            )
        )
    return sorted(out, key=lambda f: (f.title.casefold(), f.title))


def match_film(text: str, catalogue: Sequence[Film]) -> list[Film]:
    """The films `text` names by title or alias: whole words, case- and quote-insensitive.

    A name found only inside a longer name found in the same place does not count."""
    hay = _norm(text)
    spans: list[tuple[int, int, Film]] = []
    for film in catalogue:
        for name in film.names():
            needle = _norm(name)
            if not needle:
                continue
            pattern = rf"(?<!\w){re.escape(needle)}(?!\w)"
            spans += [(m.start(), m.end(), film) for m in re.finditer(pattern, hay)]
    kept: dict[str, Film] = {}
    for s, e, film in spans:
        inside = any(
            (s2 <= s and e <= e2) and (e2 - s2 > e - s) and f2 is not film for s2, e2, f2 in spans
        )
        if not inside:
            kept.setdefault(film.title, film)
    return [f for f in catalogue if f.title in kept]
