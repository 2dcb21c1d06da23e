"""Questions that ask whether a review names something: "did anyone mention the matrix?",
"did anyone compare it to kill bill?", "which critic brought up the katana / sword fight?",
"which reviewer talked about the horse chase?".

The thing asked after must stand in a review, in lower case as much as in capitals: if no review
uses its words, the honest answer is "No review mentions kill bill." (query.py adds it to the
question's names, which the engine checks against the reviews in scope). An everyday word asked
after alone ("did anyone mention the music?") may be said in other words, so it is left to the
ranker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from .chat import zipf
from .lexical import terms

# "did anyone mention / bring up / compare it to / reference / talk about X": asks whether a
# review names X.
_MENTIONED = re.compile(
    r"\b(?:mention(?:s|ed|ing)?|br(?:ing|ings|inging|ought)\s+up|"
    r"compar(?:e|es|ed|ing)\s+(?:(?:it|this|this\s+one|the\s+(?:film|movie))\s+)?(?:to|with)|"
    r"referenc(?:e|es|ed|ing)|name-?check(?:s|ed)?|talk(?:s|ed|ing)?\s+about)\s+"
    r"(?:(?:the|a|an|that|any|anything\s+about)\s+)?"
    r"(?P<thing>[^?!.,;:]+)",
    re.IGNORECASE,
)


def mentioned(question: str) -> list[str]:
    """What the question asks whether a review names ("did anyone mention the matrix?" →
    ["matrix"])."""
    return [" ".join(m.group("thing").split()) for m in _MENTIONED.finditer(question)]


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
    alternatives, "X / Y", "X or Y", unnamed); `ignore`: stemmed words that name no thing
    (framing, "film", the film's own name)."""
    found = []
    for thing in mentioned(question):
        alternatives = [a for a in re.split(r"\s*/\s*|\s+or\s+", thing) if a]
        asked = [[t for t in terms(a) if t not in ignore] for a in alternatives]
        if all(_unmentioned(a, ts, known) for a, ts in zip(alternatives, asked, strict=True)):
            found.append(thing)
    return found
