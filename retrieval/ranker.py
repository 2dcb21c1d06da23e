"""How likely a sentence is to answer a question: a logistic model over measured features.

Search gives every candidate sentence the features below (search.py computes them) and this
model turns them into a probability that the sentence is what a fan asking the question wants
quoted. The weights are fitted, not guessed: `python -m bench.train_ranker` fits them on the
labelled `data/eval/tune.jsonl` questions (a sentence is a positive when it overlaps a labelled
evidence phrase of its review: `evaluation.on_evidence`, the metric's own definition) and writes
`ranker.json` beside this file. The held-out questions are never used to fit it.

Hand-set weights tuned on the first 63 questions answered new questions badly (off-review quotes
0.30, 17 of 62 answerable questions refused on 74 new tune questions); a fitted model with a
probability threshold is one rule for ranking, quoting and refusing that can be refitted when the
labelled set grows.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("ranker.json")

# The features, in the model's order (features.py `matrix` builds the rows).
FEATURES = (
    "cosine",  # sentence vector · question vector
    "passage_cosine",  # best cosine of a retrieved passage holding the sentence
    "lexical",  # IDF-weighted share of the question's terms the sentence contains
    "terms",  # how many of the question's terms it contains (at most 3)
    "stance",  # how strongly it judges (stance.py), 0..1
    "penalty",  # a bare question or a fragment (features.py QUESTION_PENALTY / SHORT_PENALTY)
    "rating_line",  # "Rating: 4 out of 5."
    "rating_line_asked",  # a rating line when the question asks about ratings
    "edge",  # distance from the nearer end of its review, 0..0.5
    "length",  # words / 30
    "previous",  # cosine of the sentence before it in the review (0 at its start)
    "next",  # cosine of the sentence after it
    "leans_previous",  # "previous" when it opens with a word leaning on it ("But", "His", ...)
    "review_best",  # the best cosine among its review's candidate sentences
    "below_review_best",  # cosine - review_best
    "unmatched",  # share of the question's words no review uses
    "generic",  # the question asks only for a verdict ("was it worth it?")
    "topic",  # the question's intent (query.py), one-hot
    "verdict",
    "comparison",
    "rating",
    "stance_verdict",  # stance × verdict
    "stance_comparison",  # stance × comparison
    "edge_verdict",  # edge × (verdict or comparison)
)


class Ranker:
    """p(answers) = sigmoid(features · weights + bias)."""

    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = float(bias)

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = features.astype(np.float32) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_file(cls, path: Path) -> Ranker:
        data = json.loads(path.read_text("utf-8"))
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(
                f"{path}: the model's features {names} are not search's {FEATURES}; "
                "refit it with `python -m bench.train_ranker`"
            )
        return cls(np.array([data["weights"][n] for n in FEATURES]), data["bias"])


@functools.cache
def default() -> Ranker:
    return Ranker.from_file(MODEL_PATH)
