"""A critic's overall verdict: the sentence where a review sums up whether the film is worth it.

"Is it any good?", "thumbs up or down?" (`Query.overall`) name no topic, so nothing in them says
which sentence answers: the sentence model (ranker.py) ranks a review's plot and trivia as
readily as its bottom line. Critics sum up where reviews end, in words that judge the film as a
whole, so a sentence of a review's closing half scores by
- how strongly it judges (stance.py) and how close it is to a stock verdict (`VERDICT`);
- naming the film as a whole ("Ballerina works because…", "this is a perfectly serviceable
  picture") rather than a part of it;
- the words of a summing-up ("overall", "ultimately", "worth seeing", "recommend") or a
  recommendation ("if you're drawn to…");
- standing in the last two paragraphs.
Release notes ("is out in UK cinemas on…"), "Note:" lines and "Rating:" lines are no verdict.
The weights were set by hand and checked on the tune set's plain verdict questions
(data/eval/verdict_tune.jsonl); there are too few labelled verdicts to fit them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from .chunking import paragraphs
from .features import RATING

if TYPE_CHECKING:
    from .search import Searcher

# What search embeds for an overall-verdict question instead of the fan's words.
VERDICT = "Overall, the film is worth seeing and I recommend it, or it is a disappointment."
CLOSING = 0.5  # the share of a review, from its end, where verdicts are looked for
WEIGHTS = {"cosine": 0.3, "stance": 0.3, "film": 0.1, "summing": 0.15, "advice": 0.05, "end": 0.1}
_SUMMING = re.compile(
    r"\b(?:overall|in the end|ultimately|all in all|in short|bottom line|recommend\w*|works|"
    r"worth (?:seeing|watching|a (?:watch|look)|the (?:price|ticket|wait)|your))\b",
    re.IGNORECASE,
)
_ADVICE = re.compile(r"\bif you(?:['’]re| are)?\b", re.IGNORECASE)
_NOT_A_VERDICT = re.compile(
    r"\b(?:is|are) out\b|\bin (?:uk |us )?(?:cinemas|theaters|theatres) (?:on|from|now)\b|^note:",
    re.IGNORECASE,
)
_AS_A_WHOLE = r"\b(?:the|this) (?:film|movie|picture)\b|\bthis one\b"


def _film_pattern(names: list[str]) -> re.Pattern[str]:
    """The film as a whole: "the film", "this one", or its shortest name as a title is written
    ("Ballerina", "BALLERINA"; not "a ballerina")."""
    short = min(names, key=len).strip() if names else ""
    alt = [f"(?i:{_AS_A_WHOLE})"]
    if short:
        alt.append(rf"\b(?:{re.escape(short)}|{re.escape(short.upper())})\b")
    return re.compile("|".join(alt))


def scores(searcher: Searcher, vector: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Sentence row → how much it reads as its review's overall verdict (0 outside a review's
    closing half), for every sentence of the passages `rows`; `vector` is `VERDICT`'s."""
    snap = searcher.snapshot
    names: dict[str, list[str]] = {}
    for film in snap.films:
        for rid in film.review_ids:
            names[rid] = list(film.names())
    idx = sorted({j for r in rows for j in range(*snap.passage_sentences[r])})
    at = np.asarray(idx, dtype=np.int64)
    cosine = np.asarray(snap.sentence_vectors[at] @ vector).tolist() if idx else []
    out: dict[int, float] = {}
    spans: dict[str, tuple[int, int, int, re.Pattern[str]]] = {}
    w = WEIGHTS
    for j, cos in zip(idx, cosine, strict=True):
        ref = snap.sentences[j]
        rid = ref.review_id
        if rid not in spans:
            first, last = searcher.review_span(rid)
            paras = list(paragraphs(snap.reviews[rid].body))
            ending = paras[-2].start if len(paras) >= 2 else 0
            spans[rid] = (first, last, ending, _film_pattern(names.get(rid, [])))
        first, last, ending, whole = spans[rid]
        text = snap.sentence_text(j)
        if (j - first) < CLOSING * (last - first) or RATING.search(text):
            out[j] = 0.0
            continue
        if _NOT_A_VERDICT.search(text):
            out[j] = 0.0
            continue
        out[j] = (
            w["cosine"] * float(cos)
            + w["stance"] * searcher.traits(j).stance
            + w["film"] * bool(whole.search(text))
            + w["summing"] * bool(_SUMMING.search(text))
            + w["advice"] * bool(_ADVICE.search(text))
            + w["end"] * (ref.start >= ending)
        )
    return out
