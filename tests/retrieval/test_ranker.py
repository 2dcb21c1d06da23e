"""The sentence model: the shipped weights are what fitting on tune gives, and a model whose
features are not search's is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import ranker
from tests.conftest import ROOT, run_module


def test_the_shipped_model_is_a_refit_on_tune() -> None:
    """`python -m bench.train_ranker --check` refits on data/eval/tune.jsonl (never holdout)."""
    done = run_module("bench.train_ranker", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matches a refit" in done.stdout
    shipped = json.loads(ranker.MODEL_PATH.read_text("utf-8"))
    assert shipped["fitted_on"] == "data/eval/tune.jsonl"


def test_a_model_with_other_features_is_refused(tmp_path: Path) -> None:
    data = json.loads(ranker.MODEL_PATH.read_text("utf-8"))
    data["features"] = data["features"][:-1]
    bad = tmp_path / "ranker.json"
    bad.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ValueError, match=r"refit it with `python -m bench\.train_ranker`"):
        ranker.Ranker.from_file(bad)


def test_probabilities_follow_the_weights() -> None:
    model = ranker.Ranker(np.array([2.0, -1.0]), 0.5)
    p = model.probability(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    assert p[1] > p[0] > p[2]
    assert abs(float(p[0]) - 1 / (1 + np.exp(-0.5))) < 1e-6


def test_folds_hold_each_question_out_exactly_once() -> None:
    """`fold_of` puts every question in one fold of ten, the same on every run."""
    from bench.train_ranker import fold_of

    data = [(f"q{i}", np.zeros((1, 1)), np.zeros(1), True) for i in range(95)]
    fold = fold_of(data)
    assert set(fold) == {d[0] for d in data}
    sizes = [list(fold.values()).count(f) for f in range(10)]
    assert min(sizes) == 9 and max(sizes) == 10
    assert fold == fold_of(data)


def test_cross_validated_answers_score_every_tune_question() -> None:
    """`--cv-answers` answers and scores every tune question with the eval's metrics; every quote
    is verbatim and the cross-validated figures stay in the band measured when it was written
    (on_evidence 0.54, off_review 0.07, 4 answerable refused): a quality guard from tune alone."""
    done = run_module("bench.train_ranker", "--cv-answers", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout)
    tune = [line for line in (ROOT / "data" / "eval" / "tune.jsonl").read_text("utf-8").splitlines()
            if line.strip()]  # fmt: skip
    assert found["questions"] == len(tune)
    assert found["verbatim_rate"] == 1.0
    assert 0.45 <= found["on_evidence"] <= 0.65
    assert found["off_review"] <= 0.12
    assert found["false_refusals"] <= 6
    assert set(found["by_type"]) >= {"paraphrase", "verdict", "unanswerable"}
