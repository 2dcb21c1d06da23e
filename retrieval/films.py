"""The films of an index, and finding the films a question names.

    films(reviews) -> list[Film]                 # by title; each with its review ids
    match_film(text, films) -> list[Film]        # films named in `text` (whole words, any case)
    scoping_films(question, films) -> list[Film] # the films that scope a question (several films)
    without_films(question, named) -> str        # the question without their names (analysis)
    with_films(answer, films, reviews, named)    # citations name their film; the scope is said

A film is named by its title, by its subtitle when the title has the form "Series: Subtitle"
("From the World of John Wick: Ballerina" → "Ballerina"), or by any `aliases:` listed in a
review's front matter. When one name found lies inside another ("John Wick" within "John Wick:
Chapter 4"), only the longer one counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .lexical import terms
from .models import Answer, Part, Review

_WORDS = re.compile(r"\w+")
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

    @property
    def label(self) -> str:
        """The title with the year when known: "Heat (1995)"."""
        return f"{self.title} ({self.year})" if self.year else self.title

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


# A name made only of words at least this common in English (wordfreq Zipf: "It", "Up", "Her",
# "Us", "Drive", "War"; not "Heat" at 4.9) names a film only when typed with its capitals and not
# as the question's first word: "was it worth it?" asks about no film called "It".
COMMON_NAME_ZIPF = 5.0


@functools.lru_cache(maxsize=65_536)
def _name(name: str) -> tuple[frozenset[str], re.Pattern[str], bool] | None:
    """A film name's words, its whole-word pattern and whether it is only common words; built
    once per name, not per question."""
    from wordfreq import zipf_frequency

    typed = " ".join(name.translate(_QUOTES).split())
    words = _WORDS.findall(typed.casefold())
    if not words:
        return None
    common = all(zipf_frequency(w, "en") >= COMMON_NAME_ZIPF for w in words)
    pattern = re.compile(rf"(?<!\w){re.escape(typed if common else typed.casefold())}(?!\w)")
    return frozenset(words), pattern, common


def match_film(text: str, catalogue: Sequence[Film]) -> list[Film]:
    """The films `text` names by title or alias: whole words, case- and quote-insensitive (a name
    of only very common words, like "It", must be typed as written, not first in `text`).

    A name found only inside a longer name found in the same place does not count. Only names
    whose every word is in `text` are searched for: 1,000 films cost ~1 ms a question."""
    typed = " ".join(text.translate(_QUOTES).split())
    hay = typed.casefold()
    words = set(_WORDS.findall(hay))
    spans: list[tuple[int, int, Film]] = []
    for film in catalogue:
        for name in film.names():
            found = _name(name)
            if found is None or not found[0] <= words:
                continue
            in_text = typed if found[2] else hay
            spans += [
                (m.start(), m.end(), film)
                for m in found[1].finditer(in_text)
                if not (found[2] and m.start() == 0)
            ]
    kept: dict[str, Film] = {}
    for s, e, film in spans:
        inside = any(
            (s2 <= s and e <= e2) and (e2 - s2 > e - s) and f2 is not film for s2, e2, f2 in spans
        )
        if not inside:
            kept.setdefault(film.title, film)
    return [f for f in catalogue if f.title in kept]


def scoping_films(question: str, catalogue: Sequence[Film]) -> list[Film]:
    """The films whose reviews a question is scoped to: those it names, on an index of several.

    Several named ("is Ballerina better than Heat?") scope to all of them: the fan asked about
    those films, and quotes from a third would answer a question nobody asked. On a one-film
    index there is nothing to choose, so the answers stay exactly as they were."""
    return match_film(question, catalogue) if len(catalogue) > 1 else []


def without_films(question: str, named: Sequence[Film]) -> str:
    """`question` without the names of the `named` films (whole words, any case, with a "'s"):
    once the answer is scoped to a film, its name is neither a search term nor a name its reviews
    must spell out ("what did critics say about the action in Heat?" → "...the action in ?")."""
    text = " ".join(question.translate(_QUOTES).split())
    names = sorted({n for f in named for n in f.names()}, key=len, reverse=True)
    for name in names:
        needle = " ".join(name.translate(_QUOTES).split())
        if needle:
            pattern = rf"(?<!\w){re.escape(needle)}(?:'s)?(?!\w)"
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    left = " ".join(text.split())
    return left if re.search(r"[^\W\d_]", left) else question  # "Heat?" stays as asked


def film_terms(question: str, catalogue: Sequence[Film]) -> frozenset[str]:
    """The stemmed words of the film names `question` uses ("should I watch Ballerina this
    weekend?" → {"ballerina"}): the film asked about is no topic of the question."""
    bare = without_films(question, match_film(question, catalogue))
    return frozenset(terms(question)) - frozenset(terms(bare))


def names_film(name: str, named: Sequence[Film]) -> bool:
    """True when `name` (a name the question uses) is one of the `named` films' names or part
    of one: a film's reviews need not spell out its title, so it is no missing name."""
    low = _norm(name)
    return bool(low) and any(low in _norm(n) for f in named for n in f.names())


def with_films(
    answer: Answer, catalogue: Sequence[Film], reviews: Mapping[str, Review], named: Sequence[Film]
) -> Answer:
    """On an index of several films: every citation names its film, and an answer scoped to the
    films the question named says so first ("Answering from the reviews of Heat (1995).").
    On a one-film index, `answer` unchanged."""
    if len(catalogue) < 2:
        return answer
    citations = tuple(
        replace(c, film=reviews[c.review_id].film) if c.review_id in reviews else c
        for c in answer.citations
    )
    answer = replace(answer, citations=citations)
    if not named:
        return answer
    labels = [f.label for f in named]
    which = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    note = f"Answering from the reviews of {which}."
    parts = (Part("text", note), Part("break"), *answer.parts)
    return replace(answer, text=f"{note}\n{answer.text}".rstrip(), parts=parts)
