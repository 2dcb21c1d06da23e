"""Chat spelling read as English: shorthand ("tmrw", "ch3"), dropped g's ("goin"), stretched words
("draaag", "sooo"), and the filler words of chat ("lol", "ngl", "fr") and emoji that ask nothing.

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
    "alot": "a lot", "ch": "chapter", "chap": "chapter", "pt": "part", "smth": "something",
    "sth": "something", "smthng": "something", "nvm": "never mind", "prolly": "probably",
    # film talk: "who was the DP", "is it all CGI" (the acronym kept beside what critics write)
    "dp": "cinematographer", "dop": "cinematographer", "cgi": "cgi digital effects",
    "vfx": "visual effects", "sfx": "special effects", "fx": "effects", "ost": "soundtrack",
    "bts": "behind the scenes", "mc": "main character",
    # the commonest slips of short words, too short for the typo mender
    "teh": "the", "hte": "the", "adn": "and", "taht": "that", "waht": "what", "wat": "what",
    "wut": "what", "jsut": "just", "mins": "minutes", "hrs": "hours", "secs": "seconds",
    # letters for words ("the one w the tutu pun", "club fights r the best") and sound-spelling
    "w": "with", "r": "are", "thru": "through", "fite": "fight",
    "fites": "fights", "luv": "love", "gud": "good", "wanna": "want to", "gonna": "going to",
    # a dropped apostrophe ("whos" is "who's", not "whose")
    "whos": "who is", "whats": "what is", "hows": "how is", "wheres": "where is",
}  # fmt: skip
# A numbered film in shorthand: "ch3", "chap4", "pt2".
_NUMBERED = re.compile(r"^(ch|chap|pt)(\d{1,2})$", re.IGNORECASE)
# Chat's filler: reactions and hedges that ask nothing ("ngl is it good lol"), dropped from what
# is searched like the framing words ("what did the critics say about").
CHAT_FILLER = re.compile(
    r"(?<![\w'’-])(?:lol+|lo+l|lmf?a+o+|rofl|ngl|fr|tbh|lowkey|highkey|bruh|smh|omg|omfg|imo|"
    r"imho|fwiw|btw|ikr|istg|deadass|no\s+cap|haha+|hehe+|tl;?dr|straight\s+up|or\s+what|"
    r"wait|real\s+q|h+m+|u+m+|u+h+|erm+|@[\w.]+)(?![\w-])"  # "@reviewbot": addressing
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+",  # emoji ("🩰", "😭") ask nothing
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
    if low in _SHORTHAND and (len(low) > 1 or word == low):  # "r", not the R of "rated R"
        return _SHORTHAND[low]
    if m := _CHAT_ONE.match(low):
        return m.group(1) + "one"
    if m := _NUMBERED.match(low):
        return f"{_SHORTHAND[m.group(1)]} {m.group(2)}"
    if len(low) >= 4 and low.endswith("in") and zipf(low + "g") >= max(3.0, zipf(low) + 1.5):
        return low + "g"
    if _STRETCHED.search(low):
        # The commonest of the word with each run cut to two letters or to one.
        reads = {_STRETCHED.sub(r"\1\1", low), _STRETCHED.sub(r"\1", low)}
        best = max(sorted(reads), key=zipf)
        if zipf(best) >= STRETCH_ZIPF:
            return best
    return word


# British and American spellings of one word: the reviews may spell it the other way.
_VARIANTS = (
    (r"(\w{3,})ter$", r"\1tre"),
    (r"(\w{3,})tre$", r"\1ter"),  # theater / theatre
    (r"(\w{2,})or$", r"\1our"),
    (r"(\w{2,})our$", r"\1or"),  # humor / humour
    (r"(\w{2,})ize$", r"\1ise"),
    (r"(\w{2,})ise$", r"\1ize"),  # criticize / criticise
    (r"(\w{2,})yze$", r"\1yse"),
    (r"(\w{2,})yse$", r"\1yze"),  # analyze / analyse
    (r"^gray", "grey"),
    (r"^grey", "gray"),
)


def spelling_variants(word: str) -> list[str]:
    """`word` spelt the other side of the Atlantic ("theater" → "theatre", "humour" → "humor"),
    with a plural or -s kept as typed."""
    low = word.lower()
    stem, tail = (low[:-1], "s") if low.endswith("s") and len(low) > 4 else (low, "")
    found = []
    for pattern, repl in _VARIANTS:
        other = re.sub(pattern, repl, stem)
        if other != stem:
            found.append(other + tail)
    return found
