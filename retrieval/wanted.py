"""The kind of fact a question wants, when only one kind answers it: a release date, a sum of money.

"When does it hit streaming?" and "what was the budget?" are what a film club asks most that no
review answers, and the sentences nearest their words ("it feels like a magic trick", "I have no
idea how much actual pyrotechnics…") were quoted as answers; of the 24 such questions labelled
in the tune, blind and session 12 sets, 14 were answered. A sentence that answers a "when does it
come out" question holds a date ("is out in UK cinemas on the 6th June"); one about home release
also says where ("streaming", "Netflix"); one answering "what did it cost" holds a sum; one
giving a Rotten Tomatoes score names the site; an age or a count of months, a number. A
question wanting one of these is answered only by sentences that have it, or refused.

    wanted(question) -> re.Pattern | None   # what an answering sentence must contain
"""

from __future__ import annotations

import re

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|(?-i:May)|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# A date or a time of release: "on the 6th June", "June 6", "in 2025", "next Friday", "this summer"
# (not the "may" of "you may walk away").
_DATE = (
    rf"\b(?:{_MONTHS})\b|\b\d{{1,2}}(?:st|nd|rd|th)\b|\b(?:19|20)\d\d\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:today|tomorrow|tonight)\b|"
    r"\b(?:next|this|last)\s+(?:week|weekend|month|year|spring|summer|autumn|fall|winter)\b|"
    r"\bout\s+now\b"
)
_HOME = (
    r"stream\w*|digital(?:ly)?|vod|on\s+demand|netflix|prime|amazon|peacock|hulu|disney\+?|"
    r"max|apple\s+tv|blu-?ray|dvd|4k|home\s+(?:release|video|entertainment)|rent(?:al)?|"
    r"buy|purchase"
)
_WHEN = (
    r"\b(?:when|what\s+date|"
    r"how\s+(?:long|many\s+(?:days|weeks|months))\s+(?:until|till|til|before))\b"
)
# Released: "come out", "open", "premiere"; "hit"/"drop"/"land" only where ("hit cinemas").
_WHERE = rf"(?:cinemas?|theat(?:er|re)s?|screens|uk|us|america|the\s+states|stores|{_HOME})"
_RELEASE = re.compile(
    rf"{_WHEN}.*?\b(?:(?:come|comes|coming|came|be|is|it['’]s|its)\s+(?:it\s+)?out\b|release[sd]?|releasing|open(?:s|ing)?\b|"
    rf"premiere[sd]?|arriv\w+|available|(?:hit|hits|hitting|drop|drops|dropping|land|lands|"
    rf"landing|come|comes|coming|get|gets|go|goes|going)\s+(?:\w+\s+)?(?:to\s+|on\s+|in\s+)?"
    rf"(?:the\s+)?{_WHERE}\b)|\brelease\s+date\b|{_WHEN}.*?\b(?:{_HOME})\b",
    re.IGNORECASE,
)
_HOME_ASKED = re.compile(rf"\b(?:{_HOME})\b", re.IGNORECASE)
_CINEMA = re.compile(r"\b(?:cinemas?|theat(?:er|re)s?|big\s+screen)\b", re.IGNORECASE)
# Money asked for: a budget, what it cost or made, what someone was paid.
_MONEY_ASKED = re.compile(
    r"\b(?:(?<!low[- ])(?<!big[- ])(?<!high[- ])(?<!small[- ])budget|"  # not "low budget"
    r"box\s+office\s+(?:gross|takings|numbers)|cost\s+to\s+make|production\s+cost|"
    r"how\s+much\s+(?:money\s+)?(?:did|does|was|is|were|has)\s+(?:\w+\s+){1,3}?"
    r"(?:cost|make|made|gross|grossed|earn|earned|pay|paid|get\s+paid)|salary)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$£€]\s?\d|\b\d+(?:\.\d+)?\s?(?:m|bn|k)\b|\b(?:million|billion|thousand)\b|"
    r"\bgross(?:ed)?\b|\bdollars?\b|\bpounds\b",
    re.IGNORECASE,
)


# Scores that sites aggregate: a sentence answers only by naming the site ("whats it sitting at
# on rotten tomatoes" quoted a line about Dead Man's Shoes).
_SITES = re.compile(
    r"\b(?:rotten\s*tomatoes|tomatometer|rt\s+score|metacritic|metascore|imdb|letterboxd|"
    r"cinemascore)\b",
    re.IGNORECASE,
)


# An age or a count of time ("how old was she when they shot it?", "how many months did she
# train?"): a sentence answers only with a number in it.
_NUMBER_ASKED = re.compile(
    r"\bhow\s+old\b|\bwhat\s+age\b|"
    r"\bhow\s+many\s+(?:minutes|mins|hours|hrs|days|weeks|months|years|times)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|hundreds?|thousands?|dozens?|decades?|couple|few|several)\b",
    re.IGNORECASE,
)


def wanted(question: str) -> re.Pattern[str] | None:
    """What a sentence must contain to answer `question`: a date, with where it is released when
    the question asks about release at home ("when does it hit streaming?"); a sum of money
    ("what was the budget?"); a score site's name ("its rotten tomatoes score?"); a number ("how
    old was she?"); None for every other question."""
    if _RELEASE.search(question):
        # "when does it come out? in cinemas i mean, not streaming": cinemas are asked about.
        home = _HOME_ASKED.search(question) and not _CINEMA.search(question)
        if home:
            return re.compile(rf"(?=.*\b(?:{_HOME})\b)(?=.*(?:{_DATE}))", re.IGNORECASE | re.S)
        return re.compile(_DATE, re.IGNORECASE)
    if _MONEY_ASKED.search(question):
        return _MONEY
    if _SITES.search(question):
        return _SITES
    if _NUMBER_ASKED.search(question):
        return _NUMBER
    return None
