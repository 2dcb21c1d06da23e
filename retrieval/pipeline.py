"""Ask and summary, read top-down; every step works on ONE snapshot of the index.

    ask:     validate → resolve scope (critic, film, a critic described in the question) →
             analyse the question (subject, typos, names, intent: query.py) → embed ONCE →
             search ONCE → answer (LLM, else extractive) → verify (quotes.verify, both modes)
             → Answer
    summary: find the review → its passages → answer (LLM, else extractive) → verify → Answer

An LLM answer that fails (error, timeout, no verifiable quote) falls back to the extractive one,
with the reason in `Answer.fallback_reason`. On an index of several films, a question that names
films is scoped to their reviews (films.py) and every citation carries its film.

Long because `ask` is kept as one top-down reading of the whole path, scope to verified answer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import verdict
from .answer import cast, extractive, summary
from .answer.quotes import Verified, parse_reply, verify
from .catalogue import Catalogue
from .defaults import MAX_QUESTION_CHARS, K
from .describe import described
from .embeddings import Embedder
from .errors import BadQuestion, LLMError, UserError
from .films import Film, film_terms, names_film, scoping_films, with_films, without_films
from .intent import topic_terms
from .lexical import _QUERY_STOP
from .llm import LLM
from .llm.prompting import NO_PASSAGES_TEXT, StreamFilter, cut_reply, strip_not_found
from .models import Answer, Part, Review, ScoredPassage
from .names import full_names, written_as_name
from .overall import OverallExamples
from .query import COMMON_ZIPF, Query, analyse, is_first_name, mend_text, zipf
from .search import Searcher
from .store import Snapshot
from .wanted import wanted

log = logging.getLogger(__name__)

OnDelta = Callable[[str], None]
NOTHING_VERIFIABLE = "the model quoted nothing verifiable"


@dataclass(frozen=True)
class Live:
    """One generation of the index with everything computed from it, swapped as one."""

    snapshot: Snapshot
    searcher: Searcher
    catalogue: Catalogue


@dataclass(frozen=True)
class Asked:
    """A question made ready to search (`Pipeline.prepare`)."""

    question: str  # validated, whitespace folded
    scope: set[str] | None  # the review ids to search, or None for all
    query: Query
    qvec: np.ndarray
    note: str  # "Answering from X's review." when a described critic set the scope
    shown: list[Film]  # the films named as the scope, to say so in the answer
    missing: list[str]  # names in the question that no review in scope uses
    uncovered: bool  # every name the question has is missing
    embed_ms: float


# What a critic's overall verdict sounds like; pulled into the question's vector when it asks for
# verdicts without a topic ("was it worth it?"). Tuned on data/eval/tune.jsonl.
VERDICT_PULL = 1.0
# A capitalised everyday word no review uses ("Saturday", "Planning") is no person or thing a
# question about the film as a whole could be asking after.
PLAN_ZIPF = 4.5


def _no_mention(names: Sequence[str], review: Review | None = None) -> str:
    """ "No review mentions X or Y.", or "<critic>'s review does not mention X." when one review
    is asked about (others may well mention X)."""
    if not names:
        return ""
    said = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    if review is not None:
        return f"{review.display_name}'s review does not mention {said}."
    return f"No review mentions {said}."


def _one_review(scope: set[str] | None, snap: Snapshot) -> Review | None:
    return snap.reviews[next(iter(scope))] if scope is not None and len(scope) == 1 else None


# A second critic beside the first: "… and the tutu one", "… vs the high table reviewer".
_TWO_CRITICS = re.compile(
    r"\b(?:and|vs\.?|versus|or|than|compared\s+(?:to|with))\s+(?:the|that|this|whoever)\b",
    re.IGNORECASE,
)

# Reviews read for the longer forms of a name the reviews in scope do not use.
NAME_FORMS_READ = 20


def _lower_case_names(query: Query, live: Live, in_scope: set[str]) -> list[str]:
    """Words of the question that the reviews write as names ("keanu", "gabriel byrne" typed in
    lower case; neighbours make one name): when only some reviews are asked about, they must
    use them too (query.py takes a lower-case word for a name only when no review uses it, and
    "flamethrower" is rare but no name); and a verdict question naming one is about them. A
    name every review of the film uses ("john wick" of a Wick spin-off) tells neither."""
    typed = " ".join(query.names).lower()
    snap = live.snapshot
    film = {r for f in snap.films if in_scope.intersection(f.review_ids) for r in f.review_ids}
    found: list[list[str]] = []
    end = -1
    for m in re.finditer(r"[A-Za-z][\w'’-]*", query.subject):
        word = re.sub(r"['’]s?$", "", m.group()).lower()
        if len(word) < 3 or word in typed or zipf(word) >= COMMON_ZIPF:
            continue
        using = live.searcher.reviews_naming(word) or set()
        if film <= using:
            continue
        bodies = [snap.reviews[r].body for r in sorted(using)[:NAME_FORMS_READ]]
        if written_as_name(word, bodies):
            if found and not query.subject[end : m.start()].strip():
                found[-1].append(word)
            else:
                found.append([word])
            end = m.end()
    return list(dict.fromkeys(" ".join(words) for words in found))


def _missing_names(
    names: Sequence[str], live: Live, in_scope: set[str], named: Sequence[Film]
) -> list[str]:
    """The `names` no review in scope uses, in any of the longer forms other reviews give them
    (asked about "keanu", a review that says "Reeves" uses the name: "Keanu Reeves")."""
    searcher, reviews = live.searcher, live.snapshot.reviews
    missing = []
    for name in names:
        naming = searcher.reviews_naming(name)
        if naming is None or naming & in_scope or names_film(name, named):
            continue
        bodies = [reviews[r].body for r in sorted(naming)[:NAME_FORMS_READ]]
        own = {w.lower() for w in name.split()}
        forms = {w.lower() for n in full_names(name, bodies) for w in n.split()} - own
        # A surname says who is meant; a first name or an everyday word ("John") does not.
        forms = {w for w in forms if zipf(w) < COMMON_ZIPF and not is_first_name(w)}
        if not any((searcher.reviews_naming(w) or set()) & in_scope for w in forms):
            missing.append(name)
    return missing


class Pipeline:
    def __init__(
        self,
        embedder: Callable[[], Embedder],
        llm: LLM | None = None,
        *,
        default_k: int = K,
        max_question_chars: int = MAX_QUESTION_CHARS,
        clock: Callable[[], float] = time.monotonic,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: where vectors computed once for the model may be kept (overall.py)."""
        self._embedder = embedder
        self.llm = llm
        self.default_k = default_k
        self.max_question_chars = max_question_chars
        self._clock = clock
        self._aspects: dict[tuple[tuple[str, str], ...], np.ndarray] = {}
        self._aspects_lock = threading.Lock()
        self._verdict: np.ndarray | None = None
        self._overall = OverallExamples(
            lambda texts: self._embedder().embed_documents(texts), cache_dir
        )

    # -- validate --------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        text = " ".join((question or "").split())
        if not text:
            raise BadQuestion("The question is empty: ask something about the reviews.")
        if len(question) > self.max_question_chars:
            raise BadQuestion(
                f"The question is {len(question)} characters long; the limit is "
                f"{self.max_question_chars}. Please shorten it."
            )
        return text

    # -- ask -------------------------------------------------------------------------------
    def ask(
        self,
        live: Live,
        question: str,
        *,
        critic: str | None = None,
        film: str | None = None,
        k: int | None = None,
        use_llm: bool = True,
        on_delta: OnDelta | None = None,
    ) -> Answer:
        t0 = self._clock()
        question = self.check_question(question)
        k = k or self.default_k
        if k < 1:
            raise UserError(f"-k must be at least 1, not {k}")
        asked = self.prepare(live, question, critic=critic, film=film)
        question = asked.question
        query, scope, missing, uncovered = asked.query, asked.scope, asked.missing, asked.uncovered
        note, shown = asked.note, asked.shown
        snap, searcher = live.snapshot, live.searcher
        in_scope = set(scope if scope is not None else snap.reviews)
        t2 = self._clock()
        # "Is it any good?" names no topic: search for each review's verdict (verdict.py).
        vector = self._verdict_vector() if query.overall else asked.qvec
        hits = searcher.search(query, vector, k=k, review_ids=scope)
        credit = cast.credits(*cast.part_asked(query.subject, _QUERY_STOP)) if query.cast else None
        if credit is not None:  # "who plays Eve's dad?": the credit, wherever it is
            hits = cast.with_credits(hits, searcher, credit)
        t3 = self._clock()
        timings = {"embed_ms": asked.embed_ms, "search_ms": (t3 - t2) * 1e3}
        scored = tuple(h.scored() for h in hits)
        numbered = [h.passage for h in hits]
        # One critic asked about: their closest words answer; else the model's answer bar.
        floor = extractive.SCOPED_FLOOR if scope is not None and len(scope) == 1 else None

        def not_covered(fallback: str | None = None) -> Answer:
            """found=False: say so plainly; offer the closest sentences only if related (and,
            being under the bar, never the answer just refused)."""
            lead = (
                _no_mention(missing, _one_review(scope, snap))
                if uncovered
                else "No review covers that question."
            )
            parts = [Part("text", lead)]
            closest = extractive.closest_sentences(hits, snap, asked.qvec, floor)
            if closest:
                parts += [Part("break"), Part("text", "The closest passages:"), *closest]
            checked = verify(parts, numbered, snap.reviews)
            answer = self._answer(question, checked, False, scored, t0, timings, fallback)
            return with_films(answer, snap.films, snap.reviews, shown)

        if uncovered:
            return not_covered()

        fallback: str | None = None
        if self.llm is not None and use_llm:
            try:
                answer = llm_answer(
                    self.llm, question, list(scored), snap.reviews,
                    on_delta=on_delta, clock=self._clock,
                )  # fmt: skip
            except LLMError as err:
                log.warning("LLM failed (%s); answering extractively", err.reason)
                fallback = err.reason
            else:
                answer = _finish(answer, t0, timings, self._clock)
                return with_films(answer, snap.films, snap.reviews, shown)

        draft: list[Part] = []
        if credit is not None:  # "who plays Eve?": the sentences that credit a player for it
            draft = extractive.answer_question(hits, snap, in_scope=len(in_scope), credit=credit)
        wants = wanted(question)
        if credit is None:  # a "who plays" question no credit answers is refused
            draft = extractive.answer_question(
                hits, snap, in_scope=len(in_scope), intent=query.intent, floor=floor,
                age_rating=query.age_rating, overall=query.overall, wants=wants,
            )  # fmt: skip
        if not draft and credit is None:
            # Under the model's bar, but a sentence as close to the question as this is what a
            # refusal would offer as "the closest passages" — and a fan reads it as the answer
            # ("is it super loud?" → "…with the sound design pumped up to the max"): answer
            # with it rather than refuse and show it.
            close = extractive.closest_sentences(
                hits, snap, asked.qvec, floor, related=extractive.ANSWERING, wants=wants
            )
            quoted = sum(1 for p in close if p.kind == "name")
            draft = (
                [Part("text", extractive.lead_in(quoted, len(in_scope))), *close] if close else []
            )
        if not draft:
            return not_covered(fallback)
        if note:
            draft = [Part("text", note), Part("break"), *draft]
        if missing:
            draft += [Part("break"), Part("break"),
                      Part("text", _no_mention(missing, _one_review(scope, snap)))]  # fmt: skip
        checked = verify(draft, numbered, snap.reviews)
        if not checked.citations:
            return not_covered(fallback)
        answer = self._answer(question, checked, True, scored, t0, timings, fallback)
        return with_films(answer, snap.films, snap.reviews, shown)

    def prepare(
        self,
        live: Live,
        question: str,
        *,
        critic: str | None = None,
        film: str | None = None,
    ) -> Asked:
        """Validate, resolve the scope (critic, film, a critic described in the question),
        analyse the question (query.py) and embed it: everything search needs."""
        question = self.check_question(question)
        snap, searcher = live.snapshot, live.searcher
        # Scope: the critic asked for, the film, or a critic described in the question ("the
        # reviewer who gave it four stars"); then what the question asks (query.py).
        scope: set[str] | None = None
        if critic:
            scope = {live.catalogue.find_review(critic).id}
        if film:
            film_ids = live.catalogue.film_ids(film)
            scope = film_ids if scope is None else scope & film_ids
        named: list[Film] = []  # the films the question names, when they set the scope
        if not critic and not film:
            named = scoping_films(question, snap.films)
            if named:
                scope = {i for f in named for i in f.review_ids}
        asked, note = question, ""
        described_critics: list[str] = []
        if named:
            asked = without_films(question, named)
        if not critic:
            # Among the reviews in scope: "what did Ann Lee think of Heat?" is her Heat review.
            pool = snap.reviews if scope is None else {i: snap.reviews[i] for i in scope}
            found = described(asked, pool, searcher.review_ids_with, live.catalogue.bylines)
            if found is None:
                # "the 4 star reviewr": described once its typos are mended.
                mended, fixes = mend_text(asked, searcher.lexical.has, searcher.vocabulary)
                if fixes:
                    found = described(
                        mended, pool, searcher.review_ids_with, live.catalogue.bylines
                    )
                    asked = mended if found is not None else asked
            if found is not None:
                scope = {found.review.id}
                asked = found.strip_from(asked)
                described_critics.append(found.review.display_name)
                if _TWO_CRITICS.search(question):
                    # "did the four star guy like it more than the one who found the story
                    # thin?": a second critic described, and both are asked about.
                    rest = {i: r for i, r in pool.items() if i not in scope}
                    other = described(asked, rest, searcher.review_ids_with, live.catalogue.bylines)
                    if other is not None:
                        scope.add(other.review.id)
                        asked = other.strip_from(asked)
                        described_critics.append(other.review.display_name)
                whose = " and ".join(f"{n}'s" for n in described_critics)
                note = f"Answering from {whose} review{'s' * (len(described_critics) - 1)}."
        shown = [] if note else named  # the critic's note says more than the film's
        in_scope = set(scope if scope is not None else snap.reviews)
        if len(snap.films) == 1:
            # One film: its name is in nearly every review sentence, so it tells no topic (a
            # sentence saying "BALLERINA" answered "who composed the score for Ballerina?").
            asked = without_films(asked, snap.films)
        titles = film_terms(asked, snap.films)
        query = analyse(asked, searcher.lexical.has, searcher.vocabulary, titles)
        if len(described_critics) == 2 and query.intent == "topic":
            query = replace(query, intent="comparison")  # two critics asked about: each one's view
        if len(described_critics) == 2 and not query.overall and not topic_terms(query.subject):
            query = replace(query, overall=True)  # "sum up the tutu one vs the banger one"
        if len(in_scope) == 1 and not query.overall and not topic_terms(query.subject):
            # One critic and no topic ("what did Film Stories think overall?", "sum up the 4/5
            # review"): that critic's verdict, as for "is it any good?".
            query = replace(query, overall=True)
        # Checked against the reviews asked about only when those are some of them (every name
        # a review writes is in one of all of them); read for a verdict too (below).
        some = len(in_scope) < len(snap.reviews)
        judged = query.intent in ("verdict", "comparison") and not query.overall
        lower = _lower_case_names(query, live, in_scope) if some or judged else []
        names = [*query.names, *(lower if some else [])]
        missing = _missing_names(names, live, in_scope, named)
        uncovered = bool(names) and len(missing) == len(names)

        t1 = self._clock()
        qvec = self._embedder().embed_query(query.search_text)
        plans = [n for n in missing if " " not in n and zipf(n.lower()) >= PLAN_ZIPF]
        used = [n for n in [*names, *lower] if n not in missing]
        if query.intent in ("verdict", "comparison") and not query.overall and missing == plans:
            # Asked in words no list holds ("would we enjoy it?"): the nearest labelled
            # questions decide whether it is about the film as a whole (overall.py). A
            # question that names someone the reviews name is about them ("how much is keanu
            # in it? is it worth it for him").
            whole = self._embedder().embed_query(asked)
            query = replace(query, overall=not used and self._overall.asks_overall(whole))
        if query.overall and missing == plans:
            # "Planning to catch it Saturday": everyday words, capitalised, name nothing.
            missing, uncovered = [], False
        if query.generic and query.intent in ("verdict", "comparison"):
            # "Was it worth it?", "who was the most positive?": each critic's overall verdict.
            qvec = qvec + VERDICT_PULL * self._verdict_vector()
            qvec = (qvec / (np.linalg.norm(qvec) + 1e-9)).astype(np.float32)
        embed_ms = (self._clock() - t1) * 1e3
        return Asked(question, scope, query, qvec, note, shown, missing, uncovered, embed_ms)

    def _verdict_vector(self) -> np.ndarray:
        if self._verdict is None:
            # The same value if two race.
            self._verdict = self._embedder().embed_query(verdict.VERDICT)
        return self._verdict

    # -- summary ---------------------------------------------------------------------------
    def summary(
        self,
        live: Live,
        critic: str,
        *,
        use_llm: bool = True,
        on_delta: OnDelta | None = None,
    ) -> Answer:
        t0 = self._clock()
        snap = live.snapshot
        review = live.catalogue.find_review(critic)
        question = f"Summarise {review.display_name}'s review of {review.film}"
        scored = tuple(ScoredPassage(snap.passages[i], 1.0) for i in snap.rows_by_review[review.id])
        fallback: str | None = None
        if self.llm is not None and use_llm:
            try:
                answer = llm_answer(
                    self.llm, question, list(scored), snap.reviews,
                    on_delta=on_delta, summary_of=review, clock=self._clock,
                )  # fmt: skip
            except LLMError as err:
                log.warning("LLM failed (%s); answering extractively", err.reason)
                fallback = err.reason
            else:
                return _finish(answer, t0, {}, self._clock)
        rows = [int(r) for r in snap.rows_by_review[review.id]]
        verdicts = verdict.scores(live.searcher, self._verdict_vector(), rows)
        draft, numbered = summary.summarise_review(
            review, snap, self._aspect_vectors(review), verdicts
        )
        checked = verify(draft, numbered, {review.id: review})
        return self._answer(question, checked, True, scored, t0, {}, fallback)

    def _aspect_vectors(self, review: Review) -> np.ndarray:
        """The summary aspects' vectors for this review's film, embedded once per wording."""
        aspects = summary.aspects(review.film)
        with self._aspects_lock:
            if aspects not in self._aspects:
                texts = [text for _, text in aspects]
                self._aspects[aspects] = self._embedder().embed_documents(texts)
            return self._aspects[aspects]

    def _answer(
        self,
        question: str,
        checked: Verified,
        found: bool,
        scored: tuple[ScoredPassage, ...],
        t0: float,
        timings: dict[str, float],
        fallback: str | None,
    ) -> Answer:
        answer = Answer(
            question, checked.text, found, "extractive", checked.citations, scored,
            fallback_reason=fallback, quotes=checked.counts, parts=checked.parts,
        )  # fmt: skip
        return _finish(answer, t0, timings, self._clock)


def _finish(
    answer: Answer, t0: float, timings: dict[str, float], clock: Callable[[], float]
) -> Answer:
    total = (clock() - t0) * 1e3
    merged = {**timings, **answer.timings_ms, "total_ms": total}
    return Answer(**{**answer.__dict__, "timings_ms": merged})


def llm_answer(
    llm: LLM,
    question: str,
    passages: Sequence[ScoredPassage],
    reviews: Mapping[str, Review],
    *,
    on_delta: OnDelta | None = None,
    summary_of: Review | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """prompt → complete (within the deadline) → cut → parse → verify; raises `LLMError` (with
    a reason safe to show) when the model's answer cannot be used."""
    started = clock()
    deadline = started + llm.completion.timeout
    if summary_of is not None:
        passages = [sp for sp in passages if sp.passage.review_id == summary_of.id]
    messages, numbered = llm.prompter.build_messages(question, passages, reviews, summary_of)
    if not numbered:
        if passages:
            raise LLMError("no passage fits the LLM context budget")
        return Answer(
            question, NO_PASSAGES_TEXT, False, "llm",
            tokens={"prompt": 0, "completion": 0, "estimated": False},
            quotes={"verified": 0, "recited": 0, "dropped": 0},
            parts=(Part("text", NO_PASSAGES_TEXT),),
        )  # fmt: skip
    display = StreamFilter(on_delta)
    raw, usage = llm.completion.complete(messages, deadline=deadline, on_delta=display)
    display.flush()
    generated = clock()

    text, found = strip_not_found(raw)
    if not found:
        text = text or NO_PASSAGES_TEXT
    text = cut_reply(text, llm.max_answer_chars)
    checked = verify(
        parse_reply(text), numbered, reviews,
        only_reviews={summary_of.id} if summary_of else None,
    )  # fmt: skip
    if clock() > deadline:
        raise LLMError(f"no complete answer within {llm.completion.timeout:g}s")
    if not checked.text or (found and not checked.citations):
        raise LLMError(NOTHING_VERIFIABLE)
    tokens = llm.prompter.tokens(messages, raw, usage)
    timings = {"llm_ms": (generated - started) * 1000, "verify_ms": (clock() - generated) * 1000}
    log.info(
        "llm answer model=%s passages=%d tokens=%s quotes=%s found=%s %.0fms",
        llm.model, len(numbered), tokens, checked.counts, found, timings["llm_ms"],
    )  # fmt: skip
    used = {p.id for p in numbered}
    return Answer(
        question=question,
        text=checked.text,
        found=found,
        mode="llm",
        citations=checked.citations,
        passages=tuple(sp for sp in passages if sp.passage.id in used),
        timings_ms=timings,
        tokens=tokens,
        quotes=checked.counts,
        parts=checked.parts,
    )
