"""Does a verdict question ask about the film as a whole? Its nearest labelled questions decide.

"Is it any good?" is recognised from its words (intent.py: a verdict with only chat, plans and
the film's own name beside it), but fans ask it in more ways than a word list holds: on 12 new
plain verdict questions written by someone who had not seen the list ("thinking of ballerina for
date night friday, would we enjoy it?", "could someone summarise how well Ballerina was
received?") the words caught 2. So a verdict or comparison question is also compared, by its
MiniLM vector, with labelled examples (`overall.json`, written from data/eval/tune.jsonl by
`python -m bench.overall_examples`): the mean cosine of its NEAREST closest examples that ask
for overall verdicts, minus that of its NEAREST closest examples that ask about a topic ("is
the action worth it?", "who liked the story?"). At MARGIN or more it is answered with each
critic's overall verdict (verdict.py). MARGIN was read off the tune questions, each scored
against the others: 27 of the 37 overall ones reach it, and 2 of the 134 others, both verdicts
("was the ballerina trainng part boring?", and "is it worth paying extra to see it in imax?",
which no review answers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

EXAMPLES = Path(__file__).with_name("overall.json")
NEAREST = 3
MARGIN = 0.05


class OverallExamples:
    """The labelled examples, embedded on first use and kept in `cache_dir` (the model's
    folder): embedding ~170 questions costs ~0.6 s, which a cold `reviewbot ask` cannot spare."""

    def __init__(
        self,
        embed_documents: Callable[[list[str]], np.ndarray],
        cache_dir: Path | None = None,
        path: Path = EXAMPLES,
    ) -> None:
        self._embed = embed_documents
        self._cache_dir = cache_dir
        self._path = path
        self._lock = threading.Lock()
        self._vectors: tuple[np.ndarray, np.ndarray] | None = None

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(overall examples, topic examples), one unit vector per row."""
        if self._vectors is None:
            with self._lock:
                if self._vectors is None:
                    self._vectors = self._load()
        return self._vectors

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        raw = self._path.read_bytes()
        data = json.loads(raw)
        texts = [*data["overall"], *data["topic"]]
        cache = None
        if self._cache_dir is not None:
            cache = self._cache_dir / f"overall-{hashlib.sha256(raw).hexdigest()[:16]}.npy"
        try:
            vectors = np.load(cache) if cache is not None else None
        except (OSError, ValueError):
            vectors = None
        if vectors is None or vectors.shape[0] != len(texts):
            vectors = np.asarray(self._embed(texts), dtype=np.float32)
            if cache is not None:
                try:
                    np.save(cache, vectors)
                except OSError as err:  # a read-only model folder: embed again next process
                    log.info("could not keep the overall-verdict examples in %s: %s", cache, err)
        n = len(data["overall"])
        return vectors[:n], vectors[n:]

    def margin(self, vector: np.ndarray) -> float:
        """How much closer the question (its vector) is to overall-verdict examples than to
        topical ones: mean of the NEAREST best cosines on each side, subtracted."""
        overall, topic = self.vectors()
        near = [float(np.sort(side @ vector)[::-1][:NEAREST].mean()) for side in (overall, topic)]
        return near[0] - near[1]

    def asks_overall(self, vector: np.ndarray) -> bool:
        return self.margin(vector) >= MARGIN
