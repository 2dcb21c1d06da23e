"""A film club's archive in real English: the shipped reviews' sentences dealt to invented films.

Every sentence of every generated review is a sentence a critic wrote (`data/reviews/*.md`, split
by the index's own splitter), with the shipped film's title replaced by the invented film's; no
review copies a shipped review whole, nor even two of its sentences in their original order.
Films (hundreds for a few thousand reviews) get reviews on a Zipf law, so a few are reviewed
dozens of times and most a handful; about one film in six has `aliases:` (a short title, a
subtitle). Critics, outlets, years and ratings are invented. Deterministic for a given seed.

    python -m bench.realtext OUT_DIR --reviews 2000 [--seed 12]

The bench builds an index of it with the real embedder: the cost of a real build, and film
scoping over many films, measured rather than assumed (`bench/run.py`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import frontmatter

from retrieval.chunking import paragraphs, sentences

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "reviews"

_ADJECTIVES = (
    "Silent", "Crimson", "Last", "Broken", "Hollow", "Golden", "Midnight", "Distant", "Burning",
    "Quiet", "Savage", "Electric", "Paper", "Iron", "Velvet", "Winter", "Lonely", "Hidden",
    "Bitter", "Wild", "Pale", "Restless", "Final", "Lost", "Northern", "Sleeping", "Shattered",
    "Glass", "Frozen", "Neon",
)  # fmt: skip
_NOUNS = (
    "Harbor", "Ledger", "Orchard", "Signal", "Garden", "Kingdom", "Circuit", "Witness", "Canyon",
    "Mirror", "Season", "River", "Contract", "Parade", "Frontier", "Lantern", "Tide", "Highway",
    "Verdict", "Empire", "Choir", "Fever", "Meridian", "Archive", "Ballroom", "Outpost",
    "Carnival", "Requiem", "Horizon", "Engine",
)  # fmt: skip
_SUBTITLES = (
    "Part Two", "The Reckoning", "Homecoming", "Blood Debt", "The Long Night", "Rebirth",
    "The Last Stand", "First Light", "Endgame", "The Return",
)  # fmt: skip
_FIRST = (
    "Ada", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Viktor",
    "Wen", "Yara", "Zoe", "Amir", "Beatriz", "Colm", "Dina", "Emil",
)  # fmt: skip
_LAST = (
    "Abbott", "Brennan", "Castillo", "Dorsey", "Ekwueme", "Fischer", "Galloway", "Hartmann",
    "Ibarra", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Quintero", "Rahman", "Sandoval", "Thorne", "Ueda", "Varga", "Whitlock", "Xu", "Yilmaz",
    "Zeller",
)  # fmt: skip
_OUTLET_WORDS = (
    "Reel", "Screen", "Frame", "Projector", "Matinee", "Marquee", "Balcony", "Celluloid", "Lens",
    "Aisle",
)  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    text: str
    source: int  # which shipped review
    position: int  # its index among that review's sentences


@dataclass(frozen=True)
class Film:
    title: str
    short: str  # what a critic calls it in running text
    year: int
    aliases: tuple[str, ...]


def _whole(text: str) -> bool:
    """A sentence the splitter finds again wherever it is put (it opens with a capital and closes
    with its own punctuation, not an abbreviation's), of a few words."""
    probe = f"One before. {text} One after."
    found = [probe[s.start : s.end] for s in sentences(probe)]
    return len(text.split()) >= 3 and found == ["One before.", text, "One after."]


def source_sentences(sample_dir: Path = SAMPLE_DIR) -> tuple[list[list[Sentence]], list[str]]:
    """Each shipped review's sentences (in order, as the index splits them) and its film."""
    reviews: list[list[Sentence]] = []
    films: list[str] = []
    for n, path in enumerate(sorted(sample_dir.glob("*.md"))):
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
        films.append(str(post.get("film", "")))
        body = post.content
        spans = [s for p in paragraphs(body) for s in sentences(body, p.start, p.end)]
        texts = [body[s.start : s.end] for s in spans]
        reviews.append([Sentence(t, n, i) for i, t in enumerate(texts) if _whole(t)])
    if not any(reviews):
        raise ValueError(f"no sentences in {sample_dir}")
    return reviews, films


def _films(rng: random.Random, n: int) -> list[Film]:
    out: list[Film] = []
    seen: set[str] = set()  # titles and aliases: an alias names one film only
    while len(out) < n:
        base = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        if rng.random() < 0.3:
            base = f"The {base}"
        if base in seen:
            base = f"{base} {sum(t.startswith(base) for t in seen) + 1}"
        seen.add(base)
        year = rng.randint(1968, 2026)
        roll = rng.random()
        sub = f"{rng.choice(_SUBTITLES)}"
        if roll < 0.08 and sub not in seen:  # a spin-off: critics call it by its subtitle
            seen.add(sub)
            out.append(Film(f"{base}: {sub}", sub, year, (sub, base)))
        elif roll < 0.17 and base.startswith("The ") and base[4:] not in seen:
            seen.add(base[4:])
            out.append(Film(base, base[4:], year, (base[4:],)))
        else:
            out.append(Film(base, base, year, ()))
    return out


def _retitle(text: str, shipped: str, film: Film) -> str:
    """The sentence about the invented film: its title wherever the shipped film's is named."""
    if shipped:
        text = text.replace(shipped, film.title)
        short = shipped.rsplit(":", 1)[-1].strip()
        if short and short != shipped:  # "Ballerina", "BALLERINA"; not "the ballerinas"
            text = re.sub(rf"\b{re.escape(short)}\b", film.short, text)
            text = re.sub(rf"\b{re.escape(short.upper())}\b", film.short.upper(), text)
    return text


def _body(
    rng: random.Random, pool: list[Sentence], shipped: list[str], film: Film, n_sentences: int
) -> str:
    chosen: list[Sentence] = []
    while len(chosen) < n_sentences:
        s = rng.choice(pool)
        prev = chosen[-1] if chosen else None
        # Never two sentences in their original order, nor one sentence twice in a review.
        if prev and s.source == prev.source and s.position == prev.position + 1:
            continue
        if s in chosen:
            continue
        chosen.append(s)
    paras: list[str] = []
    at = 0
    while at < len(chosen):
        size = rng.randint(2, 6)
        run = chosen[at : at + size]
        paras.append(" ".join(_retitle(s.text, shipped[s.source], film) for s in run))
        at += size
    return "\n\n".join(paras)


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted string


def generate(
    out_dir: Path,
    reviews: int,
    *,
    seed: int = 12,
    films: int | None = None,
    sentences_per_review: tuple[int, int] = (4, 10),
    sample_dir: Path = SAMPLE_DIR,
) -> list[Path]:
    """Write `reviews` review files into `out_dir`; returns their paths.

    `films` defaults to one film per 8 reviews; every film gets at least one review and the
    rest follow a Zipf law over a shuffled film order.
    """
    rng = random.Random(seed)
    by_review, shipped = source_sentences(sample_dir)
    pool = [s for review in by_review for s in review]
    n_films = max(1, min(reviews, films or reviews // 8))
    film_list = _films(rng, n_films)
    weights = [1.0 / (rank + 1) for rank in range(n_films)]
    picks = list(range(n_films)) + rng.choices(range(n_films), weights=weights, k=reviews - n_films)
    rng.shuffle(picks)
    outlets = [f"The {w} {kind}" for w in _OUTLET_WORDS for kind in ("Review", "Weekly", "Post")]
    critics = [
        (f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", rng.choice(outlets))
        for _ in range(max(5, reviews // 25))
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i, f in enumerate(picks):
        film = film_list[f]
        lo, hi = sentences_per_review
        body = _body(rng, pool, shipped, film, min(rng.randint(lo, hi), len(pool)))
        critic, outlet = critics[rng.randrange(len(critics))]
        lines = [
            "---",
            f"id: rt-{i:05d}",
            f"film: {_yaml(film.title)}",
            f"year: {film.year}",
            f"critic: {_yaml(critic)}",
            f"outlet: {_yaml(outlet)}",
            f"title: {_yaml(f'{film.short}: a review')}",
        ]
        if rng.random() < 0.6:
            lines.append(f"rating: {_yaml(f'{rng.randint(1, 5)}/5')}")
        if film.aliases:
            lines.append("aliases: [" + ", ".join(_yaml(a) for a in film.aliases) + "]")
        lines += ["---", "", body, ""]
        path = out_dir / f"rt-{i:05d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def film_counts(paths: list[Path]) -> Counter[str]:
    """Reviews per film in generated files."""
    return Counter(str(frontmatter.load(p).get("film", "")) for p in paths)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.reviews, seed=args.seed)
    counts = film_counts(paths)
    print(
        f"wrote {len(paths)} reviews of {len(counts)} films to {args.out_dir} "
        f"(most reviewed: {counts.most_common(1)[0][1]})"
    )


if __name__ == "__main__":
    main()
