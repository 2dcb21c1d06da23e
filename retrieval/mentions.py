"""Questions that ask whether a review names something: "did anyone mention the matrix?",
"did anyone compare it to kill bill?", "which critic brought up the katana / sword fight?",
"which reviewer talked about the horse chase?".

The thing asked after must stand in a review, in lower case as much as in capitals: if no review
uses its words, the honest answer is "No review mentions kill bill." (query.py adds it to the
question's names, which the engine checks against the reviews in scope). An everyday word asked
after alone ("did anyone mention the music?") may be said in other words, so it is left to the
ranker.

So must a scene, thread or format a question names in its own words, asked whether or not it
asks "did anyone mention": "the casino shootout", "the romance subplot", "the post credits
scene", "imax or 3d"; and a thing of someone's, "ana de armas's accent". On 24 unanswerable
questions four helpers wrote blind (session 10), 9 were refused before this and 21 after, with
no answerable question of theirs refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from .chat import zipf
from .lexical import terms

# "did anyone mention / bring up / compare it to / reference / talk about X": asks whether a
# review names X.
_MENTIONED = re.compile(
    r"\b(?:mention(?:s|ed|ing)?|br(?:ing|ings|inging|ought)\s+up|"
    r"compar(?:e|es|ed|ing)\s+(?:[\w'’]+\s+){0,4}?(?:to|with)|"
    r"referenc(?:e|es|ed|ing)|name-?check(?:s|ed)?|talk(?:s|ed|ing)?\s+about)\s+"
    r"(?:(?:the|a|an|that|any|anything\s+about)\s+)?"
    r"(?P<thing>(?:(?!\s[-–—]\s)[^?!.,;:–—])+)",  # a dash ends it: "… films — which ones?"
    re.IGNORECASE,
)


# "the casino shootout", "the romance subplot", "the post-credits scene", "the katana/sword
# fight": a scene or thread of the film named by its own words, which a review that covers it
# uses ("the nightclub fight" is in one; "the bit where she torches dudes" names no scene and is
# left to the ranker). Only the words before the head are checked: "scene", "fight" are in all.
_HEADS = (
    r"scenes?|fights?|fight\s+scenes?|sequences?|shoot-?outs?|subplots?|chases?|cameos?|"
    r"montages?|set[\s-]pieces?|battles?|duels?|storylines?|romance"
)
_SCENE = re.compile(
    rf"\b(?:the|a|any|that|this)\s+(?P<thing>(?:[\w'’/-]+\s+){{1,3}}?)(?P<head>{_HEADS})\b",
    re.IGNORECASE,
)
# ...or opening the question with no article: "post credit scene?! do i need to stay".
# Not someone saying something about a scene: "somebody said every fight goes…".
_SCENE_FIRST = re.compile(
    rf"^\W*(?!(?:is|are|was|were|do|does|did|how|what|which|who|why|so|ok|and|but|any|the|a|an|"
    rf"that|this|best|worst|fav\w*|some(?:body|one)|any(?:body|one)|every(?:body|one)|nobody|"
    rf"people|i|my|we|you)\b)"
    rf"(?P<thing>(?:(?!(?:the|a|an|this|that|said|says|say|told|thinks|thought)\s)[\w'’/-]+\s+)"
    rf"{{1,3}}?)(?P<head>{_HEADS})\b",
    re.IGNORECASE,
)
# Seeing it in a cinema format ("worth paying extra for imax or 3d?", "see it in 4DX"): a format
# a review used would be named by it.
_FORMAT = re.compile(
    r"\b(?P<thing>imax|dolby(?:\s+(?:atmos|cinema|vision))?|screenx|\d+\s?(?:d|dx|k|mm))\b",
    re.IGNORECASE,
)


# "ana de armas's accent", "keanu's haircut": something of someone's, one word.
# Not "she's torching": a pronoun's 's is "is".
_OWNED = re.compile(
    r"\b(?!(?:she|he|it|that|there|what|who|where|here|let)['’])"
    # the critics' own ("the critics' scores") are the reviews, not a thing of the film's
    r"(?!(?:critics?|reviewers?|reviews?|people|everyone|anyone)['’])"
    r"(?P<owner>[\w-]+)['’]s?\s+(?P<thing>[a-z]{3,})(?:\s+(?P<more>[a-z]{3,}))?\b",
    re.IGNORECASE,
)


# "compares it to a couple of other films": how many, not what.
_SOME = re.compile(
    r"^(?:(?:a\s+)?(?:couple|few|bunch|lot|lots|handful|number)\s+of\s+)?(?:other|some|any)?\s*",
    re.IGNORECASE,
)


def inflected(word: str) -> bool:
    """A word of six letters or more ending in -ed or -ing ("rehashed", "torching"): it describes
    or does, it names nothing."""
    low = word.lower()
    return len(low) >= 6 and low.endswith(("ed", "ing"))


def only_describes(word: str) -> bool:
    """LemmInflect's dictionary reads `word` as an adjective, adverb or verb, never a noun."""
    from lemminflect import getAllLemmas

    return _no_noun(getAllLemmas(word.lower()))


def _no_noun(readings: Mapping[str, object]) -> bool:
    return bool(readings) and "NOUN" not in readings and "PROPN" not in readings


def describes(word: str) -> bool:
    """A word that describes or does rather than names, however rare: inflected ("torching"),
    in LemmInflect's dictionary only as an adjective, adverb or verb ("preachy", "redid"), or an
    adjective in -y of a dictionary word that the dictionary lacks ("cringy", "sweary")."""
    from lemminflect import getAllLemmas

    low = word.lower()
    if inflected(low):
        return True
    if readings := getAllLemmas(low):
        return _no_noun(readings)
    if len(low) < 5 or not low.endswith("y"):
        return False
    bases = [low[:-1], low[:-1] + "e"] + ([low[:-2]] if low[-2] == low[-3] else [])
    return any(getAllLemmas(b) for b in bases if len(b) >= 3)


def _names_a_thing(word: str) -> bool:
    """A word that can be a noun, or no English word at all ("katana"): "the redone scenes",
    "the plate smashing fight" describe a scene in words a review need not use.

    LemmInflect's dictionary (offline, ~1 MB) gives a word's parts of speech; loaded on first
    use, only for a question that names a scene in words no review uses."""
    from lemminflect import getAllLemmas

    if inflected(word):
        return False  # even where the dictionary lacks it ("torching")
    readings = getAllLemmas(word.lower())
    return not readings or "NOUN" in readings


def warm() -> None:
    """Load LemmInflect's dictionary now (~0.3 s) rather than on a bot's first question that
    names a scene in words no review uses."""
    _names_a_thing("warm")


def mentioned(question: str) -> list[str]:
    """What the question asks whether a review names ("did anyone mention the matrix?" →
    ["matrix"])."""
    return [
        " ".join(_SOME.sub("", m.group("thing")).split()) for m in _MENTIONED.finditer(question)
    ]


def described(question: str) -> list[tuple[str, str, bool]]:
    """(the thing as said, its words that name it, whether every one of them must be unused)
    for each scene, format or someone's thing the question names by its own words: "the casino
    shootout" → ("casino shootout", "casino", False), "imax" → ("imax", "imax", False)."""
    found = []
    for m in [*_SCENE_FIRST.finditer(question), *_SCENE.finditer(question)]:
        words = m.group("thing").split()
        found.append((" ".join([*words, m.group("head")]), " ".join(words), False))
    found += [(m.group("thing"), m.group("thing"), False) for m in _FORMAT.finditer(question)]
    for m in _OWNED.finditer(question):
        found.append((m.group("thing"), m.group("thing"), False))
        # "byrne's irish accent": two words, both of which no review may use ("eve's
        # character arc" is about her character)
        if m.group("more"):
            both = f"{m.group('thing')} {m.group('more')}"
            found.append((both, both, True))
    return found


# One everyday word asked after ("did anyone mention the music?") may be said in other words
# ("the synth soundtrack"); a rarer one ("the matrix", "imax") names a thing.
MENTION_ZIPF = 4.5


def _unmentioned(text: str, asked: list[str], known: Callable[[str], bool]) -> bool:
    """Whether no review names `text` (its stemmed words `asked`): two words or more, at least
    half of them used by no review ("kill bill", "horse chase", not "the Continental tv show");
    one word, used by no review and not an everyday word."""
    unused = [t for t in asked if not known(t)]
    if len(asked) >= 2:
        return 2 * len(unused) >= len(asked)
    return bool(unused) and zipf(text.lower().split()[-1]) < MENTION_ZIPF


def unmentioned(question: str, known: Callable[[str], bool], ignore: Collection[str]) -> list[str]:
    """The things `question` asks whether a review names that no review names (each of its
    alternatives, "X / Y", "X or Y", "X and Y", unnamed); `ignore`: stemmed words that name no thing
    (framing, "film", the film's own name)."""
    found = []
    for thing in mentioned(question):
        alternatives = [a for a in re.split(r"\s*[/&]\s*|\s+(?:or|and)\s+", thing) if a]
        asked = [[t for t in terms(a) if t not in ignore] for a in alternatives]
        if all(_unmentioned(a, ts, known) for a, ts in zip(alternatives, asked, strict=True)):
            found.append(thing)
    for shown, naming, every in described(question):
        alternatives = [a for a in re.split(r"\s*[/&]\s*|\s+(?:or|and)\s+", naming) if a]
        asked = [[t for t in terms(a) if t not in ignore] for a in alternatives]
        unused = [
            _unmentioned(a, ts, known)
            and not (every and any(map(known, terms(a))))  # "whole" is generic, yet used
            and all(_names_a_thing(w) for w in a.split() if not all(map(known, terms(w))))
            for a, ts in zip(alternatives, asked, strict=True)
        ]
        said = [f.lower() for f in found]
        if all(unused) and any(asked) and not any(shown.lower() in f for f in said):
            found.append(shown)
    return found
