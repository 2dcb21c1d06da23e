"""Critics named by description: "the reviewer who gave it four stars", "the tutu much one", "the
Film Stories critic", "the guy who hated the marketing", "in the 'total banger' review".

    described(question, reviews, review_ids_with, names) -> Described | None
    bylines(reviews) -> Bylines                    # critic/outlet names, headlines, by rarest word

The description is cut out of the question by its grammar ("the critic/reviewer/one/guy who …",
"the … review(er)", "in the … review", "according to …") and matched against what is known of
each review: its rating (front matter, or a "Rating: 4 out of 5" line), its critic, outlet,
title, id and URL words, and — weighted less — the words of the review itself. It resolves only
when one review clearly wins; otherwise the question is answered across all reviews as usual.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .chat import zipf
from .lexical import _QUERY_STOP, terms
from .manner import by_manner
from .models import Review

_WHO = (
    r"(?:critic|reviewer|review|writer|one|guy|person|woman|man|lady|blogger|blog|site|outlet|"
    r"piece|article|write-?up|link|url|page|post|website)"
)
# Words for a critic that as readily mean a person or thing in the film ("the main guy").
_PEOPLE = frozenset({"one", "guy", "person", "woman", "man", "lady"})
# What a critic does that a person in the film does not: judging and writing.
_CRITICS_DOING = re.compile(
    r"(?:hated|hates|loved|loves|liked|likes|disliked|said|says|wrote|writes|gave|gives|rated|"
    r"rates|called|calls|mentioned|mentions|complained|compared|compares|reviewed|thought|"
    r"thinks|praised|trashed|panned|critici[sz]ed|brought|talked|talks|described|noted|argued|"
    r"claimed|felt|enjoyed|recommended|raved|types|typed|uses|used|spells|didn['’]?t|did\s+not|"
    r"was\s+(?:harsh|kind|positive|negative)|got|found|reckoned|went\s+on|joked|jokes|listed|"
    r"lists|swears|swore|quipped|ranted|rants|raves|admitted|pointed\s+out|cited|cites|named|"
    r"referenced|references)\b",
    re.IGNORECASE,
)
# Where a description ends: a clause's punctuation or a dash ("the tutu one - did they…").
_END = r"\s*[:,;?!]|\s+[-–—]+\s|\s*[–—]"
_VERBS = (
    r"(?:think|thinks|thought|say|says|said|feel|felt|make|made|write|wrote|reckon|reckoned|"
    r"have|has|had|do|did|does|like|liked|dislike|disliked|love|loved|hate|hated|find|found|"
    r"consider|considered|rate|call|describe|described|mention|mentioned|talk|talked|speak|"
    r"spoke|comment|commented)"
)
_PATTERNS = (
    # "the critic who gave it four stars", "that reviewer from Film Stories"
    re.compile(
        rf"\b(?:the|that|this)\s+(?P<who>{_WHO})\s+(?:who|that|which|whose|from|at|with|giving|calling)"
        rf"\s+(?P<desc>.+?)(?={_END}|\s+{_VERBS}\b(?!\s+(?:it|the|a|an|that|this)\b)|$)",
        re.IGNORECASE,
    ),
    # "whoever gave it 4/5", "anyone who called it a banger"
    re.compile(
        rf"\b(?:whoever|anyone\s+who)\s+(?P<desc>.+?)"
        rf"(?={_END}|\s+{_VERBS}\b(?!\s+(?:it|the|a|an|that|this)\b)|$)",
        re.IGNORECASE,
    ),
    # "in the 'total banger' review", "the tutu much reviewer", "the Film Stories critic"; not
    # across a dash ("the ruska roma bit — what did reviewers think") or a question's "did", nor
    # "any (of the) critics", "every reviewer", which are every critic.
    re.compile(
        rf"\b(?:the|that|this)\s+(?P<desc>(?:(?!\s[-–—]|\b(?:any|all|each|every|did|does|do)"
        rf"\b)[^,;:?!–—]){{2,60}}?)\s+(?P<who>{_WHO})s?\b",
        re.IGNORECASE,
    ),
    # "according to Film Stories", "Film Stories' review"
    re.compile(r"\baccording\s+to\s+(?P<desc>[^,;:?!]{2,60})", re.IGNORECASE),
    re.compile(r"(?P<desc>\b[\w ]{2,40}?)['’]s?\s+review\b", re.IGNORECASE),
    # Opening the question, no article: "high table reviewer thoughts on…" (a few words only)
    re.compile(
        r"^\W*(?P<desc>(?:[\w'’.-]+\s+){0,5}[\w'’.-]+)\s+(?:critic|reviewer|review)s?\b",
        re.IGNORECASE,
    ),
)
# _PATTERNS before this index end at their description (a verb or a clause's end follows it);
# from it on, a pattern's whole match frames the description ("the tutu much reviewer").
_OPEN_ENDED = 2
# Words in a description that say nothing about which review it is.
_GENERIC = frozenset(
    terms(
        "review reviewer critic one guy person woman man lady blogger writer who that which gave "
        "give giving call called calling rate rated rating said say film movie it its this these "
        # the question's own framing ("the overall verdict from the reviewer who …")
        "overall verdict take thoughts thought opinion view views from about what how think feel"
    )
)
# A word this rare in English used by one review alone picks it even in a loose description;
# one this common ("a lot", "said") in a review's text says nothing of which it is.
_RARE_ZIPF, _COMMON_ZIPF = 3.0, 5.5
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "half": 0.5}
_RATED = re.compile(
    r"(?P<v>\d+(?:\.\d+)?|one|two|three|four|five)\s*(?:(?:/|out\s+of)\s*(?P<of>\d+)|-?\s*stars?)",
    re.IGNORECASE,
)
_RATING_LINE = re.compile(r"\brating:\s*(.{1,30})", re.IGNORECASE)


@dataclass(frozen=True)
class Described:
    review: Review
    description: str  # the words that described it, as typed
    # What to cut from the question: the description with the words that framed it ("the
    # critic who …", "whoever …", "the … one"); the description alone when empty.
    span: str = ""

    def strip_from(self, question: str) -> str:
        """The question without the description (what is left to search for)."""
        return " ".join(question.replace(self.span or self.description, " ").split())


def _rating(text: str) -> tuple[float, float] | None:
    if not (m := _RATED.search(text)):
        return None
    raw = m.group("v").lower()
    value = float(_NUMBERS.get(raw, raw))
    scale = float(m.group("of")) if m.group("of") else 5.0
    return value, scale


def review_rating(review: Review) -> tuple[float, float] | None:
    """(value, scale) from the front matter's rating, else a "Rating: …" line in the text."""
    key = (review.id, review.content_hash, review.rating)
    if key not in _RATINGS:
        if len(_RATINGS) >= CACHE_SIZE:
            _RATINGS.clear()  # a bot up for months sees many versions; start over, rarely
        _RATINGS[key] = _review_rating(review.rating, review.body)
    return _RATINGS[key]


# The per-review facts below are cached by the review's version: a question over an archive of
# thousands of reviews must not re-read every body or re-stem every byline (measured: 2.6 s per
# question at 8,811 reviews before these caches, most of it in re-compiling patterns). Keyed by
# version, not by text, so a cache never holds old review bodies alive.
CACHE_SIZE = 1 << 16
_RATINGS: dict[tuple[str, str, str | None], tuple[float, float] | None] = {}


def _review_rating(rating: str | None, body: str) -> tuple[float, float] | None:
    if rating:
        found = _rating(rating)
        if found:
            return found
    lines = _RATING_LINE.findall(body)
    return _rating(lines[-1]) if lines else None


def _meta_terms(review: Review) -> frozenset[str]:
    return _meta_terms_of(review.critic, review.outlet, review.title, review.id, review.url)


@lru_cache(maxsize=CACHE_SIZE)
def _meta_terms_of(*fields: str | None) -> frozenset[str]:
    critic, outlet, title, rid, url = fields
    words = " ".join(
        x for x in (critic, outlet, title, (rid or "").replace("-", " "),
                    re.sub(r"[/_.-]", " ", url or "")) if x
    )  # fmt: skip
    return frozenset(terms(words))


# First word of a critic or outlet name (case-folded) → [(the name, ids of its reviews)].
Bylines = dict[str, list[tuple[str, list[str]]]]


# A headline of this many words or more, typed in full, names its review ("Film Review –
# Ballerina").
HEADLINE_WORDS = 3


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def bylines(reviews: Mapping[str, Review]) -> Bylines:
    """The critic and outlet names (four characters or more) and the headlines (HEADLINE_WORDS
    words or more, other than the film's own name) of `reviews`, each under its rarest word
    among all the names: a question looks up its own words instead of testing every review's
    byline, and a word many names share ("Review 12 of …", "Critic …") brings up none of them.
    Built once per generation (`Catalogue.bylines`)."""
    grouped: dict[str, list[str]] = {}
    for r in reviews.values():
        film = {_words(r.film), *(_words(a) for a in r.aliases)}
        headline = r.title if r.title and len(_words(r.title)) >= HEADLINE_WORDS else None
        if headline is not None and _words(headline) in film:
            headline = None
        for name in dict.fromkeys((r.critic, r.outlet, headline)):
            if name and len(name) >= 4:
                grouped.setdefault(name, []).append(r.id)
    words = {name: set(_words(name)) for name in grouped}
    shared = Counter(w for ws in words.values() for w in ws)
    index: Bylines = {}
    for name, rids in grouped.items():
        if words[name]:
            rarest = min(words[name], key=lambda w: (shared[w], w))
            index.setdefault(rarest, []).append((name, rids))
    return index


@lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern[str]:
    """`name`'s words in order, whatever separates them ("Film Review - Ballerina" is typed for
    "Film Review – Ballerina")."""
    words = re.findall(r"\w+", name)
    return re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.IGNORECASE)


def described(
    question: str,
    reviews: Mapping[str, Review],
    review_ids_with: Callable[[str], set[str]],
    names: Bylines | None = None,
) -> Described | None:
    """The one review of `reviews` that `question` describes, or None (no description, or no
    clear winner).

    `review_ids_with(term)` → ids of reviews whose text contains the stemmed term; `names`:
    `bylines()` of all the generation's reviews (built here when not given)."""
    if len(reviews) < 2:
        return None
    # A critic, outlet or headline named outright ("what did Film Stories think…"): one review
    # only. A name with several reviews in scope (a critic of many films) does not pick one.
    named: dict[str, tuple[Review, str]] = {}
    by_word = names if names is not None else bylines(reviews)
    for word in dict.fromkeys(re.findall(r"\w+", question.casefold())):
        for name, rids in by_word.get(word, ()):
            m = _name_pattern(name).search(question)
            if not m:
                continue
            for rid in rids:
                if rid in reviews:  # in scope
                    named.setdefault(rid, (reviews[rid], m.group()))
    if len(named) == 1:
        r, text = next(iter(named.values()))
        # "the Film Stories guy": the words around the name go with it.
        around = (
            rf"(?:\b(?:the|that|this)\s+)?[\"'“‘]?{re.escape(text)}[\"'”’]?(?:['’]s?)?"
            rf"(?:\s+{_WHO}s?\b)?"
        )
        framed = re.search(around, question, re.IGNORECASE)
        return Described(r, text, framed.group() if framed else text)
    if named:
        return None
    for n, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(question):
            for start, stop in _readings(question, m, n):
                desc = question[start:stop].strip(" '\"‘’“”")
                # "the main guy" may be a person in the film: it must name the review itself
                # (rating, title, outlet, critic, URL, or a rare word only it uses: "the
                # POLTERGEIST game guy") unless a critic's doing follows ("the guy who hated
                # …"), which is how they wrote, not a word of their text ("joked").
                doing = _CRITICS_DOING.match(desc) if n < _OPEN_ENDED else None
                loose = (m.groupdict().get("who") or "").lower() in _PEOPLE and not (
                    n == 0 and doing
                )
                words = desc[doing.end() :] if doing and _rating(desc) is None else desc
                found = by_manner(desc, reviews)  # "the guy who swears a lot" (manner.py)
                found = found or _match(words, reviews, review_ids_with, meta_only=loose)
                if found is None:
                    continue
                # Cut with the words that framed it: "the critic who gave it 4/5", "the tutu one".
                end = m.end() if n >= _OPEN_ENDED else stop
                return Described(found, desc, question[m.start() : end].strip())
    return None


_LATER_VERB, _CLAUSE_END = re.compile(rf"\s+{_VERBS}\b", re.IGNORECASE), re.compile(_END)


def _readings(question: str, m: re.Match[str], n: int) -> list[tuple[int, int]]:
    """The spans of `question` the description of match `m` (of pattern `n`) may be, shortest
    first: as the pattern read it; for the "… who …" patterns also cut before each later verb
    ("the review that complains about the ads | think the movie adds…") or run to the clause's
    end ("the reviewer who said it | felt episodic")."""
    start, stop = m.start("desc"), m.end("desc")
    if n >= _OPEN_ENDED:
        return [(start, stop)]
    after = start + len(question[start:].split(maxsplit=1)[0])
    clause = _CLAUSE_END.search(question, stop)
    limit = clause.start() if clause else len(question)
    cuts = {stop, limit, *(v.start() for v in _LATER_VERB.finditer(question, after, limit))}
    return sorted((start, c) for c in cuts if c > after or c == stop)


def _match(
    desc: str,
    reviews: Mapping[str, Review],
    review_ids_with: Callable[[str], set[str]],
    *,
    meta_only: bool = False,
) -> Review | None:
    """The one review `desc` clearly describes; `meta_only`: by what is known of the review
    (rating, critic, outlet, title, id, URL words), not by words of its text."""
    wanted = _rating(desc)
    if wanted is not None:
        rated = [r for r in reviews.values() if (got := review_rating(r)) and
                 abs(got[0] / got[1] - wanted[0] / wanted[1]) < 1e-6]  # fmt: skip
        return rated[0] if len(rated) == 1 else None
    words = [t for t in dict.fromkeys(terms(desc)) if t not in _GENERIC and t not in _QUERY_STOP]
    if not words:
        return None
    typed = {t: w for w in re.findall(r"[\w'’-]+", desc.lower()) for t in terms(w)}  # for zipf
    meta = {rid: _meta_terms(r) for rid, r in reviews.items()}
    n, ids = len(reviews), set(reviews)
    scores = dict.fromkeys(reviews, 0.0)
    for t in words:
        in_meta = {rid for rid, ts in meta.items() if t in ts}
        using, often = review_ids_with(t) & ids, zipf(typed.get(t, t))
        rare = meta_only and often < _RARE_ZIPF and len(using) == 1
        in_text = set() if often >= _COMMON_ZIPF or (meta_only and not rare) else using
        df = len(in_meta | in_text)
        if not df or df == n:
            continue
        idf = math.log(1 + n / df)
        for rid in in_meta:
            scores[rid] += 2 * idf
        for rid in in_text - in_meta:
            scores[rid] += idf
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, second = ranked[0][1], ranked[1][1]
    if best > 0 and best >= 1.5 * second + 0.3:
        return reviews[ranked[0][0]]
    return None
