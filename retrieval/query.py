"""What a question asks: its subject, the names in it, typos mended, the kind of answer wanted.

    analyse(question, known) -> Query

`known(term) -> bool` says whether a stemmed term occurs in any review (the BM25 vocabulary), so
the analysis costs a few set look-ups, not a scan of the corpus.

- **Subject**: the question without the words that frame every question about reviews ("what
  did the critics say about", "do reviewers think") — "what did critics say about Keanu's
  cameo?" → "Keanu's cameo". It is what gets embedded and matched, so framing words do not
  pull in sentences that merely say "critics" or "think".
- **Typos**: a word no review uses and that is not common English (wordfreq) is compared with
  the reviews' own vocabulary (rapidfuzz); a close match replaces it ("flamethower" →
  "flamethrower", "choreografy" → "choreography").
- **Names**, in any case: capitalised runs ("Hans Zimmer"); a word no review uses that is rare
  in English ("nolan"); and, typed in lower case, a first name (US census list, the `names`
  package) followed by words no review uses ("hans zimmer", "jason statham", "donnie yen"). Two
  rare dictionary words are not a name ("derelict playhouse"). A name no review mentions is
  reported in `missing`, so the answer can say so instead of quoting unrelated sentences.
- **Chat spelling**: "goin", "lookin'" → "going", "looking"; "any1" → "anyone".
- **Intent** (intent.py): `rating`, `comparison`, `verdict` or `topic`; a verdict or comparison
  with no topic is `overall` ("is it any good?": each review's verdict, verdict.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .chat import CHAT_FILLER, chat_spelling, spelling_variants, zipf
from .intent import AGE_RATING, GENERIC_TERMS, OVERALL_TERMS, Intent, intent_of
from .lexical import _QUERY_STOP, stem, terms
from .mentions import inflected, unmentioned
from .names import named_terms

# Below this Zipf frequency (wordfreq: 3 ≈ once per million words) a word absent from every
# review is taken for a name or a typo rather than ordinary English the critics happen not to use.
RARE_ZIPF = 3.3
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
# First names that are also everyday words ("will", "may", "guy", "art") start no name.
FIRST_NAME_MAX_ZIPF = 5.0
# A single lower-case word no review uses is taken for a name only when it is this rare; runs of
# two or more count when they start with a first name ("hans zimmer") or are rare and end in a
# surname ("halle berry"); capitalised names always count.
NAME_ZIPF = 2.5
COMMON_ZIPF = 4.0  # words at least this frequent never start or end a name
COMPOUND_ZIPF = 4.0  # a word no review uses splits in two when both halves are this common

_WORD = re.compile(r"[A-Za-z][\w'’-]*")

# Framing: removed from the subject (whole words, any case). Kept deliberately short and generic:
# words about asking and about reviews, never words about films. Never part of a hyphenated
# compound: "hitman-has-to-babysit-a-kid" stays one word.
_FRAME = re.compile(
    r"(?<![\w'’-])(?:what['’]?s|how['’]?s|what|how|with|did|do|does|was|were|is|are|has|have|had|any|anyone|anybody|everyone|"
    r"the|a|an|of|about|on|in|to|for|regarding|concerning|"
    r"critics?|reviewers?|reviews?|writers?|people|folks|they|them|their|"
    r"say|said|says|saying|think|thought|thinks|feel|felt|react(?:ed|ion)?|mention(?:ed)?|"
    r"write|wrote|written|talk(?:ed)?|discuss(?:ed)?|opinions?|views?|thoughts?|make|made|"
    r"tell|me|us|please|anything|something|there|overall|general(?:ly)?)(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    question: str  # as asked, whitespace folded
    subject: str  # without framing words, typos mended ("" when only framing was asked)
    names: tuple[str, ...] = ()  # people/things named, as typed (mended)
    missing: tuple[str, ...] = ()  # names that no review uses
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → review word
    intent: Intent = "topic"
    # Share of the subject's words that no review uses ("horse" in "how was the horse chase").
    unmatched: float = 0.0
    # True when the subject is only evaluative/generic words ("was it worth it?", "who was the
    # most positive?"): the question asks for each critic's overall verdict.
    generic: bool = False
    # A verdict question with no topic but going to see the film ("is it any good?", "worth the
    # ticket price?"): answered by each review's overall verdict (verdict.py), never refused.
    overall: bool = False
    # It asks about the censor's age rating ("is it rated R?", "PG-13"), not a critic's.
    age_rating: bool = False

    @property
    def search_text(self) -> str:
        """What is embedded and matched: the subject, or the question when nothing is left."""
        return self.subject or self.question


def subject_of(question: str) -> str:
    """The question without framing words and punctuation runs ("" when nothing is left)."""
    text = CHAT_FILLER.sub(" ", _FRAME.sub(" ", question))
    text = re.sub(r"[?!.,;:]+|(?<![\w-])[-–—]+(?![\w-])", " ", text)  # a lone dash too
    return " ".join(text.split())


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


def _edits_allowed(word: str) -> int:
    return next((n for length, n in MAX_EDITS if len(word) <= length), MAX_EDITS[-1][1] + 1)


def _inflected(words: list[str]) -> bool:
    """One word with an English inflection ("rehashed", "backflipping"), not a census name: no
    name however rare the word ("No review mentions rehashed.")."""
    low = words[0].lower() if len(words) == 1 else ""
    return inflected(low) and low not in surnames() and low not in _first_names()


def _slashed(text: str, name: str) -> list[str]:
    """The words `name` stands beside with a slash in `text` ("DP/cinematographer")."""
    found = []
    for m in re.finditer(r"(?<![\w/])[\w'’-]+(?:/[\w'’-]+)+", text):
        parts = m.group().split("/")
        if any(p.lower() == name.lower() for p in parts):
            found += [p for p in parts if p.lower() != name.lower()]
    return found


def _compound(low: str, known: Callable[[str], bool]) -> str | None:
    """Two everyday words typed as one ("screentime" → "screen time", "fightscenes" → "fight
    scenes"), at least one of them a review's, where the whole is rare enough to be taken for a
    name otherwise ("No review mentions screentime."); never a census name ("reddick" is not
    "red dick")."""
    if zipf(low) >= NAME_ZIPF or low in surnames() or low in _first_names():
        return None  # as a whole, too common to be taken for a name: leave it be
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
    English word only when the match is very close and much rarer: "houston" → "huston")."""
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
    words += [w[:-1] for w in words if w.endswith("s") and len(w) > 4]
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
    return word


# Words a question asks with, which no review need use: mended like the reviews' own.
_ASKING = (
    "critic", "critics", "reviewer", "reviewers", "review", "reviews", "mention", "mentioned",
    "thought", "opinion", "opinions", "anyone", "anybody", "everyone", "people", "discussed",
)  # fmt: skip


def analyse(
    question: str,
    known: Callable[[str], bool],
    vocabulary: Callable[[], list[str]],
    film_terms: frozenset[str] = frozenset(),
) -> Query:
    """`known(stemmed term)`: is it in any review; `vocabulary()`: the reviews' surface words
    (for mending typos; called only when a question has an unknown, uncommon word);
    `film_terms`: the stemmed words of the film names the question uses (no topic)."""
    text = " ".join(question.split())
    corrections: dict[str, str] = {}

    def mend(m: re.Match[str]) -> str:
        word = m.group()
        fixed = _mend(word, vocabulary, known)
        if fixed.lower() != word.lower():
            corrections[word] = fixed
        return fixed

    mended = _WORD.sub(mend, text)
    subject = subject_of(mended)

    # Names: capitalised runs, plus runs of words no review uses, typed in any case.
    # A capitalised run of common words is emphasis ("in ALL CAPS"), not a name.
    names = [
        n for n in named_terms(mended)
        if not (n.isupper() and min(zipf(w.lower()) for w in n.split()) >= COMMON_ZIPF)
    ]  # fmt: skip
    run: list[str] = []
    runs: list[list[str]] = []
    unmatched = 0
    before = ""  # the word before the current one
    for m in _WORD.finditer(subject):
        word = re.sub(r"['’]s?$", "", m.group())
        stems = terms(word)
        if stems and not all(known(t) for t in stems):
            unmatched += 1
            if "-" not in word.strip("-"):
                if not run and is_first_name(before):
                    # "jason statham": the reviews have a Jason (Bourne), not this one.
                    run.append(before)
                run.append(word)
                before = word
                continue
            # A compound ("hitman-has-to-babysit-a-kid") is rare as a whole but names nothing.
        if run:
            runs.append(run)
        run = []
        before = word
    if run:
        runs.append(run)
    for words in runs:
        # Trim common words off the ends: "the billie ellish song" names "billie ellish"; a
        # first name stays ("jason statham").
        # An inflected word ends no name either: "torching dudes".
        while words and (zipf(words[-1].lower()) >= COMMON_ZIPF or _inflected(words[-1:])):
            words = words[:-1]
        while (
            words
            and (zipf(words[0].lower()) >= COMMON_ZIPF or _inflected(words[:1]))
            and not (len(words) >= 2 and is_first_name(words[0]))
        ):
            words = words[1:]
        if not words:
            continue
        rare = min(zipf(w.lower()) for w in words)
        # Two words or more: a first name and more ("donnie yen"), or rare words ending in a
        # surname ("halle berry"); rare dictionary words are not a name ("derelict playhouse").
        named = len(words) >= 2 and (
            is_first_name(words[0]) or (rare < RARE_ZIPF and words[-1].lower() in surnames())
        )
        if (rare < NAME_ZIPF or named) and not _inflected(words):
            phrase = " ".join(words)
            if not any(phrase.lower() in n.lower() or n.lower() in phrase.lower() for n in names):
                names.append(phrase)
    # "did anyone compare it to kill bill?", "the casino shootout", "4DX": what is asked after
    # must be in a review (mentions.py).
    names += [t for t in unmentioned(mended, known, _QUERY_STOP | GENERIC_TERMS | film_terms)
              if not any(t.lower() in n.lower() for n in names)]  # fmt: skip
    # "the DP/cinematographer": a word a review uses stands in for its slashed alternatives.
    names = [n for n in names if not any(known(t) for a in _slashed(mended, n) for t in terms(a))]
    missing = tuple(n for n in names if not all(known(t) for t in terms(n)))
    content = [t for t in terms(subject) if t not in _QUERY_STOP]
    intent = intent_of(mended)  # "is it wroth seeing" asks for a verdict too
    return Query(
        question=text,
        subject=subject,
        names=tuple(names),
        missing=missing,
        corrections=corrections,
        intent=intent,
        age_rating=bool(AGE_RATING.search(text)),
        unmatched=unmatched / len(content) if content else 0.0,
        generic=not [t for t in content if t not in GENERIC_TERMS],
        overall=intent in ("verdict", "comparison")
        and not [t for t in content if t not in GENERIC_TERMS | OVERALL_TERMS | film_terms],
    )
