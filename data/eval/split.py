"""Split the labelled questions into `tune.jsonl` and `holdout.jsonl` (issue 8).

`questions.jsonl` holds every new labelled question, each with a `type`. Within each type the
ids are sorted, shuffled with a fixed seed and halved: the larger half goes to `holdout`, the
rest to `tune`. The shipped dev set (`dev.jsonl`, left byte for byte as it is) joins `tune`
with a `type` added here, since the dev set was tuned on already.

    python data/eval/split.py          # (re)write tune.jsonl and holdout.jsonl
    python data/eval/split.py --check  # exit 1 when the files on disk differ from the split

The split was decided before anyone tuned on it; change the seed or the rule and the holdout
is no longer held out.

Session 4 added two sets, each written by someone who read only the five reviews (no code, no
other questions), before the sentence model was fitted:
- `more_tune.jsonl` (74 questions, ids `t2-…`) joins `tune` whole: it is what the sentence
  model (retrieval/ranker.py) is fitted on together with the rest of `tune`;
- `fresh_holdout.jsonl` (58 questions) joins `holdout` whole; nobody who tunes has read it.

`verdict_tune.jsonl` holds plain "is it any good?" questions in a fan's words, labelled with
each review's overall verdict, and joins `tune` whole (tune had two such questions, too few to
build and check the overall-verdict answer on):
- 12 (ids `t3-…`, session 7) written by the lead before that answer was built, with the phrases
  of `t2-verdict-worth`;
- 10 (ids `v4-…`, session 8) and 12 (ids `v5-plain-…`) written by two helpers who read only the
  reviews, each set first run as a test of the answer as it then was, then used to widen it.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261122

# The dev set predates the `type` field; its questions get one here (dev.jsonl stays as shared).
DEV_TYPES = {
    "keanu-cameo": "named",
    "flamethrower": "scene",
    "de-armas-action": "named",
    "reshoots": "named",
    "story": "paraphrase",
    "rating": "comparison",
    "reddick": "named",
    "exhausting": "paraphrase",
    "zimmer": "unanswerable",
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def split(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """(tune, holdout): per type, shuffled with `seed`, holdout takes ceil(n / 2)."""
    by_type: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_type[row["type"]].append(row)
    rng = random.Random(seed)
    held: set[str] = set()
    for kind in sorted(by_type):
        ids = sorted(r["id"] for r in by_type[kind])
        rng.shuffle(ids)
        held.update(ids[: (len(ids) + 1) // 2])
    tune = [r for r in rows if r["id"] not in held]
    holdout = [r for r in rows if r["id"] in held]
    return tune, holdout


def dev_rows() -> list[dict]:
    return [{**row, "type": DEV_TYPES[row["id"]]} for row in read_jsonl(HERE / "dev.jsonl")]


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def outputs() -> dict[Path, str]:
    tune, holdout = split(read_jsonl(HERE / "questions.jsonl"))
    tune += read_jsonl(HERE / "more_tune.jsonl") + read_jsonl(HERE / "verdict_tune.jsonl")
    holdout += read_jsonl(HERE / "fresh_holdout.jsonl")
    return {HERE / "tune.jsonl": render(dev_rows() + tune), HERE / "holdout.jsonl": render(holdout)}


def main(argv: list[str]) -> int:
    files = outputs()
    if "--check" in argv:
        stale = [
            p.name for p, text in files.items() if not p.is_file() or p.read_text("utf-8") != text
        ]
        if stale:
            print(f"out of date: {', '.join(stale)} (run python data/eval/split.py)")
            return 1
        return 0
    for path, text in files.items():
        path.write_text(text, "utf-8")
        print(f"{path.name}: {text.count(chr(10))} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
