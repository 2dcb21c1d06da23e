"""Typos and chat spellings in a question, mended into the reviews' own words.

    mend_text(question, known, vocabulary) -> (mended, {typed: mended})

A word no review uses and that is not common English (wordfreq) is compared with the reviews'
vocabulary (rapidfuzz): a close match replaces it ("flamethower" → "flamethrower"). Chat
spellings are read as English first ("goin" → "going", chat.py), British and American spellings
stand for each other ("theater" → "theatre"), and two words typed as one are split
("screentime" → "screen time", "dearmas" → "de armas").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .chat import chat_spelling, spelling_variants, zipf
from .lexical import stem, terms
from .mentions import describes
from .names import _CONNECTORS, NAME_ZIPF, RARE_ZIPF, census_name

# rapidfuzz similarity (0–100) a review word needs to stand in for a misspelt question word.
TYPO_SIMILARITY = 80
COMMON_TYPO_SIMILARITY = 90  # ...when the typed word is itself common English
# A correctly spelt common word is mended only into a word this much rarer in English: a name
# typed as a word ("houston" → "huston"), not one common word into another ("paying" →
# "playing", "brought" → "bought").
COMMON_TYPO_RARER = 1.0
# Most edits (insert, delete, substitute, swap two neighbours) a typo may be from its review
# word, by the typed word's length: the usual fuzziness of spelling correction ("caine" is not
# "cabin": two edits in five letters).
MAX_EDITS = ((5, 1), (9, 2))  # up to 5 letters: 1; up to 9: 2; longer: 3
COMPOUND_ZIPF = 4.0  # a word no review uses splits in two when both halves are this common

_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _edits_allowed(word: str) -> int:
    return next((n for length, n in MAX_EDITS if len(word) <= length), MAX_EDITS[-1][1] + 1)


def _compound(low: str, known: Callable[[str], bool]) -> str | None:
    """Two words typed as one, where the whole is rare enough to be taken for a name otherwise
    ("No review mentions screentime."): two everyday words, at least one of them a review's
    ("screentime" → "screen time", "fightscenes" → "fight scenes"), never making a census name
    of everyday words ("reddick" is not "red dick"); or a name the reviews use, in two words
    they both use ("keanureeves"), or a connector and one ("dearmas" → "de armas")."""
    if zipf(low) >= NAME_ZIPF:
        return None  # as a whole, too common to be taken for a name: leave it be
    for i in range(2, len(low) - 3):
        head, tail = low[:i], low[i:]
        # ("de" is no search term: a name's connector needs only the rest to be known)
        words = [tail] if head in _CONNECTORS else [head, tail] if len(head) >= 4 else []
        if words and all(known(stem(w)) and zipf(w) < COMPOUND_ZIPF for w in words):
            return f"{head} {tail}"
    if census_name(low):
        return None
    best: tuple[float, str] | None = None
    for i in range(3, len(low) - 2):
        head, tail = low[:i], low[i:]
        score = min(zipf(head), zipf(tail))
        better = score >= COMPOUND_ZIPF and (best is None or score > best[0])
        if better and any(known(t) for t in terms(f"{head} {tail}")):
            best = (score, f"{head} {tail}")
    return best[1] if best else None


def _mend(word: str, vocabulary: Callable[[], list[str]], known: Callable[[str], bool]) -> str:
    """`word`, or the review word it is a typo of (a word no review uses: "flamethower"; a common
    English word only when the match is very close and much rarer: "houston" → "huston"); a
    possessive keeps its 's ("charron's" → "charon's")."""
    owner = re.match(r"(?P<base>.{4,}?)(?P<s>['’]s)$", word)
    if owner:
        return _mend(owner["base"], vocabulary, known) + owner["s"]
    from rapidfuzz import fuzz, process, utils
    from rapidfuzz.distance import OSA

    spelt = chat_spelling(word)
    if spelt != word:
        return spelt
    low = word.lower().strip("'’")
    if len(low) < 4 or not stem(low) or known(stem(low)):
        return word
    for other in spelling_variants(low):
        if known(stem(other)):
            return other  # "theater" for a review's "theatre"
    if (split := _compound(low, known)) is not None:
        return split
    common = zipf(low) >= RARE_ZIPF
    cutoff = COMMON_TYPO_SIMILARITY if common else TYPO_SIMILARITY
    if len(low) < 5 and common:
        return word
    # Typos rarely change the first letter; requiring it keeps a correctly spelt name that no
    # review uses ("zimmer") from being "mended" into a review word ("simmer"). A review's
    # plural stands for its singular too ("wepon" is "weapon" where reviews say "weapons"), and
    # the words of asking are mended as well ("reveiwers").
    words = [w for w in [*vocabulary(), *_ASKING] if w[:1] == low[:1]]
    words += [w[:-1] for w in words if w.endswith("s") and not w.endswith("ss") and len(w) > 4]
    matches = process.extract(
        low, list(dict.fromkeys(words)), scorer=fuzz.ratio, processor=utils.default_process,
        score_cutoff=cutoff, limit=5,
    )  # fmt: skip
    for match, _, _ in matches:
        if OSA.distance(low, match) > _edits_allowed(low):
            continue
        if common and zipf(match) > zipf(low) - COMMON_TYPO_RARER:
            continue
        return str(match)
    if low.isalpha() and not common and not census_name(low) and not _in_dictionary(low):
        # A typo of an everyday word no review uses ("habbit", "hapy") is no name to refuse by;
        # a word of the dictionary is no typo, however rare ("torching" is not "touching").
        everyday = [w for w in _one_edit(low) if zipf(w) >= ENGLISH_ZIPF]
        everyday = everyday or [w for w in _swaps(low) if zipf(w) >= SWAPPED_ZIPF]
        if everyday:
            return max(everyday, key=lambda w: (zipf(w), w))
    return word


def _in_dictionary(word: str) -> bool:
    """Whether LemmInflect's dictionary (offline) knows `word`, or it reads as an inflection or
    a -y adjective of a word it knows ("torching", "sweary": mentions.describes)."""
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word)) or describes(word)


# An everyday word a rare typed word may be one edit from ("habbit" → "habit"); two letters
# swapped is the commonest typo of all ("beleivable"), and no name is a word so typed, so a
# swap is mended to a rarer word too.
ENGLISH_ZIPF = 4.0
SWAPPED_ZIPF = 3.0
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    """The words one deletion, swap of neighbours, change or insertion from `word`, its first
    letter kept (typos rarely change it). Looked up in wordfreq one by one: ~400 look-ups cost
    less than loading its ranked word list (0.2 s) for a first question."""
    splits = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= _swaps(word)
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return out - {word}


def _swaps(word: str) -> set[str]:
    """The words two neighbouring letters of `word` swapped, its first letter kept."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)} - {
        word
    }


# Words a question asks with, which no review need use: mended like the reviews' own.
_ASKING = (
    "critic", "critics", "reviewer", "reviewers", "review", "reviews", "mention", "mentioned",
    "thought", "opinion", "opinions", "anyone", "anybody", "everyone", "people", "discussed",
    "summary", "summarise", "summarize", "sentence", "verdict", "every",
)  # fmt: skip


def mend_text(
    text: str, known: Callable[[str], bool], vocabulary: Callable[[], list[str]]
) -> tuple[str, dict[str, str]]:
    """`text` with its typos and chat spellings mended (`_mend`), and {typed: mended}."""
    corrections: dict[str, str] = {}

    def mend(m: re.Match[str]) -> str:
        word = m.group()
        fixed = _mend(word, vocabulary, known)
        if fixed.lower() != word.lower():
            corrections[word] = fixed
        return fixed

    return _WORD.sub(mend, text), corrections
