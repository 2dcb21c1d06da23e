"""The reviews of one index snapshot by name: critics, films, lookup with suggestions, completion.

catalogue = Catalogue(snapshot)          # computed once per snapshot (the engine keeps one)
catalogue.critics() -> list[Review]      # every indexed review, by display name
catalogue.find_review(name) -> Review    # id, display name or critic, case-insensitive;
                                         # raises UnknownCritic with suggestions
catalogue.complete(prefix, limit=25) -> list[Review]
catalogue.films() -> list[str]
catalogue.film_ids(film) -> set[str]     # reviews of films whose title contains `film` or that
                                         # `film` names (title, subtitle, alias); UserError if none
"""

from __future__ import annotations

import difflib
import functools

from .describe import Bylines, bylines
from .errors import UnknownCritic, UserError
from .models import Review
from .store import Snapshot


class Catalogue:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._reviews: tuple[Review, ...] = snapshot.reviews_by_name
        self._keys = [
            (r, {r.id.lower(), r.display_name.lower(), (r.critic or "").lower()})
            for r in self._reviews
        ]
        self._names = [r.display_name for r in self._reviews] + [r.id for r in self._reviews]
        self._films = sorted({r.film for r in self._reviews})

    @functools.cached_property
    def bylines(self) -> Bylines:
        """Critic and outlet names and headlines by their rarest word, for reviews named in a
        question (describe.bylines)."""
        return bylines(self.snapshot.reviews)

    def critics(self) -> list[Review]:
        return list(self._reviews)

    def films(self) -> list[str]:
        return list(self._films)

    def find_review(self, name: str) -> Review:
        wanted = " ".join(name.split()).lower()
        for r, keys in self._keys:
            if wanted in keys:
                return r
        partial = [r for r in self._reviews if wanted and wanted in r.display_name.lower()]
        if len(partial) == 1:
            return partial[0]
        close = difflib.get_close_matches(name, self._names, n=3, cutoff=0.5)
        if not close:
            close = [r.display_name for r in partial[:3]]
        raise UnknownCritic(name, list(dict.fromkeys(close)))

    def complete(self, prefix: str, limit: int = 25) -> list[Review]:
        low = prefix.strip().lower()
        starts = [
            r
            for r in self._reviews
            if r.display_name.lower().startswith(low) or r.id.startswith(low)
        ]
        inner = [
            r
            for r in self._reviews
            if r not in starts and (low in r.display_name.lower() or low in r.id)
        ]
        return (starts + inner)[:limit]

    def film_ids(self, film: str) -> set[str]:
        low = " ".join(film.split()).lower()
        ids = {r.id for r in self._reviews if low in r.film.lower()}
        ids.update(i for f in self.snapshot.match_film(film) for i in f.review_ids)
        if not ids:
            raise UserError(
                f"No review is of a film matching {film!r}. Films: {', '.join(self._films)}"
            )
        return ids
