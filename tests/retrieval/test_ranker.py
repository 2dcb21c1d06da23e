"""The sentence model: the shipped weights are what fitting on tune gives, and a model whose
features are not search's is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import ranker
from tests.conftest import run_module


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
