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

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .chat import CHAT_FILLER, zipf
from .intent import AGE_RATING, CAST, GENERIC_TERMS, OVERALL_TERMS, Intent, intent_of
from .lexical import _QUERY_STOP, terms
from .mentions import describes, inflected, only_describes, unmentioned
from .names import NAME_ZIPF, RARE_ZIPF, census_name, is_first_name, named_terms, surnames
from .typos import mend_text

COMMON_ZIPF = 4.0  # words at least this frequent never start or end a name
SHOUTED = 0.6  # a question with this share of its letters in capitals is shouted

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
    cast: bool = False  # asks who plays a part (intent.CAST)

    @property
    def search_text(self) -> str:
        """What is embedded and matched: the subject, or the question when nothing is left."""
        return self.subject or self.question


def subject_of(question: str) -> str:
    """The question without framing words and punctuation runs ("" when nothing is left)."""
    text = CHAT_FILLER.sub(" ", _FRAME.sub(" ", question))
    text = re.sub(r"[?!.,;:]+|(?<![\w-])[-–—]+(?![\w-])", " ", text)  # a lone dash too
    return " ".join(text.split())


def _describing(words: list[str], *, alone: bool = False) -> bool:
    """One word that describes or does (mentions.describes: "rehashed", "preachy", "redid",
    "cringy"): no name however rare the word ("No review mentions preachy."). A census name
    stays one, except as a whole run (`alone`) that the dictionary reads only as a verb or an
    adjective ("review hypes the scene": Hypes is a surname too; "tom hardy" keeps Hardy)."""
    low = words[0].lower() if len(words) == 1 else ""
    if not low:
        return False
    if census_name(low):
        return alone and only_describes(low)
    return inflected(low) or describes(low)


_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|miss|mister|dr|sir|madam)\.?\s+", re.IGNORECASE)


# A person the question points back to ("is she in it?"); not the critics ("what did they make
# of it?").
_PERSON = re.compile(
    r"\b(?:she|he|her|him|his|hers|they|them)\b(?!\s+(?:make|think|say|said|thought))", re.I
)


def _asking(text: str) -> str:
    """`text` from its first sentence that asks (ends with "?"): what is told before it is the
    fan's own context."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    first = next((i for i, x in enumerate(sentences) if x.rstrip(' "”’)').endswith("?")), 0)
    asking = " ".join(sentences[first:])
    if _PERSON.search(asking):
        return text  # "my friend loves zendaya. is she in it?": she is the one told of
    return asking


def _slashed(text: str, name: str) -> list[str]:
    """The words `name` stands beside with a slash in `text` ("kameraman/cinematographer")."""
    found = []
    for m in re.finditer(r"(?<![\w/])[\w'’-]+(?:/[\w'’-]+)+", text):
        parts = m.group().split("/")
        if any(p.lower() == name.lower() for p in parts):
            found += [p for p in parts if p.lower() != name.lower()]
    return found


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
    mended, corrections = mend_text(text, known, vocabulary)
    subject = subject_of(mended)

    # Names: capitalised runs, plus runs of words no review uses, typed in any case.
    # A capitalised run of common words is emphasis ("in ALL CAPS"), not a name.
    # So is a common word capitalised because a sentence starts with it ("Bottom line: …").
    starts = {m.group(1) for m in re.finditer(r"(?:^|[.?!:]\s+)\W*([A-Za-z][\w'’-]*)", mended)}
    # A question typed in capitals says nothing by its capitals ("IS THE CHANCELLOR THE GUY…").
    letters = [c for c in mended if c.isalpha()]
    shouted = sum(c.isupper() for c in letters) >= SHOUTED * len(letters)
    names = [
        n for n in named_terms(mended.lower() if shouted else mended)
        if not (n.isupper() and min(zipf(w.lower()) for w in n.split()) >= COMMON_ZIPF)
        and not (n in starts and zipf(n.lower()) >= COMMON_ZIPF)
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
                surname = word.lower() in surnames() or zipf(word.lower()) < RARE_ZIPF
                if not run and is_first_name(before) and surname:
                    # "jason statham": the reviews have a Jason (Bourne), not this one; not
                    # "more eve / a sequel": an everyday word is no surname.
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
        while words and (zipf(words[-1].lower()) >= COMMON_ZIPF or _describing(words[-1:])):
            words = words[:-1]
        while (
            words
            and (zipf(words[0].lower()) >= COMMON_ZIPF or _describing(words[:1]))
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
        if (rare < NAME_ZIPF or named) and not _describing(words, alone=True):
            phrase = " ".join(words)
            if not any(phrase.lower() in n.lower() or n.lower() in phrase.lower() for n in names):
                names.append(phrase)
    # "did anyone compare it to kill bill?", "the casino shootout", "4DX": what is asked after
    # must be in a review (mentions.py).
    names += [t for t in unmentioned(mended, known, _QUERY_STOP | GENERIC_TERMS | film_terms)
              if not any(t.lower() in n.lower() for n in names)]  # fmt: skip
    # "the kameraman/cinematographer": a word a review uses stands in for its slashed alternatives.
    names = [n for n in names if not any(known(t) for a in _slashed(mended, n) for t in terms(a))]
    # "Mr Wick" is Wick; and a word typed in lower case in a sentence told before the question
    # ("I do enjoy a dust-up in a discotheque. What did they make of the nightclub fight?") is
    # what the fan says, not a name the question asks after.
    names = [_HONORIFIC.sub("", n) for n in names]
    asking = _asking(mended)
    asked_words = set(re.findall(r"\w+", asking.lower()))
    names = [
        n for n in names
        if n and (n[0].isupper() or set(re.findall(r"\w+", n.lower())) <= asked_words)
    ]  # fmt: skip
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
        cast=bool(CAST.search(mended)),
        unmatched=unmatched / len(content) if content else 0.0,
        generic=not [t for t in content if t not in GENERIC_TERMS],
        overall=intent in ("verdict", "comparison")
        and not [t for t in content if t not in GENERIC_TERMS | OVERALL_TERMS | film_terms],
    )
