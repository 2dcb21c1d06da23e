"""BM25 over passages with bm25s: terms, scores, masks and postings."""

from __future__ import annotations

import numpy as np

from retrieval.lexical import LexicalIndex, terms

TEXTS = [
    "Keanu Reeves turns up for a cameo as John Wick.",
    "The action in the second half is thrilling.",
    "Ana de Armas commits to every fight scene.",
]


def test_terms_are_lowercased_stemmed_and_without_stop_words() -> None:
    """ "Keanu's cameos" → keanu, cameo: possessives, plurals and 'the' do not count."""
    assert terms("The Keanu's cameos") == ["keanu", "cameo"]


def test_scores_align_with_the_passages_and_favour_the_matching_one() -> None:
    """One score per passage, highest for the passage holding the query's terms."""
    scores = LexicalIndex(TEXTS).scores("Keanu cameo")
    assert scores.shape == (3,) and int(np.argmax(scores)) == 0 and scores[1] == 0


def test_mask_zeroes_passages_outside_the_filter() -> None:
    """A 0 in the mask means no score, however well the passage matches."""
    mask = np.array([0, 1, 1], dtype=np.float32)
    assert LexicalIndex(TEXTS).scores("Keanu cameo", mask)[0] == 0


def test_rows_with_reads_the_postings() -> None:
    """rows_with(term) lists exactly the passages containing that stemmed term."""
    index = LexicalIndex(TEXTS)
    assert sorted(index.rows_with("fight")) == [2]
    assert len(index.rows_with("zimmer")) == 0


def test_index_from_stored_counts_equals_bm25s_over_the_texts() -> None:
    """Assembled from per-segment term counts (rows left out and reordered across segments),
    the index holds bm25s' own postings for those texts: same scores, same rows per term."""
    from retrieval.lexical import TermCounts
    from tests.conftest import ROOT

    texts = [
        p for f in sorted((ROOT / "data" / "reviews").glob("*.md"))[:6]
        for p in f.read_text("utf-8").split("\n\n") if p.strip()
    ]  # fmt: skip
    half = len(texts) // 2
    first, second = TermCounts.of(texts[:half]), TermCounts.of(texts[half:])
    chosen = [*texts[half + 3 :], *texts[1:half], *texts[half : half + 3]]
    n2 = len(texts) - half
    # second's passages 3.. are rows 0.., first's 1.. follow, second's 0..2 come last
    second_rows = np.concatenate([np.arange(len(chosen) - 3, len(chosen)), np.arange(n2 - 3)])
    first_rows = np.concatenate([[-1], np.arange(n2 - 3, n2 - 3 + half - 1)])
    pick = [(second, second_rows), (first, first_rows)]
    built, expected = LexicalIndex.from_counts(pick), LexicalIndex(chosen)
    assert len(built) == len(expected) == len(chosen)
    for query in ("the action scenes", "Keanu Reeves stunt choreography", "boring plot", "zzz"):
        assert np.array_equal(built.scores(query), expected.scores(query))
    for term in ("action", "keanu", "film"):
        assert np.array_equal(built.rows_with(term), expected.rows_with(term))
    assert sorted(built._vocab) == sorted(expected._vocab)
