"""Synthetic review files for the scale benchmarks, made from the sample corpus' vocabulary.

Words come from a word-level bigram Markov chain trained on the shipped review bodies, with a
random jump to a unigram-sampled word at ~1 step in 3 so it cannot replay the critics' sentences;
any sentence sharing a run of 6 words with the corpus is rejected and drawn again. Sentence and
paragraph lengths are sampled from the corpus too, so passages and BM25 statistics look like
the real thing. Deterministic for a given seed.

    python -m bench.synth OUT_DIR --reviews 200 --critics 40 [--seed 7]
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "reviews"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NGRAM = 6
_JUMP = 0.35


def sample_bodies(sample_dir: Path = SAMPLE_DIR) -> list[str]:
    """The review bodies (text after the YAML front matter) of the sample corpus."""
    return [
        _FRONT_MATTER.sub("", p.read_text(encoding="utf-8"), count=1).strip()
        for p in sorted(sample_dir.glob("*.md"))
    ]


class Vocabulary:
    """Bigram successors, unigram frequencies and length distributions of a corpus."""

    def __init__(self, bodies: Iterable[str]) -> None:
        self.successors: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        self.unigrams: list[str] = []
        self.sentence_lengths: list[int] = []
        self.paragraph_sentences: list[int] = []
        self.seen: set[tuple[str, ...]] = set()
        for body in bodies:
            for para in (p.strip() for p in body.splitlines()):
                if not para:
                    continue
                sents = [s.split() for s in _SENTENCE_END.split(para) if s.split()]
                self.paragraph_sentences.append(len(sents))
                for words in sents:
                    self.sentence_lengths.append(len(words))
                    self.starts.append(words[0])
                    self.unigrams.extend(words)
                    for a, b in itertools.pairwise(words):
                        self.successors[a].append(b)
                    for i in range(len(words) - _NGRAM + 1):
                        self.seen.add(tuple(w.lower() for w in words[i : i + _NGRAM]))
        if not self.unigrams:
            raise ValueError("empty sample corpus")

    def copies(self, words: list[str]) -> bool:
        """True when `words` shares a run of 6 words with the sample corpus."""
        low = [w.lower() for w in words]
        return any(tuple(low[i : i + _NGRAM]) in self.seen for i in range(len(low) - _NGRAM + 1))

    def sentence(self, rng: random.Random) -> str:
        for _ in range(50):
            n = max(3, rng.choice(self.sentence_lengths))
            words = [rng.choice(self.starts)]
            while len(words) < n:
                nxt = self.successors.get(words[-1])
                if nxt and rng.random() >= _JUMP:
                    words.append(rng.choice(nxt))
                else:
                    words.append(rng.choice(self.unigrams))
            if not self.copies(words):
                break
        words[0] = words[0][:1].upper() + words[0][1:]
        text = " ".join(words).rstrip(",;:\u2013-")
        return text if text[-1] in ".!?" else text + "."

    def body(self, rng: random.Random, words: int) -> str:
        paras: list[str] = []
        total = 0
        while total < words:
            n = max(1, rng.choice(self.paragraph_sentences))
            sents = [self.sentence(rng) for _ in range(n)]
            paras.append(" ".join(sents))
            total += sum(len(s.split()) for s in sents)
        return "\n\n".join(paras)


def _title_words(vocab: Vocabulary, rng: random.Random, n: int) -> str:
    words = [w for w in (re.sub(r"\W", "", rng.choice(vocab.unigrams)) for _ in range(n * 3)) if w]
    return " ".join(w.capitalize() for w in words[:n]) or "Untitled"


def generate(
    out_dir: Path,
    reviews: int,
    critics: int,
    *,
    seed: int = 7,
    words_per_review: int = 1000,
    films: int | None = None,
    sample_dir: Path = SAMPLE_DIR,
) -> list[Path]:
    """Write `reviews` review files by `critics` critics into `out_dir`; returns their paths.

    Critic j writes reviews j, j + critics, ... Films follow a Zipf law (film i is reviewed in
    proportion to 1/(i+1)), so filtering on film 0 keeps a large share of the passages (~1/5 for
    50 films) and the last film a tiny one: the broad and narrow cases of a metadata filter.
    """
    rng = random.Random(seed)
    vocab = Vocabulary(sample_bodies(sample_dir))
    names = [f"Critic {_title_words(vocab, rng, 2)} {j:03d}" for j in range(critics)]
    outlets = [f"The {_title_words(vocab, rng, 1)} Review" for _ in range(max(1, critics // 4))]
    n_films = films or max(1, reviews // 10)
    film_titles = [f"{_title_words(vocab, rng, 3)} {i}" for i in range(n_films)]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    weights = [1.0 / (f + 1) for f in range(len(film_titles))]
    for i in range(reviews):
        j = i % critics
        film = rng.choices(film_titles, weights=weights)[0]
        body = vocab.body(rng, words_per_review)
        path = out_dir / f"synth-{i:05d}.md"
        path.write_text(
            "---\n"
            f"id: synth-{i:05d}\n"
            f'film: "{film}"\n'
            "year: 2025\n"
            f'critic: "{names[j]}"\n'
            f'outlet: "{outlets[j % len(outlets)]}"\n'
            f'title: "Review {i} of {film}"\n'
            "---\n\n"
            f"{body}\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def word_stats(paths: Iterable[Path]) -> Counter[str]:
    """Word counts over generated bodies (a quick sanity check of the vocabulary)."""
    counts: Counter[str] = Counter()
    for p in paths:
        counts.update(_FRONT_MATTER.sub("", p.read_text(encoding="utf-8"), count=1).split())
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--reviews", type=int, default=100)
    parser.add_argument("--critics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words", type=int, default=1000, help="words per review")
    args = parser.parse_args(argv)
    paths = generate(
        args.out_dir, args.reviews, args.critics, seed=args.seed, words_per_review=args.words
    )
    print(f"wrote {len(paths)} reviews to {args.out_dir}")


if __name__ == "__main__":
    main()
