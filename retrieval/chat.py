"""Chat spelling read as English: shorthand ("tmrw"), dropped g's ("goin"), stretched words
("draaag", "sooo"), and the filler words of chat ("lol", "ngl", "fr") that ask nothing.

A question analysed as typed would take "tmrw" or "lmaooo" for a name no review mentions and
refuse it ("No review mentions lmaooo."); query.py reads each word through `chat_spelling` first
and drops `CHAT_FILLER` from what is searched.
"""

from __future__ import annotations

import functools
import re


@functools.cache
def zipf(word: str) -> float:
    """How common `word` is in English (wordfreq's Zipf scale: 3 ≈ once per million words)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


_CHAT_ONE = re.compile(r"^(any|some|every|no)1$", re.IGNORECASE)
# Chat shorthand for everyday words (a typo mender would take "tmrw" for a name).
_SHORTHAND = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "2moro": "tomorrow",
    "tonite": "tonight", "ppl": "people", "pls": "please", "plz": "please", "rn": "now",
    "b4": "before", "bc": "because", "cuz": "because", "coz": "because", "abt": "about",
    "gr8": "great", "idk": "I don't know", "imo": "in my opinion", "tbh": "honestly",
    "alot": "a lot",
}  # fmt: skip
# Chat's filler: reactions and hedges that ask nothing ("ngl is it good lol"), dropped from what
# is searched like the framing words ("what did the critics say about").
CHAT_FILLER = re.compile(
    r"(?<![\w'’-])(?:lol+|lo+l|lmf?a+o+|rofl|ngl|fr|tbh|lowkey|highkey|bruh|smh|omg|omfg|imo|"
    r"imho|fwiw|btw|ikr|istg|deadass|no\s+cap|haha+|hehe+)(?![\w-])",
    re.IGNORECASE,
)
# Three or more of one letter: a word stretched for effect ("sooo", "draaag", "reeeally").
_STRETCHED = re.compile(r"([a-z])\1{2,}")
STRETCH_ZIPF = 3.0  # the word it is read as must be at least this common


def chat_spelling(word: str) -> str:
    """`word` as spelt out of chat shorthand: "tmrw" → "tomorrow", "any1" → "anyone", a dropped
    g ("goin", "lookin'") → "going", "looking" when that is the more common English word, a
    stretched word ("draaag" → "drag", "sooo" → "so") when what it stretches is common."""
    low = word.lower().rstrip("'’")
    if low in _SHORTHAND:
        return _SHORTHAND[low]
    if m := _CHAT_ONE.match(low):
        return m.group(1) + "one"
    if len(low) >= 4 and low.endswith("in") and zipf(low + "g") >= max(3.0, zipf(low) + 1.5):
        return low + "g"
    if _STRETCHED.search(low):
        # The commonest of the word with each run cut to two letters or to one.
        reads = {_STRETCHED.sub(r"\1\1", low), _STRETCHED.sub(r"\1", low)}
        best = max(sorted(reads), key=zipf)
        if zipf(best) >= STRETCH_ZIPF:
            return best
    return word
