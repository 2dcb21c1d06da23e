"""Write retrieval/overall.json: the labelled questions `retrieval/overall.py` compares with.

"overall": the questions of data/eval/verdict_tune.jsonl (plain "is it any good?" questions in
fans' words) and the tune questions the words of a question already mark overall (intent.py);
"topic": every other tune question. Only `tune` is used; `holdout` stays held out.

    python -m bench.overall_examples           # (re)write retrieval/overall.json
    python -m bench.overall_examples --check   # exit 1 when the file differs
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from retrieval.engine import Engine
from retrieval.evaluation import load_questions
from retrieval.films import film_terms
from retrieval.overall import EXAMPLES
from retrieval.query import analyse

REPO = Path(__file__).resolve().parents[1]
TUNE = REPO / "data" / "eval" / "tune.jsonl"
VERDICT_TUNE = REPO / "data" / "eval" / "verdict_tune.jsonl"


def examples(engine: Engine) -> dict[str, list[str]]:
    live = engine._require()
    searcher, films = live.searcher, live.snapshot.films
    plain = {q.id for q in load_questions(VERDICT_TUNE)}
    out: dict[str, list[str]] = {"overall": [], "topic": []}
    for q in load_questions(TUNE):
        query = analyse(q.question, searcher.lexical.has, searcher.vocabulary,
                        film_terms(q.question, films))  # fmt: skip
        out["overall" if q.id in plain or query.overall else "topic"].append(q.question)
    return out


def render(data: dict[str, list[str]]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(REPO / "data" / "reviews", Path(tmp) / "index",
                        model_dir=REPO / ".reviewbot" / "models")  # fmt: skip
        engine.index()
        text = render(examples(engine))
    if "--check" in argv:
        ok = EXAMPLES.is_file() and EXAMPLES.read_text("utf-8") == text
        print(f"{EXAMPLES}: {'matches' if ok else 'differs from'} the tune questions")
        return 0 if ok else 1
    EXAMPLES.write_text(text, "utf-8")
    print(f"wrote {EXAMPLES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
