"""How strongly a sentence judges rather than describes, from the VADER sentiment lexicon.

A critic's view ("the action is excellent", "its weakest aspect") answers a fan's question better
than a plot sentence that shares a word with it. VADER (vaderSentiment) ships a lexicon of ~7,500
English words rated by people from -4 to +4; we read that file and score a sentence by its
strongest word, which costs one set look-up per word — VADER's own `polarity_scores` (rules for
negation, boosters, punctuation) measured ~0.1 ms a sentence, too slow for the hundreds of
candidate sentences scored per question. A few words critics use for faults that VADER does not
list are added below.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

_WORD = re.compile(r"[a-z][a-z'’-]*")

# Critics' words of judgement missing from VADER's lexicon (valence on VADER's -4..4 scale).
_CRITICS = {
    "thin": -1.5, "unnecessary": -1.5, "uninspired": -1.8, "generic": -1.2, "clunky": -1.5,
    "repetitive": -1.5, "derivative": -1.5, "bloated": -1.5, "shoehorned": -1.5,
    "forgettable": -1.8, "perfunctory": -1.5, "stilted": -1.5, "disjointed": -1.3,
    "episodic": -0.8, "overlong": -1.5, "tedious": -2.0, "flat": -1.0, "lifeless": -2.0,
    "gripping": 2.0, "thrilling": 2.2, "riveting": 2.2, "stunning": 2.5, "rules": 1.5,
    "banger": 2.0, "standout": 2.0, "serviceable": 0.5, "committed": 1.2, "convincingly": 1.5,
    "undeniably": 1.0, "joyless": -2.0, "recommend": 1.5, "worth": 1.0,
}  # fmt: skip


@functools.cache
def lexicon() -> dict[str, float]:
    """word → valence (-4..4): VADER's lexicon plus `_CRITICS`."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    words: dict[str, float] = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha():
            try:
                words[parts[0]] = float(parts[1])
            except ValueError:
                continue
    words.update(_CRITICS)
    return words


def strength(text: str) -> float:
    """0..1: the strongest judgement word in `text` (|valence| / 4), 0 for pure description."""
    words = lexicon()
    best = 0.0
    for w in _WORD.findall(text.lower()):
        v = words.get(w.replace("’", "'"))
        if v is not None and abs(v) > best:
            best = abs(v)
    return min(best / 4.0, 1.0)
