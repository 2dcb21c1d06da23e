"""Frozen values that flow from the corpus to the answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit


def url_host(url: str | None) -> str | None:
    """A URL's host name without `www.` (None when there is no URL or no host)."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unbalanced "[" in the URL
        return None
    return host.removeprefix("www.") if host else None


@dataclass(frozen=True)
class Review:
    """One review file: its front matter and the critic's own words (`body`)."""

    id: str
    film: str
    body: str
    path: str
    content_hash: str
    year: int | None = None
    critic: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    rating: str | None = None
    published: str | None = None
    aliases: tuple[str, ...] = ()  # other names the film answers to (`aliases:` front matter)

    @property
    def display_name(self) -> str:
        """Who wrote it, as far as the file says; never invented, never a bare title or slug.

        Critic (with outlet) when known, else the outlet; a review with neither is shown as what
        it is: `Unattributed review: "<title>"` (with the URL's host when known), else
        `Unattributed review (<host>)`, else `Unattributed review <id>`.
        """
        if self.critic:
            return f"{self.critic} ({self.outlet})" if self.outlet else self.critic
        if self.outlet:
            return self.outlet
        host = self.host
        if self.title:
            return f'Unattributed review: "{self.title}"' + (f" ({host})" if host else "")
        if host:
            return f"Unattributed review ({host})"
        return f"Unattributed review {self.id}"

    @property
    def host(self) -> str | None:
        """The URL's host name without `www.`, when the review has a URL."""
        return url_host(self.url)

    @property
    def attributed(self) -> bool:
        """True when the file names the critic or the outlet."""
        return bool(self.critic or self.outlet)

    def known_fields(self) -> list[str]:
        """The optional front matter fields this review's file actually has."""
        fields = ("critic", "outlet", "title", "url", "rating", "published", "year")
        return [f for f in fields if getattr(self, f) is not None]

    def info(self) -> dict[str, Any]:
        """The `reviewbot critics` JSON row; `known` lists the fields the file states."""
        return {
            "review_id": self.id,
            "name": self.display_name,
            "critic": self.critic,
            "outlet": self.outlet,
            "rating": self.rating,
            "url": self.url,
            "film": self.film,
            "title": self.title,
            "published": self.published,
            "attributed": self.attributed,
            "known": self.known_fields(),
        }


@dataclass(frozen=True)
class Passage:
    """A chunk of one review body; `body[start:end] == text`."""

    id: str
    review_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float

    def to_json(self) -> dict[str, Any]:
        return {
            "review_id": self.passage.review_id,
            "passage_id": self.passage.id,
            "text": self.passage.text,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Citation:
    """A verbatim quote `[n]` from one review; `verified` = found in the review's source text."""

    n: int
    review_id: str
    name: str
    critic: str | None
    outlet: str | None
    url: str | None
    quote: str
    verified: bool
    # The cited review's film; set only when the index holds several films (adapters show it
    # when set, so a one-film index's output carries no film).
    film: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["film"] is None:
            del data["film"]
        return data


Mode = Literal["extractive", "llm"]
PartKind = Literal["text", "quote", "name", "break"]


@dataclass(frozen=True)
class Part:
    """One run of an answer, in reading order; adapters render parts, `retrieval` never writes
    Markdown.

    - `text`:  prose (an LLM's own words, a lead-in line); shown as plain text.
    - `quote`: a critic's verbatim words, without quote marks; `n` is its citation number
      (before verification: the 1-based number of the passage the answerer cites, or None).
    - `name`:  a critic's display name heading their quotes (adapters may bold it).
    - `break`: a line break.
    """

    kind: PartKind
    text: str = ""
    n: int | None = None


def render_plain(parts: Sequence[Part]) -> str:
    """Parts as plain text: quotes in curly quotes followed by their marker, “…” [n]."""
    out: list[str] = []
    for part in parts:
        if part.kind == "quote":
            out.append(f"“{part.text}”" + (f" [{part.n}]" if part.n is not None else ""))
        elif part.kind == "break":
            out.append("\n")
        else:
            out.append(part.text)
    return "".join(out).strip()


@dataclass(frozen=True)
class Answer:
    """Everything `ask`/`summary` return; `to_json()` is the CLI's `--json` document."""

    question: str
    text: str
    found: bool
    mode: Mode
    citations: tuple[Citation, ...] = ()
    passages: tuple[ScoredPassage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Set when the LLM was configured but its answer could not be used.
    fallback_reason: str | None = None
    # Token use: {"prompt": n, "completion": n, "estimated": bool}; empty for extractive.
    tokens: dict[str, Any] = field(default_factory=dict)
    # Quote verification counts for LLM answers: {"verified", "recited", "dropped"}.
    quotes: dict[str, int] = field(default_factory=dict)
    # The answer as structured parts (prose, quotes with citation numbers); `text` is their
    # plain rendering. Empty for answers built before parts existed.
    parts: tuple[Part, ...] = ()

    def sources(self) -> list[Citation]:
        """One citation per cited review, in first-cited order (for a sources list)."""
        seen: dict[str, Citation] = {}
        for c in self.citations:
            seen.setdefault(c.review_id, c)
        return list(seen.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "fallback_reason": self.fallback_reason,
            "tokens": self.tokens,
            "quotes": self.quotes,
            "parts": [asdict(p) for p in self.parts],
        }


@dataclass(frozen=True)
class Rejected:
    path: str
    problem: str


@dataclass(frozen=True)
class IndexReport:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    passages: int = 0
    seconds: float = 0.0
    built_first_time: bool = False

    def summary_line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected; "
            f"{self.passages} passages in {self.seconds:.1f}s"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "unchanged": list(self.unchanged),
            "rejected": [{"path": r.path, "problem": r.problem} for r in self.rejected],
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
        }
