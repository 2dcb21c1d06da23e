"""The benchmark inputs are honest: synthetic reviews are deterministic, valid and not copied."""

from __future__ import annotations

import re
from pathlib import Path

from bench import synth
from bench.baseline import CHUNK_SIZE, chunk, read_bodies
from retrieval.corpus import load_corpus

REPO = Path(__file__).resolve().parents[2]


def test_same_seed_same_files(tmp_path: Path) -> None:
    """Two runs with one seed write byte-identical reviews."""
    a = synth.generate(tmp_path / "a", 4, 2, seed=3, words_per_review=200)
    b = synth.generate(tmp_path / "b", 4, 2, seed=3, words_per_review=200)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_reviews_parse_and_copy_no_six_word_run(tmp_path: Path) -> None:
    """Every file is a valid review, and no run of 6 words comes from the sample corpus."""
    synth.generate(tmp_path, 6, 3, seed=5, words_per_review=300)
    reviews, rejected = load_corpus(tmp_path)
    assert not rejected and len(reviews) == 6
    assert len({r.critic for r in reviews}) == 3
    vocab = synth.Vocabulary(synth.sample_bodies())
    for review in reviews:
        for sentence in re.split(r"(?<=[.!?])\s+", review.body):
            assert not vocab.copies(sentence.split()), sentence


def test_baseline_chunks_are_fixed_size() -> None:
    """The baseline splits every sample review into chunks of at most 1,000 characters."""
    bodies = read_bodies(REPO / "data" / "reviews")
    chunks = chunk(bodies)
    assert {c.review_id for c in chunks} == set(bodies)
    assert all(0 < len(c.text) <= CHUNK_SIZE for c in chunks)
