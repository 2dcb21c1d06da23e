"""Critics described by how they write: "the guy who swears a lot", "the sweary one", "the ALL
CAPS guy" (a critic who types film titles in capitals).

    by_manner(description, reviews) -> Review | None

A description that names a manner picks the review that shows it most, when that review shows
it at least MARGIN times as often as any other; otherwise nobody (describe.py goes on as usual).
Counts, not rates: one oath in a short review is not a critic who swears a lot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .models import Review

# The description names the manner...
_SWEARING = re.compile(
    r"\b(?:swear\w*|sweary|curs(?:es|ed|ing)|cuss\w*|profan\w*|potty[- ]mouth\w*|f[- ]?bombs?|"
    r"foul[- ]mouth\w*)\b",
    re.IGNORECASE,
)
_SHOUTING = re.compile(r"\b(?:all[- ]?caps|caps[- ]?lock|capitals|capital\s+letters)\b", re.I)
# ...and how it shows in a review's text. Strong language only: "hell" and "damn" are as often
# the critic's figure of speech ("Hell, even the title…"). A dozen words: no library needed.
_OATHS = re.compile(
    r"\b(?:shit\w*|fuck\w*|bullshit|bitch\w*|asshole\w*|bastard\w*|goddamn\w*|piss\w*)\b",
    re.IGNORECASE,
)
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
MARGIN = 2.0


# Counts by review version (as describe.py caches), so no cache holds old review bodies alive.
CACHE_SIZE = 1 << 16
_COUNTS: dict[tuple[str, str, str], int] = {}


def _count(kind: str, review: Review) -> int:
    key = (kind, review.id, review.content_hash)
    if key not in _COUNTS:
        if len(_COUNTS) >= CACHE_SIZE:
            _COUNTS.clear()
        _COUNTS[key] = len((_OATHS if kind == "oaths" else _CAPS_WORD).findall(review.body))
    return _COUNTS[key]


def by_manner(description: str, reviews: Mapping[str, Review]) -> Review | None:
    """The one review whose writing `description` names ("swears a lot", "ALL CAPS"), or None."""
    if _SWEARING.search(description):
        kind = "oaths"
    elif _SHOUTING.search(description):
        kind = "caps"
    else:
        return None
    counts = sorted(((_count(kind, r), rid) for rid, r in reviews.items()), reverse=True)
    if not counts or counts[0][0] == 0:
        return None
    if len(counts) > 1 and counts[0][0] < MARGIN * counts[1][0]:
        return None
    return reviews[counts[0][1]]
