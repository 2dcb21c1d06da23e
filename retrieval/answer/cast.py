"""Who plays whom: "who plays Eve?", "who's the actress playing the director?" (intent.CAST).

Critics credit a player right beside the part: in brackets after it ("Eve (Ana de Armas)", "her
father (David Castañeda, SICARIO)"), or "stars Ana de Armas as Eve", "Anjelica Huston returns as
the Director", "Eve, the character Ana de Armas plays", "the actress playing the Chancellor's
right hand woman was Catalina Sandino Moreno". The sentence that answers credits the part asked
about; one that merely mentions the part elsewhere ("Eve witnesses her father get killed by The
Chancellor (Gabriel Byrne)") credits someone else, and the sentence model, which knows nothing of
credits, ranks it as readily. So a "who plays" question is answered by credits only, looked for
in every passage of the reviews found (`with_credits`); with none, it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from ..lexical import terms
from ..search import Hit, Searcher

# A part as a fan says it and as a critic writes it ("eve's dad": "her father (David …)").
_KIN_WORDS = {
    "dad": "father", "daddy": "father", "pops": "father", "mom": "mother", "mum": "mother",
    "mommy": "mother", "mummy": "mother", "bro": "brother", "sis": "sister", "hubby": "husband",
}  # fmt: skip
_KIN = re.compile(rf"\b(?:{'|'.join(_KIN_WORDS)})\b", re.IGNORECASE)


def _kin(text: str) -> str:
    return _KIN.sub(lambda m: _KIN_WORDS[m.group().lower()], text)


# Words of asking who plays, no part's name.
_ASKING = frozenset(
    terms("plays played playing portrays portrayed voices cast actor actress character role")
)
_NAME = r"[A-Z][\w’'-]+(?:\s+(?:de\s+|van\s+|von\s+)?[A-Z][\w’'-]+)*"
_PART = r"(?P<part>(?:[\w’'-]+\s+){0,4}?[\w’'-]+)"  # before the credit: the nearest words
_AFTER = r"(?P<part>[\w’'-]+(?:\s+[\w’'-]+){0,3})"  # after "as", "plays": up to punctuation
# Each with the words that name the part (`part`).
_CREDITS = (
    re.compile(rf"{_PART}\s+\((?:the\s+late\s+)?{_NAME}[,)]"),  # Eve (Ana de Armas)
    re.compile(rf"\b(?:stars|returns\s+as|plays)\s+(?:{_NAME}\s+as\s+)?{_AFTER}"),
    re.compile(rf"{_NAME}\s+(?:shows\s+up|turns\s+up|appears|is\s+cast)\s+as\s+{_AFTER}"),
    re.compile(rf"{_PART},?\s+the\s+(?:character|role)\s+{_NAME}\s+plays\b"),
    re.compile(rf"{_PART},?\s+(?:is\s+)?played\s+by\s+{_NAME}"),
    re.compile(rf"\bplaying\s+{_PART}\s+(?:was|is)\s+{_NAME}"),
)


def part_asked(subject: str, stop: Collection[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The stemmed words of the part a "who plays …" question asks about, and those a credit must
    name: someone's relation, after a possessive ("eve's dad": "dad", not Eve's own credit)."""

    def words(text: str) -> frozenset[str]:
        return frozenset(t for t in terms(_kin(text)) if t not in stop and t not in _ASKING)

    # "eve's dad", not "when she's a little kid" (a contraction).
    owned = re.search(r"\b(?!(?:she|he|it|that|who|what|there|here)['’])\w+['’]s\s+(.+)", subject)
    part = words(subject)
    return part, (words(owned.group(1)) if owned else frozenset()) or part


def credits(part: frozenset[str], head: frozenset[str]) -> Callable[[str], float]:
    """The share of `part`'s words a sentence credits a player for (0: none, or not `head`)."""

    def share(sentence: str) -> float:
        best = 0
        for pattern in _CREDITS if part else ():
            for m in pattern.finditer(sentence):
                named = set(terms(_kin(m.group())))  # the part, and the player ("comte?")
                if head & named:
                    best = max(best, len(part & named))
        return best / len(part) if part else 0.0

    return share


def with_credits(hits: list[Hit], searcher: Searcher, credit: Callable[[str], float]) -> list[Hit]:
    """`hits` with the passages that best credit the part put first (as many dropped from the
    end): a credit is looked for in every passage of the reviews found, not only in the hits,
    which are near the question's words ("eve's dad" found no passage holding "her father
    (David Castañeda, …)")."""
    snap = searcher.snapshot
    have = {h.passage.id for h in hits}
    shares: dict[int, float] = {}
    for r in searcher.rows_for({h.passage.review_id for h in hits}).tolist():
        a, b = snap.passage_sentences[r]
        shares[r] = max((credit(snap.sentence_text(j)) for j in range(a, b)), default=0.0)
    best = max(shares.values(), default=0.0)
    if best <= 0 or any(shares.get(snap.row_of[h.passage.id], 0.0) >= best for h in hits):
        return hits
    extra = [
        Hit(snap.passages[r], best, 0.0, 0.0, tuple(
            (j, credit(snap.sentence_text(j))) for j in range(*snap.passage_sentences[r])
        ))
        for r, share in shares.items() if share >= best and snap.passages[r].id not in have
    ]  # fmt: skip
    return [*extra, *hits][: max(len(hits), len(extra))]
