"""`reviewbot eval`: run `ask` over a labelled question file and score retrieval and answers.

Each line: {"id", "question", "answerable"?, "relevant"?: {review_id: [evidence phrases]}}.
Metrics over the labelled lines (phrases are matched after quote normalisation):

- review_recall      mean share of a question's relevant reviews with a retrieved passage
- evidence_recall    share of (question, phrase) pairs whose phrase is inside a retrieved passage
- answer_coverage    mean share of a question's relevant reviews that the answer quotes
- verbatim_rate      share of all quotes shown that occur in their cited review's text
- refusal_accuracy   share of unanswerable questions answered found=false
- answerable_refused how many answerable questions were answered found=false
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool | None
    relevant: dict[str, list[str]] | None


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
        out.append(Question(str(row.get("id", n)), q, answerable, rel))
    return out


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def metrics(pairs: Iterable[tuple[Question, Answer]], reviews: dict[str, Review]) -> dict[str, Any]:
    rr: list[float] = []
    er: list[float] = []
    cov: list[float] = []
    quotes = verbatim = 0
    unans = refused = ans_refused = 0
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
            ans_refused += not a.found
        if not q.relevant:
            continue
        retrieved = {p.passage.review_id for p in a.passages}
        texts = [normalize(p.passage.text) for p in a.passages]
        quoted = {c.review_id for c in a.citations}
        rel = set(q.relevant)
        rr.append(len(rel & retrieved) / len(rel))
        cov.append(len(rel & quoted) / len(rel) if a.found else 0.0)
        for phrases in q.relevant.values():
            er.extend(float(any(normalize(ph) in t for t in texts)) for ph in phrases)
    return {
        "questions": len(rr) + unans,
        "review_recall": _mean(rr),
        "evidence_recall": _mean(er),
        "answer_coverage": _mean(cov),
        "verbatim_rate": round(verbatim / quotes, 4) if quotes else None,
        "refusal_accuracy": round(refused / unans, 4) if unans else None,
        "answerable_refused": ans_refused,
    }


def run_eval(
    questions: list[Question], ask: Callable[[str], Answer], reviews: dict[str, Review]
) -> dict[str, Any]:
    pairs = [(q, ask(q.question)) for q in questions]
    return {
        "results": [{"id": q.id, "question": q.question, "output": a.to_json()} for q, a in pairs],
        "metrics": metrics(pairs, reviews),
    }
