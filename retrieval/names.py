"""Names in a question, and the longer names they stand for in the reviews.

The engine checks each name against the BM25 postings (`Searcher.reviews_naming`): a name no
review contains gets the honest answer "No review mentions …"."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from .chat import zipf

# Below this Zipf frequency (wordfreq: 3 ≈ once per million words) a word absent from every
# review is taken for a name or a typo rather than ordinary English the critics happen not to use.
RARE_ZIPF = 3.3
# A single lower-case word no review uses is taken for a name only when it is this rare; runs of
# two or more count when they start with a first name ("hans zimmer") or are rare and end in a
# surname ("halle berry"); capitalised names always count.
NAME_ZIPF = 2.5
# First names that are also everyday words ("will", "may", "guy", "art") start no name.
FIRST_NAME_MAX_ZIPF = 5.0


# Capitalised words that start questions or address the bot, not names.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "anyone",
        "anybody",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "critic",
        "critics",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "review",
        "reviewer",
        "reviewers",
        "reviews",
        "should",
        "tell",
        "the",
        "their",
        "they",
        "this",
        "those",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "give",
        "show",
        "list",
        "summarise",
        "summarize",
        "compare",
        "explain",
        "describe",
        "name",
        "find",
        "was",
    ]
)
_CONNECTORS = frozenset({"de", "da", "del", "della", "der", "van", "von", "la", "le", "du", "bin"})
_TOKEN = re.compile(r"[\w][\w.\-]*(?:['’]\w+)?")


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def named_terms(question: str) -> list[str]:
    """Runs of capitalised words that name something: "Hans Zimmer's score" → ["Hans Zimmer"]."""
    names: list[str] = []
    run: list[str] = []

    def close() -> None:
        while run and run[-1].lower() in _CONNECTORS:
            run.pop()
        if run:
            names.append(" ".join(run))
        run.clear()

    for m in _TOKEN.finditer(question):
        word = m.group()
        bare = _strip_possessive(word).rstrip(".")
        if bare[:1].isupper() and bare.lower() not in _NOT_NAMES:
            run.append(bare)
            if bare != word.rstrip("."):  # a possessive ends the name
                close()
        elif run and bare.lower() in _CONNECTORS:
            run.append(bare)
        else:
            close()
        # A name never spans punctuation.
        tail = question[m.end() : m.end() + 1]
        if tail and tail not in " ":
            close()
    close()
    return names


_CAPS_RUN = re.compile(
    r"\b[A-Z][\w’'-]*(?:\s+(?:(?:de|da|del|van|von|la|le|du)\s+)?[A-Z][\w’'-]*)*"
)


def full_names(name: str, texts: Iterable[str]) -> set[str]:
    """Longer names in `texts` that contain `name` ("Keanu" → {"Keanu Reeves"}), so a sentence
    that calls him "Reeves" is recognised as being about the person asked about."""
    words = name.split()
    found: set[str] = set()
    for text in texts:
        for m in _CAPS_RUN.finditer(text):
            run = [_strip_possessive(w) for w in m.group().split()]
            if len(run) <= len(words):
                continue
            for i in range(len(run) - len(words) + 1):
                if [w.lower() for w in run[i : i + len(words)]] == [w.lower() for w in words]:
                    found.add(" ".join(run))
    return found


# A run's last word at least this common is no surname ("the Continental Hotel").
SURNAME_MAX_ZIPF = 4.0


def surnames_in(text: str) -> dict[str, frozenset[str]]:
    """Stemmed last word → the stemmed words of the full names `text` gives it ("armas" → {ana,
    de, armas}): a critic names someone in full once, then by surname ("Armas, to be fair to
    her, does a convincing job"), and that sentence is as much about "ana de armas"."""
    from .lexical import terms

    out: dict[str, set[str]] = {}
    for m in _CAPS_RUN.finditer(text):
        run = [_strip_possessive(w) for w in m.group().split()]
        if not 2 <= len(run) <= 4 or zipf(run[-1].lower()) >= SURNAME_MAX_ZIPF:
            continue
        last = terms(run[-1])
        if last:
            out.setdefault(last[0], set()).update(terms(" ".join(run)))
    return {k: frozenset(v) for k, v in out.items()}


def written_as_name(word: str, texts: Iterable[str]) -> bool:
    """Whether `texts` write `word` capitalised ("Keanu", "McShane"): a name, not a word that is
    merely rare in English ("flamethrower")."""
    low = word.lower()
    return any(
        low == _strip_possessive(w).lower()
        for text in texts
        for m in _CAPS_RUN.finditer(text)
        for w in m.group().split()
    )


def _census(*files: str) -> set[str]:
    """Lower-case names from the US census (1990) lists that the `names` package ships."""
    import names

    folder = Path(names.__file__).parent
    found: set[str] = set()
    for file in files:
        lines = (folder / file).read_text("ascii").splitlines()
        found.update(line.split()[0].lower() for line in lines if line.strip())
    return found


@functools.cache
def _first_names() -> frozenset[str]:
    return frozenset(_census("dist.male.first", "dist.female.first"))


def is_first_name(word: str) -> bool:
    """One of ~5,000 census first names, and not an everyday word ("will", "guy"; the
    FIRST_NAME_MAX_ZIPF test runs per word asked: over every name it cost a cold start 0.1 s)."""
    low = word.lower()
    return low in _first_names() and zipf(low) < FIRST_NAME_MAX_ZIPF


@functools.cache
def surnames() -> frozenset[str]:
    """~89,000 surnames (many are also words: "berry", "horse"; only ever a run's last word)."""
    return frozenset(_census("dist.all.last"))


def census_name(word: str) -> bool:
    low = word.lower()
    return low in _first_names() or low in surnames()
