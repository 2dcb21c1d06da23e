"""The kind of answer a question wants, read from its words (query.py analyses the rest).

- `rating`: stars, scores ("how many stars did it get?"), never the censor's age rating;
- `comparison`: who liked X most, do the critics agree;
- `verdict`: is it worth it, did anyone hate it;
- else `topic`.
A verdict or comparison whose words name no topic (only `GENERIC_TERMS` and `OVERALL_TERMS`,
and the film's own name) asks for each critic's overall verdict (`Query.overall`, verdict.py).
"""

from __future__ import annotations

import re
from typing import Literal

from .lexical import _QUERY_STOP, terms

Intent = Literal["topic", "verdict", "comparison", "rating"]

_RATING = re.compile(
    r"\b(?:ratings?|rated|star\s+ratings?|how\s+many\s+stars|\w+\s+stars?\s+out|(?:\d|one|two|three|"
    r"four|five)(?:\.\d)?\s*stars?|score[sd]?\s+(?:it|the\s+film|out\s+of)|out\s+of\s+(?:5|five|10|ten)|"
    r"grade[sd]?|marks?\s+out)\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:who|which)\b.*\b(?:most|least|best|worst|harshest|kindest|nicest|meanest|more|less|"
    r"favou?rite|fan|fans|hated|loved|liked|disliked|enjoyed|critical|positive|negative|"
    r"harsh|kind|generous|agree|disagree)\b"
    r"|\b(?:do|did|does)\s+(?:the\s+)?(?:critics|reviewers|reviews|they)\s+(?:all\s+)?(?:agree|disagree|differ)"
    r"|\bcompare[sd]?\b|\bcomparison\b|\bconsensus\b|\bsplit\b|\bdivided\b|\bvs\.?\b|\bversus\b",
    re.IGNORECASE,
)
_VERDICT = re.compile(
    r"\b(?:worth|recommend\w*|verdict|overall|liked|dislike[sd]?|love[sd]?|hate[sd]?|enjoy\w*|"
    r"good|bad|great|terrible|awful|fun|boring|disappoint\w*|any\s+good|should\s+i|"
    r"thumbs|watch\s+it|see\s+it|impress\w*|positive|negative|praise\w*|criticis\w*|"
    r"complain\w*|problem\w*|flaws?|weak\w*|strong\w*|best|worst|better|worse|succeed\w*|"
    r"fail\w*|work(?:s|ed)?|land(?:s|ed)?|hold\s+up|live\s+up|like\s+(?:it|this)|"
    r"go(?:es)?\s+down|must[\s-]+see|skip|decent|hit\s+or\s+miss|reception|received|reviews?\s+"
    r"(?:are|is)\s+look\w*|how\s+are\s+the\s+reviews)\b",
    re.IGNORECASE,
)


# Subject words that carry no topic: with only these left, a question asks for a verdict.
GENERIC_TERMS = frozenset(
    terms(
        "film movie it worth watching watch see seeing going go good bad great best worst most "
        "least positive negative harsh harshest kind kindest nice liked like loved hated disliked "
        "enjoyed recommend recommended overall verdict critic critics reviewer review one who "
        "which better worse fan fans favourite favorite part thing things really actually their "
        "them they was were is are any all whole well much more less"
    )
)
# Whether to go at all ("thumbs up or down?", "worth the ticket price?", "should I skip it?"): a
# verdict question with only these, generic words and the film's name asks for overall verdicts.
OVERALL_TERMS = frozenset(
    terms(
        # whether to go, and when and where
        "thumbs up down skip ticket tickets price money time cinema cinemas theater theaters "
        "theatre weekend tonight tomorrow monday tuesday wednesday thursday friday saturday "
        "sunday streaming stream home bother wait must see should would could "
        # a verdict in a word
        "decent hit miss hype consensus reception mid trash masterpiece "
        # chat
        "i you u we me ok okay real talk nah lol tho honestly even its yo hey guys anyone "
        "anybody know just so"
    )
)


# An age rating ("is it rated R?", "PG-13") is the censor's, not a critic's: no `rating` intent.
# The question asks who plays a part ("who plays eve?", "the actress playing the director").
CAST = re.compile(
    r"\bwho\s+(?:plays?|played|is\s+playing|portrays?|portrayed|voices?|was\s+cast)\b|"
    r"\bplayed\s+by\b|\b(?:actor|actress)\s+(?:who|that|playing)\b|"
    r"\bwho\s+(?:is|was|['’]s)\s+(?:the\s+)?(?:actor|actress)\b|"
    r"\bwhat\s+(?:character|role|part)\s+(?:does|did|is)\b",
    re.IGNORECASE,
)
AGE_RATING = re.compile(
    r"\b(?:rated\s+(?:r|pg|g|nc|m|ma|15|18|12a?)\b|pg-?13|nc-?17|age\s+rating|certificate|"
    r"mpaa|bbfc|"
    # "is it a 15 or an 18", "what's it rated?", "ok for my 13 yr old", "kid friendly"
    r"(?:is\s+it|it['’]?s)\s+(?:a|an)\s+(?:u|pg|12a?|15|18)\b|rated\s*\?|"
    r"\d{1,2}\s*-?\s*(?:yr|year)s?\s*-?\s*olds?\b|(?:kid|family|child)[- ]friendly)",
    re.IGNORECASE,
)


def intent_of(question: str) -> Intent:
    if _RATING.search(question) and not AGE_RATING.search(question):
        return "rating"
    if _COMPARISON.search(question):
        return "comparison"
    if _VERDICT.search(question):
        return "verdict"
    return "topic"


# Asking for a critic's view as a whole: no topic of its own ("sum up the 4/5 review").
_SUMMING_TERMS = frozenset(
    terms(
        "sum summary summarise summarize up verdict take positive negative opinion overall think "
        "thought feel felt like liked love loved hate hated rate rated view views about what how "
        "did does was were from vs versus"
    )
)


def topic_terms(subject: str) -> list[str]:
    """The words of `subject` that name a topic: not framing, a verdict word, going to see it,
    or asking for a view as a whole."""
    return [
        t for t in terms(subject)
        if t not in _QUERY_STOP and t not in GENERIC_TERMS | OVERALL_TERMS | _SUMMING_TERMS
    ]  # fmt: skip
