"""The real-text scale corpus is deterministic, valid, real English and never a copied review."""

from __future__ import annotations

import itertools
from pathlib import Path

import frontmatter

from bench import realtext
from retrieval.chunking import paragraphs, sentences
from retrieval.corpus import load_corpus


def _sentences(text: str) -> list[str]:
    spans = [s for p in paragraphs(text) for s in sentences(text, p.start, p.end)]
    return [text[s.start : s.end] for s in spans]


def test_same_seed_same_files(tmp_path: Path) -> None:
    """Two runs with one seed write byte-identical reviews; another seed differs."""
    a = realtext.generate(tmp_path / "a", 30, seed=3)
    b = realtext.generate(tmp_path / "b", 30, seed=3)
    c = realtext.generate(tmp_path / "c", 30, seed=4)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_reviews_parse_with_front_matter_like_the_shipped_files(tmp_path: Path) -> None:
    """Every file is a valid review with id, film, year, critic and outlet; some films carry
    `aliases:`, every film has a review, and a few films have many (Zipf)."""
    paths = realtext.generate(tmp_path, 400, seed=5)
    reviews, rejected = load_corpus(tmp_path)
    assert not rejected and len(reviews) == 400
    assert all(r.film and r.critic and r.outlet and r.year for r in reviews)
    counts = realtext.film_counts(paths)
    assert len(counts) == 50  # one film per 8 reviews, each reviewed at least once
    assert counts.most_common(1)[0][1] >= 40 and min(counts.values()) >= 1
    posts = [frontmatter.load(p) for p in paths]
    aliased = {str(p["film"]): tuple(p["aliases"]) for p in posts if "aliases" in p.metadata}
    assert aliased and all(isinstance(a, str) and a for al in aliased.values() for a in al)
    owners: dict[str, set[str]] = {}
    for film, aliases in aliased.items():
        for alias in aliases:
            owners.setdefault(alias, set()).add(film)
    assert all(len(films) == 1 for films in owners.values())  # an alias names one film


def test_every_sentence_is_a_critics_and_no_review_is_copied(tmp_path: Path) -> None:
    """Each sentence (the film's title put back) is a shipped sentence, and no two sentences
    of a shipped review follow each other in their original order."""
    by_review, films = realtext.source_sentences()
    shipped = {s.text: s for review in by_review for s in review}
    realtext.generate(tmp_path, 60, seed=9)
    reviews, _ = load_corpus(tmp_path)
    for review in reviews:
        short = (review.title or "").removesuffix(": a review")
        found = []
        for text in _sentences(review.body):
            # Put the shipped title back: the film's full title, then its short name.
            back = text.replace(review.film, films[0])
            candidates = [text, back]
            for t in (text, back):
                candidates.append(t.replace(short, "Ballerina").replace(short.upper(), "BALLERINA"))
            hit = next((shipped[c] for c in candidates if c in shipped), None)
            assert hit is not None, text
            found.append(hit)
        for a, b in itertools.pairwise(found):
            assert not (a.source == b.source and b.position == a.position + 1)
        assert len(set(found)) == len(found)
