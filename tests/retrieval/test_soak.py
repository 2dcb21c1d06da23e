"""Soak: 16 threads asking while another keeps reindexing edited review files (issue 9).

Bounded twice: each thread asks a fixed number of questions, and everything stops once the time
budget is spent. Every answer must come from ONE generation of the index: its passages are that
generation's passages and every quote occurs in that generation's text of the cited review.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from retrieval.answer.quotes import occurs_in
from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.models import Answer
from retrieval.store import Snapshot
from tests.conftest import REVIEWS

THREADS = 16
ASKS_PER_THREAD = 80
MAX_REINDEXES = 8
BUDGET_S = 30.0

# On-topic, off-topic (the refusal path, where the old race lived) and named questions, with
# and without a critic.
QUESTIONS: list[tuple[str, str | None]] = [
    ("What did critics say about Keanu's cameo?", None),
    ("Is the action any good?", None),
    ("what is the weather like tomorrow?", None),
    ("What is the capital of Australia?", None),
    ("What did critics think of Tom Cruise's stunts?", None),
    ("How is Ana de Armas as Eve?", None),
    ("What about the pacing?", "slows-down-four-stars"),
    ("Was the theatre fight memorable?", None),
]
# Prepended to a review's text on every other reindex: passages' offsets and texts differ
# between generations, so a passage or quote from the wrong one is caught.
NOTE = "Editor's note: this review was revised after the festival screening.\n\n"


def _edit(path: Path, original: str, revised: bool) -> None:
    if not revised:
        path.write_text(original, "utf-8")
        return
    head, sep, body = original.partition("\n---\n")
    path.write_text(head + sep + "\n" + NOTE + body.lstrip("\n"), "utf-8")


def _consistent(answer: Answer, snapshots: list[Snapshot]) -> bool:
    """Some one generation holds every passage of the answer and every quote it cites."""
    for snap in snapshots:
        passages = set(snap.passages)
        if not all(sp.passage in passages for sp in answer.passages):
            continue
        if all(
            c.review_id in snap.reviews and occurs_in(c.quote, snap.reviews[c.review_id].body)
            for c in answer.citations
        ):
            return True
    return False


@pytest.mark.slow
def test_asking_while_reindexing_never_fails_or_mixes_generations(
    embedder: Embedder, tmp_path: Path
) -> None:
    """16 asking threads and a reindexing thread: no exception, every answer from one index."""
    data = tmp_path / "reviews"
    data.mkdir()
    names = ("slows-down-four-stars.md", "film-review-ballerina.md")
    for name in names:
        shutil.copy(REVIEWS / name, data / name)
    originals = {name: (data / name).read_text("utf-8") for name in names}
    engine = Engine(data, tmp_path / "index", embedder=embedder)
    engine.ensure_index()
    first = engine.snapshot()
    assert first is not None
    snapshots = [first]

    deadline = time.monotonic() + BUDGET_S
    errors: list[BaseException] = []
    answers: list[Answer] = []
    lock = threading.Lock()
    askers_done = threading.Event()

    def ask(worker: int) -> None:
        try:
            for i in range(ASKS_PER_THREAD):
                if time.monotonic() > deadline:
                    return
                question, critic = QUESTIONS[(worker + i) % len(QUESTIONS)]
                answer = engine.ask(question, critic=critic)
                with lock:
                    answers.append(answer)
        except BaseException as err:  # every failure is the finding
            with lock:
                errors.append(err)

    def reindex() -> None:
        try:
            for n in range(MAX_REINDEXES):
                if askers_done.is_set() or time.monotonic() > deadline:
                    return
                name = names[n % len(names)]
                _edit(data / name, originals[name], revised=(n // len(names)) % 2 == 0)
                engine.index()
                snap = engine.snapshot()
                assert snap is not None
                with lock:
                    snapshots.append(snap)
        except BaseException as err:
            with lock:
                errors.append(err)

    indexer = threading.Thread(target=reindex, name="soak-reindex")
    askers = [threading.Thread(target=ask, args=(w,), name=f"soak-ask-{w}") for w in range(THREADS)]
    indexer.start()
    for t in askers:
        t.start()
    for t in askers:
        t.join(BUDGET_S + 60)
    askers_done.set()
    indexer.join(120)

    assert not errors, f"{len(errors)} failures, first: {errors[0]!r}"
    generations = {s.generation for s in snapshots}
    assert len(generations) >= 3, "the reindexer barely ran"
    assert len(answers) >= THREADS * 5, "the askers barely ran"
    refused = [a for a in answers if not a.found]
    assert refused and len(refused) < len(answers), "both the answer and refusal paths ran"
    mixed = [a for a in answers if not _consistent(a, snapshots)]
    assert not mixed, f"{len(mixed)} answers mix generations, e.g. {mixed[0].question!r}"
    print(
        f"\nsoak: {len(answers)} answers ({len(refused)} refusals) across "
        f"{len(generations)} generations in {BUDGET_S - (deadline - time.monotonic()):.1f}s"
    )
