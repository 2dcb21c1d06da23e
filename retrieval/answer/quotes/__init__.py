"""Quote verification: a quote is a claim about a source, and the claim is what gets checked.

    parse_reply(text) -> list[Part]            an LLM reply → prose and quote claims
    verify(parts, numbered, reviews) -> Verified   claims judged against the critics' text

**Finding claims.** Every quoted span is a claim, whatever its marks: “…”, "…", ‘…’ and '…'
(when used as quotes, not as apostrophes: don't, critics’), «…», »…«, „…“, ＂…＂, 〝…〞, 「…」,
and Markdown `>` blockquote lines (a blockquote without quote marks inside is one claim). Line
breaks inside a quote are folded to spaces; quotes nested in a quote (a review quoting a title)
belong to the outer one. `[n]`, `[n, m]`, `[Passage n]` after a quote, or typed just inside its
closing mark, cite passage n (= numbered[n-1]). A double quote mark that pairs with nothing is
removed, so no prose can appear to be quoted.

**Judging a claim** against a review body. A quote is shown as the critic's words only when:

(a) it is verbatim up to `normalize` (whitespace, curly/straight quotes, dashes), each piece
    starting and ending on a word boundary (a `.` or `,` just inside the closing mark may be
    typography);
(b) with ellipses (…, ..., […]), every piece has at least 4 words and the pieces come in order
    from one sentence or two adjacent sentences;
(c) no negation or reversing qualifier (`NEGATIONS`) stands in the text it leaves out: the
    words before it in its clause, the words after it in its clause, or the text between its
    pieces; and no piece ends on one just before an ellipsis;
(d) it is not part of a question passed off as a statement (the sentence ends in `?` and the
    quote stops before it).

Clauses end at `; ( ) [ ]`, at a dash (not a hyphen) and before "but"; not at commas, since a
comma does not end a negation's reach ("That's not to say, however, that …").

A claim that fails (b)–(d) but matches verbatim is **widened** to its sentence(s), else its
clause, when that text passes and holds at most `WIDEN_MAX` characters: the widened source
text is shown and cited, and the claim still counts as dropped (the model's quote was not the
critic's). Otherwise the claim **fails**: its sentence goes when it holds no shown quote,
otherwise its words stay as plain prose without marks or `[n]`; counted as dropped.

**Where.** A quote found in the cited review (the cited passage's occurrence first) is
`verified`; found in another allowed review — retrieved ones first, then the corpus — it is
re-cited there (`recited`; quotes under 4 words are never moved to another review). An uncited
phrase under 4 words that occurs, and passes wherever it occurs, is scare quotes or a title: left
in quote marks, not cited, not counted; one that occurs only unfairly somewhere loses its marks
(still not counted: the critics did write it); one found nowhere counts as dropped.
Citation numbers follow first appearance, one per (review, quote); a bare `[n]` in prose points
at its review's first citation or goes.

Modules, each importing only those before it: `text` (normalising, negations), `sources` (a
review body analysed once), `claims` (judging), `parse` (reply → parts), `verify` (parts →
what is shown).
"""

from .claims import WIDEN_MAX, Outcome, Spans
from .parse import QuoteSpan, find_quotes, parse_reply
from .text import NEGATIONS, SUBSTANTIAL_WORDS, matches, normalize, occurs_in, pieces
from .verify import Verified, verify, verify_answer

__all__ = [
    "NEGATIONS",
    "SUBSTANTIAL_WORDS",
    "WIDEN_MAX",
    "Outcome",
    "QuoteSpan",
    "Spans",
    "Verified",
    "find_quotes",
    "matches",
    "normalize",
    "occurs_in",
    "parse_reply",
    "pieces",
    "verify",
    "verify_answer",
]
