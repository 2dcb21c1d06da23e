"""Answer quality on the held-out questions, checked through `reviewbot eval` as a real process.

Two sets of thresholds on holdout (and BLIND_BARS below, on the blind probe set):
- ISSUE_BARS: what issue 8 asks for. Not met yet (the README's quality section has the figures);
  kept here so the gap is visible in one place.
- BARS, enforced: what the offline pipeline measured on holdout (116 questions: the 58 of the
  first split and the 58 of `fresh_holdout.jsonl`) once the sentence model (retrieval/ranker.py)
  was fitted on data/eval/tune.jsonl, minus a little slack. The hand-tuned pipeline before it
  measured, on the same 116: evidence recall 0.72, off_review 0.176, on_evidence 0.43, 20
  answerable questions refused, 15/19 unanswerables refused. The model trades four of those
  refusals of unanswerables for eleven fewer refusals of answerable questions (see README).
  Raise the bars as quality improves; never tune on holdout to pass them.
The baseline is computed here (a few seconds) on the same questions with the same
evidence-recall definition (`python -m bench.baseline data/eval/holdout.jsonl`). The dev set's
own bars stay in tests/bot/test_cli.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.baseline import Baseline, baseline_evidence_recall
from retrieval.embeddings import Embedder
from retrieval.evaluation import load_questions
from tests.conftest import MODEL_DIR, REVIEWS, ROOT

HOLDOUT = ROOT / "data" / "eval" / "holdout.jsonl"
K = 8

ISSUE_BARS: dict[str, float] = {
    "evidence_recall_min": 0.85,
    "baseline_ratio_min": 1.5,
    "off_review_max": 0.10,
    "on_evidence_min": 0.60,
    "refusal_rate_min": 1.0,
    "false_refusals_max": 1,
    "verbatim_rate_min": 1.0,
}
BARS: dict[str, float] = {
    # measured 0.770 (session 12's end, as at session 11's; 0.764 at session 10's)
    "evidence_recall_min": 0.72,
    "baseline_ratio_min": 1.22,  # ours ÷ the naive baseline's (0.5845), same questions: 1.32
    "off_review_max": 0.13,  # measured 0.102 (0.106, 0.115)
    "on_evidence_min": 0.48,  # measured 0.500 (0.503, 0.495)
    # 18 of the 19 unanswerable questions refused at session 12's end (15 at session 11's, 16
    # at session 10's): 17
    "refusal_rate_min": 0.89,
    # measured 2 of 97 answerable at the end of session 12 (4 at session 11's, 8 at session
    # 10's; 10 before session 8's overall verdicts answered "was it worth it?")
    "false_refusals_max": 3,
    "verbatim_rate_min": 1.0,
}


# data/eval/blind_probe.jsonl: questions helpers wrote blind, reading only the reviews, then
# used to fix what they showed: not held out, but never fitted on. 172 from session 9 (at its
# end: on_evidence 0.60, off_review 0.09, 6 of 144 answerable refused, 23 of 28 unanswerable
# refused), 364 from session 10 (paraphrases, verdicts, comparisons, scenes, critics described,
# unanswerables and look-alikes, messy chat, names, hard paraphrases), 960 from session 11
# (twenty-four sets: critics picked out, facts, chat, fans' words, keywords, multi-part,
# consensus, near misses, plot, who it is for, franchise, craft, names, claims, slang, who said
# it, follow-ups, numbers, scenes from memory, complaints and praise, false premises, formal
# questions, summaries), 480 from session 12 (verdicts, comparisons, paraphrases, chat, critics
# described, refusals, recommendations, a polite older member, people, scenes, story, more
# refusals). The first 1,496 at session 12's start (192d8c3): on_evidence 0.544, off_review
# 0.137, 39 of 1,185 answerable refused, 202 of 311 unanswerable refused; at its end: 0.561,
# 0.121, 37, 218. All 1,976 at its end: 0.540, 0.123, 50 of 1,551, 299 of 425.
BLIND = ROOT / "data" / "eval" / "blind_probe.jsonl"
BLIND_QUESTIONS = 1976
BLIND_BARS: dict[str, float] = {
    "on_evidence_min": 0.53,
    "off_review_max": 0.135,
    "false_refusals_max": 53,
    "refusal_rate_min": 0.68,
}


def _eval(path: Path, index: Path) -> dict[str, Any]:
    """`reviewbot eval <path> -k 8 --no-llm --json` on the index at `index`: its metrics."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["REVIEWBOT_MODEL_DIR"] = str(MODEL_DIR)
    common = ["--data", str(REVIEWS), "--index", str(index)]
    cli = [sys.executable, "-m", "bot.cli"]
    if not index.exists():
        subprocess.run([*cli, "index", *common], check=True, capture_output=True, env=env)
    proc = subprocess.run(
        [*cli, "eval", str(path), "-k", str(K), "--no-llm", "--json", *common],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    metrics: dict[str, Any] = json.loads(proc.stdout)["metrics"]
    return metrics


@pytest.fixture(scope="module")
def holdout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`reviewbot eval holdout.jsonl -k 8 --no-llm --json` on a fresh index: its metrics."""
    return _eval(HOLDOUT, tmp_path_factory.mktemp("quality") / "index")


def test_blind_probe_keeps_what_it_led_to(tmp_path: Path) -> None:
    """The questions helpers wrote blind (sessions 9 to 12) keep the figures the fixes they led to
    reached (BLIND_BARS), every quote verbatim."""
    m = _eval(BLIND, tmp_path / "index")
    assert m["questions"] == BLIND_QUESTIONS and m["verbatim_rate"] == 1.0
    assert m["on_evidence"] >= BLIND_BARS["on_evidence_min"]
    assert m["off_review"] <= BLIND_BARS["off_review_max"]
    assert m["false_refusals"] <= BLIND_BARS["false_refusals_max"]
    assert m["refusal_rate"] >= BLIND_BARS["refusal_rate_min"]


def test_holdout_evidence_recall(holdout: dict[str, Any]) -> None:
    """The labelled evidence is among the 8 retrieved passages for at least BARS' share."""
    assert holdout["evidence_recall"] >= BARS["evidence_recall_min"]


def test_holdout_evidence_recall_beats_the_naive_baseline(
    holdout: dict[str, Any], embedder: Embedder
) -> None:
    """Our evidence recall beats the LangChain-quickstart baseline's on the same questions."""
    base = Baseline.build(Path(REVIEWS), embedder)
    baseline = baseline_evidence_recall(base, load_questions(HOLDOUT), K)
    assert baseline
    assert holdout["evidence_recall"] >= BARS["baseline_ratio_min"] * baseline


def test_holdout_quotes_come_from_reviews_that_address_it(holdout: dict[str, Any]) -> None:
    """Few quotes on answerable questions come from a review not labelled relevant."""
    assert holdout["off_review"] <= BARS["off_review_max"]


def test_holdout_quotes_are_the_evidence(holdout: dict[str, Any]) -> None:
    """Quotes overlap a labelled evidence phrase of their review at least BARS' share."""
    assert holdout["on_evidence"] >= BARS["on_evidence_min"]


def test_holdout_unanswerable_questions_are_all_refused(holdout: dict[str, Any]) -> None:
    """Unanswerable held-out questions are answered found=false (BARS' share)."""
    assert holdout["unanswerable"] > 0
    assert holdout["refusal_rate"] >= BARS["refusal_rate_min"]


def test_holdout_answerable_questions_are_rarely_refused(holdout: dict[str, Any]) -> None:
    """Answerable held-out questions are refused no more often than BARS allows."""
    assert holdout["false_refusals"] <= BARS["false_refusals_max"]


def test_holdout_quotes_are_verbatim(holdout: dict[str, Any]) -> None:
    """Every quote shown occurs verbatim in its cited review."""
    assert holdout["verbatim_rate"] >= BARS["verbatim_rate_min"]
