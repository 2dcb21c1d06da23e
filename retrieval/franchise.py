"""A film compared with its series: "is it as good as the main wick movies?", "how does it
measure up to the rest of the franchise?".

Fans name the series by its hero or its films ("the main wick movies", "the john wicks", "the
other ones"); critics answer in words fans do not use ("the heights of the franchise", "the
standards set by its predecessors", "what came before"). Searched as typed, "wick movies" matches
every sentence naming the hero and the verdict is missed (the new questions of session 12: the
franchise comparison was asked in each of four sets written apart, and answered each time with
sentences about Keanu's cameo; "how does it measure up to the rest of the franchise?" was
refused). So the fan's name for the series is searched as `SERIES`, the critics' words for it,
and the question is a comparison: each critic's stance.

    compared_with_series(subject, films) -> str | None   # the subject to search instead
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .films import Film

# What the series is searched as. Replacing the fan's words beat adding to them on the blind
# probe (on_evidence 0.556 against 0.549): the hero's name kept pulling in the cameo.
SERIES = "as good as the previous films, up to the standards of its predecessors"

# Words of a film's full title beside its short name name the series ("From the World of John
# Wick: Ballerina" → john, wick); "world" and the like are too plain to.
_PLAIN = frozenset({"from", "the", "of", "world", "a", "an", "and", "in", "on", "at", "to"})
_WHICH = (
    r"(?:main|other|older|earlier|previous|prior|original|first|past|mainline|core|real|actual|"
    r"proper|numbered|rest\s+of\s+the|og|old)"
)
_FILMS = r"(?:films?|movies?|ones?|entries|instal?lments?|chapters|sequels|flicks)"
_COMPARING = re.compile(
    r"\b(?:as\s+good\s+as|better|worse|compare[sd]?|comparison|comparing|stacks?\s+up|"
    r"measures?\s+up|lives?\s+up|on\s+par|up\s+there|level\s+(?:of|with)|hold\s+up|vs\.?|"
    r"versus|than|next\s+to|against|match(?:es)?|rank(?:s|ed)?)\b",
    re.IGNORECASE,
)


def _series_names(films: Sequence[Film]) -> list[str]:
    """The words of the films' long titles that are not their short names: "john", "wick"."""
    words: set[str] = set()
    for film in films:
        short = {w.lower() for w in re.findall(r"\w+", min(film.names(), key=len))}
        for name in film.names():
            words |= {w.lower() for w in re.findall(r"[^\W\d_]+", name)} - short - _PLAIN
    return sorted(words, key=len, reverse=True)


def _reference(films: Sequence[Film]) -> re.Pattern[str]:
    hero = "|".join(re.escape(w) for w in _series_names(films))
    named = rf"(?:(?:{hero})\s+)+" if hero else ""
    alts = [
        rf"(?:{_WHICH}\s+)+(?:{named})?{_FILMS}",  # "the main (wick) movies", "the other ones"
        rf"{named}{_FILMS}" if named else "",  # "the wick films"
        rf"(?:(?:{hero})\s+)*(?:{hero})s\b" if hero else "",  # "the john wicks"
        r"(?:(?:in|of)\s+)?(?:the\s+)?(?:franchise|series|saga|originals|predecessors|rest\s+of\s+them)",
    ]
    return re.compile(r"\b(?:" + "|".join(a for a in alts if a) + r")\b", re.IGNORECASE)


# "Besides the Wick films, what other movies…": films outside the series are asked about.
_BESIDES = re.compile(r"\b(?:besides|other\s+than|apart\s+from|outside(?:\s+of)?|non-?)\s*$", re.I)


def compared_with_series(subject: str, films: Sequence[Film]) -> str | None:
    """The subject with the critics' words for the series (`SERIES`) added, when the question
    compares the film with it ("as good as main wick movies" → "… the previous films, …");
    else None."""
    first = _reference(films).search(subject)
    if first is None or not _COMPARING.search(subject) or _BESIDES.search(subject[: first.start()]):
        return None
    before = subject[: first.start()]
    series = SERIES.removeprefix("as good as ") if before.endswith("as good as ") else SERIES
    rest = _reference(films).sub(" ", subject[first.end() :])
    return " ".join(f"{before} {series} {rest}".split())
