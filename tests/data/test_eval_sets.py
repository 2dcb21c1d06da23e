"""The labelled question files in data/eval: evidence is verbatim, ids exist, the split holds."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from retrieval.corpus import load_reviews

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "data" / "eval"
FILES = [
    "dev.jsonl", "questions.jsonl", "more_tune.jsonl", "verdict_tune.jsonl", "fresh_holdout.jsonl",
    "tune.jsonl", "holdout.jsonl", "blind_probe.jsonl",
]  # fmt: skip
TYPES = {
    "paraphrase", "scene", "critic_description", "verdict", "comparison",
    "named", "lowercase", "typo", "unanswerable",
}  # fmt: skip


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (EVAL / name).read_text("utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def bodies() -> dict[str, str]:
    """review id → body of every shipped review."""
    return {r.id: r.body for r in load_reviews(ROOT / "data" / "reviews")}


@pytest.mark.parametrize("name", FILES)
def test_every_evidence_phrase_occurs_verbatim_in_its_review(
    name: str, bodies: dict[str, str]
) -> None:
    """Each labelled phrase is an exact substring of the body of a review that exists."""
    missing = [
        (row["id"], rid, phrase)
        for row in rows(name)
        for rid, phrases in row["relevant"].items()
        for phrase in (phrases if rid in bodies else ["<no such review>"])
        if rid not in bodies or phrase not in bodies[rid]
    ]
    assert missing == []


@pytest.mark.parametrize("name", FILES)
def test_answerable_flag_agrees_with_the_labels(name: str) -> None:
    """answerable=false lines have no labels; answerable lines label a review with a phrase."""
    for row in rows(name):
        if row["answerable"]:
            assert row["relevant"] and all(row["relevant"].values()), row["id"]
        else:
            assert row["relevant"] == {}, row["id"]


def test_question_ids_are_unique_across_tune_and_holdout() -> None:
    """No question id appears twice, and tune and holdout share none."""
    tune = [r["id"] for r in rows("tune.jsonl")]
    holdout = [r["id"] for r in rows("holdout.jsonl")]
    assert len(set(tune)) == len(tune) and len(set(holdout)) == len(holdout)
    assert not set(tune) & set(holdout)


def test_split_is_stratified_and_the_dev_set_is_in_tune() -> None:
    """Every type is in both halves; dev, more_tune and verdict_tune are in tune, fresh_holdout
    in holdout."""
    tune, holdout = rows("tune.jsonl"), rows("holdout.jsonl")
    assert {r["type"] for r in tune} == TYPES == {r["type"] for r in holdout}
    assert {r["id"] for r in rows("dev.jsonl")} <= {r["id"] for r in tune}
    new = rows("questions.jsonl")
    counts = Counter(r["type"] for r in new)
    assert len(new) >= 90 and counts["unanswerable"] >= 14
    more = rows("more_tune.jsonl") + rows("verdict_tune.jsonl")
    fresh = rows("fresh_holdout.jsonl")
    assert len(tune) + len(holdout) == len(new) + len(rows("dev.jsonl")) + len(more) + len(fresh)
    assert {r["id"] for r in more} <= {r["id"] for r in tune}
    assert {r["id"] for r in fresh} <= {r["id"] for r in holdout}


def test_split_files_match_the_seeded_split() -> None:
    """tune.jsonl and holdout.jsonl are exactly what data/eval/split.py produces."""
    proc = subprocess.run(
        [sys.executable, str(EVAL / "split.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
