"""What the index costs at scale: build, open in a fresh process, reindex after one change.

    python -m bench.index_scale --reviews 882 --work /tmp/idx-10k     # ≈ 10k passages
    python -m bench.index_scale --reviews 8811 --work /tmp/idx-100k   # ≈ 100k passages

Synthetic reviews (`bench/synth.py`) and pooled vectors (`bench/vectors.PooledEmbedder`: 500
real embeddings, the rest real vectors plus noise) for the build, as in `bench.run`; the
one-review reindex embeds that review for real. The index is reused if it exists. Prints one
JSON document; figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import synth
from bench.vectors import PooledEmbedder
from retrieval.engine import Engine
from retrieval.onnx_embedding import default_embedder

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO / ".reviewbot" / "models"

_OPEN = """
import sys, time
t = time.perf_counter()
from pathlib import Path
from retrieval.engine import Engine
engine = Engine(Path(sys.argv[1]), Path(sys.argv[2]))
engine.critics()
print(time.perf_counter() - t)
"""


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def measure(reviews: int, work: Path) -> dict[str, Any]:
    data, index = work / "reviews", work / "index"
    emb = default_embedder(MODEL_DIR)
    out: dict[str, Any] = {"reviews": reviews}
    if not index.exists():
        shutil.rmtree(work, ignore_errors=True)
        synth.generate(data, reviews, max(5, reviews // 20), seed=7, films=50)
        t = time.perf_counter()
        Engine(data, index, embedder=PooledEmbedder(emb)).index()
        out["build_s"] = time.perf_counter() - t
    engine = Engine(data, index, embedder=emb)
    snap = engine.snapshot()
    assert snap is not None
    out["passages"] = len(snap.passages)
    out["disk_mb"] = du_mb(index)
    out["chroma_mb"] = sum(du_mb(d) for d in index.glob("chroma-*"))
    # Opening: a fresh process importing the engine, loading the snapshot and its searcher.
    cmd = [sys.executable, "-c", _OPEN, str(data), str(index)]
    opens = [
        float(subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout) for _ in "ab"
    ]
    out["open_s"] = min(opens)
    target = sorted(data.glob("*.md"))[1]
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original + "\nOne more sentence, added here.\n", encoding="utf-8")
        t = time.perf_counter()
        engine.index()
        out["one_changed_s"] = time.perf_counter() - t
    finally:
        target.write_text(original, encoding="utf-8")
    t = time.perf_counter()
    engine.index()  # back: that version is still stored, so nothing is embedded
    out["one_changed_back_s"] = time.perf_counter() - t
    t = time.perf_counter()
    engine.index()
    out["nothing_changed_s"] = time.perf_counter() - t
    out["disk_mb_after"] = du_mb(index)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=882)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.reviews, args.work), indent=2))


if __name__ == "__main__":
    main()
