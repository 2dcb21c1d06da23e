"""`reviewbot eval`: run `ask` over a labelled question file and score retrieval and answers.

Each line: {"id", "question", "type"?, "answerable"?, "relevant"?: {review_id: [evidence phrases]}}.
One definition of each metric, used by `reviewbot eval`, the tests and the benchmarks alike
(`LEGEND` below says what each means; phrases and quotes are compared after quote normalisation).
"Answerable" means labelled answerable with at least one relevant review.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answer.quotes import normalize, occurs_in
from .errors import UserError
from .models import Answer, Review


def dev_set_path(repo: Path) -> Path:
    """The labelled dev questions: the team's `../shared/eval/dev.jsonl` beside the repo when it
    is there (CI has it), else the copy shipped in `data/eval/dev.jsonl`; `REVIEWBOT_DEV_SET`
    overrides both. A test keeps the shipped copy identical to the shared one."""
    override = os.environ.get("REVIEWBOT_DEV_SET")
    if override:
        return Path(override)
    shared = repo.parent / "shared" / "eval" / "dev.jsonl"
    return shared if shared.is_file() else repo / "data" / "eval" / "dev.jsonl"


# What each metric means, printed by `reviewbot eval` (one line each, in this order).
LEGEND: dict[str, str] = {
    "questions": "questions scored (answerable + unanswerable)",
    "review_recall": "answerable: mean share of the relevant reviews with a retrieved passage",
    "evidence_recall": (
        "answerable: share of labelled evidence phrases inside one of the k retrieved passages "
        "of their review"
    ),
    "answer_coverage": "answerable: mean share of the relevant reviews the answer quotes",
    "verbatim_rate": "share of all quotes shown that occur verbatim in their cited review",
    "quotes": "answerable: quotes shown",
    "off_review": "answerable: share of quotes from a review not labelled relevant",
    "on_evidence": (
        "answerable: share of quotes overlapping a labelled phrase of their review "
        "(contains it, is inside it, or shares a run of >= 5 words)"
    ),
    "false_refusals": "answerable questions answered found=false (count)",
    "unanswerable": "unanswerable questions (count)",
    "refusals": "unanswerable questions answered found=false (count)",
    "refusal_rate": "refusals / unanswerable",
}
# Older names kept in the JSON for existing callers.
ALIASES = {"answerable_refused": "false_refusals", "refusal_accuracy": "refusal_rate"}
# Words two texts must share in an unbroken run for a quote to count as on the evidence.
ON_EVIDENCE_RUN = 5
_WORD = re.compile(r"[\w']+")

Retrieved = Sequence[tuple[str, str]]
"""The passages retrieved for one question, as (review_id, text)."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool | None
    relevant: dict[str, list[str]] | None
    type: str | None = None


def load_questions(path: Path) -> list[Question]:
    """Parse a JSONL question file; a bad line is a UserError naming the file and line."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read question file ({err})") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = row["question"]
            if not isinstance(q, str):
                raise TypeError("question must be text")
            rel = row.get("relevant")
            if rel is not None and not isinstance(rel, dict):
                raise TypeError("relevant must be an object")
        except (ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}:{n}: not a question line ({err})") from None
        answerable = row.get("answerable")
        if answerable is None and rel is not None:
            answerable = bool(rel)
        kind = row.get("type")
        out.append(Question(str(row.get("id", n)), q, answerable, rel, str(kind) if kind else None))
    return out


def _mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evidence_hits(relevant: Mapping[str, Sequence[str]], retrieved: Retrieved) -> list[bool]:
    """For each labelled (review, phrase): is the phrase inside a retrieved passage of that
    review? The one definition behind `evidence_recall`, for our search and the baseline alike."""
    texts: dict[str, list[str]] = {}
    for review_id, text in retrieved:
        texts.setdefault(review_id, []).append(normalize(text))
    return [
        any(normalize(phrase) in t for t in texts.get(review_id, ()))
        for review_id, phrases in relevant.items()
        for phrase in phrases
    ]


def evidence_recall(
    items: Iterable[tuple[Mapping[str, Sequence[str]], Retrieved]],
) -> float | None:
    """Share of all (question, labelled phrase) pairs found by `evidence_hits`; items are
    (relevant, retrieved) per answerable question. None when nothing is labelled."""
    return _mean([float(h) for relevant, got in items for h in evidence_hits(relevant, got)])


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text).lower())


def on_evidence(quote: str, phrases: Sequence[str]) -> bool:
    """Does a quote overlap one of its review's labelled phrases: contain one, lie inside one,
    or share a run of at least ON_EVIDENCE_RUN words with one?"""
    q = normalize(quote)
    if not q:
        return False
    qw = _words(quote)
    runs = {tuple(qw[i : i + ON_EVIDENCE_RUN]) for i in range(len(qw) - ON_EVIDENCE_RUN + 1)}
    for phrase in phrases:
        p = normalize(phrase)
        if p and (p in q or q in p):
            return True
        pw = _words(phrase)
        if any(
            tuple(pw[i : i + ON_EVIDENCE_RUN]) in runs for i in range(len(pw) - ON_EVIDENCE_RUN + 1)
        ):
            return True
    return False


def _retrieved(a: Answer) -> list[tuple[str, str]]:
    return [(p.passage.review_id, p.passage.text) for p in a.passages]


def _scores(pairs: list[tuple[Question, Answer]], reviews: Mapping[str, Review]) -> dict[str, Any]:
    rr: list[float] = []
    cov: list[float] = []
    hits: list[float] = []
    quotes = verbatim = answerable_quotes = off = on = 0
    unans = refused = false_refusals = 0
    for q, a in pairs:
        for c in a.citations:
            quotes += 1
            review = reviews.get(c.review_id)
            verbatim += bool(c.verified and review and occurs_in(c.quote, review.body))
        if q.answerable is False:
            unans += 1
            refused += not a.found
            continue
        if q.answerable:
            false_refusals += not a.found
        if not q.relevant:
            continue
        retrieved = {p.passage.review_id for p in a.passages}
        quoted = {c.review_id for c in a.citations}
        rel = set(q.relevant)
        rr.append(len(rel & retrieved) / len(rel))
        cov.append(len(rel & quoted) / len(rel) if a.found else 0.0)
        hits.extend(float(h) for h in evidence_hits(q.relevant, _retrieved(a)))
        for c in a.citations:
            answerable_quotes += 1
            if c.review_id not in rel:
                off += 1
            elif on_evidence(c.quote, q.relevant[c.review_id]):
                on += 1
    out: dict[str, Any] = {
        "questions": len(rr) + unans,
        "review_recall": _mean(rr),
        "evidence_recall": _mean(hits),
        "answer_coverage": _mean(cov),
        "verbatim_rate": _share(verbatim, quotes),
        "quotes": answerable_quotes,
        "off_review": _share(off, answerable_quotes),
        "on_evidence": _share(on, answerable_quotes),
        "false_refusals": false_refusals,
        "unanswerable": unans,
        "refusals": refused,
        "refusal_rate": _share(refused, unans),
    }
    out.update({alias: out[name] for alias, name in ALIASES.items()})
    return out


def metrics(
    pairs: Iterable[tuple[Question, Answer]], reviews: Mapping[str, Review]
) -> dict[str, Any]:
    """Every metric in LEGEND over all pairs, plus `by_type`: question type → the same metrics
    over that type's questions (questions without a type are grouped as "untyped")."""
    pairs = list(pairs)
    out = _scores(pairs, reviews)
    groups: dict[str, list[tuple[Question, Answer]]] = {}
    for q, a in pairs:
        groups.setdefault(q.type or "untyped", []).append((q, a))
    if set(groups) != {"untyped"}:
        out["by_type"] = {kind: _scores(groups[kind], reviews) for kind in sorted(groups)}
    return out


def question_scores(q: Question, a: Answer) -> dict[str, Any]:
    """One question's share of the metrics, for reading results line by line."""
    if not q.answerable or not q.relevant:
        return {"refused": not a.found}
    hits = evidence_hits(q.relevant, _retrieved(a))
    rel = q.relevant
    return {
        "refused": not a.found,
        "evidence_found": sum(hits),
        "evidence_labelled": len(hits),
        "off_review_quotes": sum(c.review_id not in rel for c in a.citations),
        "on_evidence_quotes": sum(
            c.review_id in rel and on_evidence(c.quote, rel[c.review_id]) for c in a.citations
        ),
        "quotes": len(a.citations),
    }


def run_eval(
    questions: list[Question], ask: Callable[[str], Answer], reviews: Mapping[str, Review]
) -> dict[str, Any]:
    pairs = [(q, ask(q.question)) for q in questions]
    return {
        "results": [
            {
                "id": q.id,
                "question": q.question,
                "type": q.type,
                "scores": question_scores(q, a),
                "output": a.to_json(),
            }
            for q, a in pairs
        ],
        "metrics": metrics(pairs, reviews),
    }


def format_metrics(m: Mapping[str, Any]) -> list[str]:
    """The text report: one line per metric with what it means, then a table by question type."""
    lines = [f"{key:16} {_fmt(m.get(key)):>6}  {meaning}" for key, meaning in LEGEND.items()]
    by_type = m.get("by_type")
    if by_type:
        cols = ["questions", "evidence_recall", "off_review", "on_evidence", "false_refusals",
                "refusals", "unanswerable"]  # fmt: skip
        heads = ["n", "evid_rec", "off_rev", "on_evid", "false_ref", "refused", "unans"]
        lines += ["", "by type:", f"  {'type':20}" + "".join(f"{h:>10}" for h in heads)]
        for kind, row in by_type.items():
            lines.append(f"  {kind:20}" + "".join(f"{_fmt(row.get(c)):>10}" for c in cols))
    return lines


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
