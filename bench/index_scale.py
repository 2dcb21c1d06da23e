"""What the index costs at scale: build, open, one-review reindex, peak memory, disk, cold ask.

    python -m bench.index_scale --reviews 882 --work /tmp/idx-10k     # ≈ 10k passages
    python -m bench.index_scale --reviews 8811 --work /tmp/idx-100k   # ≈ 100k passages

Synthetic reviews (`bench/synth.py`) and pooled vectors (`bench/vectors.PooledEmbedder`: 500
real embeddings, the rest real vectors plus noise) for the build, as in `bench.run`; the
one-review reindex embeds that review for real. The index is reused if it exists (an index of
another format is rebuilt by the first reindex, which then is not a one-review reindex: build it
first). Prints one JSON document; figures, not pass/fail. Timings of fresh processes are medians
of `--runs` runs; `load` is the 1-minute load average before and after (the machine is shared).

Fields (read by bench/run.py; seconds, MB = 2**20 bytes):
    reviews, passages          the index's size
    build_s                    only when this run built the index (pooled vectors)
    open_s, open_runs          a fresh process: import the engine, open the index, list critics
    reindex_one_s              `Engine.index()` after one review file changed (median of runs),
    reindex_one_embed_s        … of which inside the embedder (that review's passages, sentences)
    reindex_one_rest_s         … the rest: everything the index's size could make grow
    reindex_back_s             the file changed back (its old version is still stored: no embedding)
    reindex_nothing_s          nothing changed
    rss_open_mb                a fresh process after opening the index (VmRSS)
    rss_peak_mb                … its high-water mark (VmHWM) after answering `--questions`
                               extractive questions of the dev set, unfiltered
    disk_after_mb              the index folder after the reindexes above (retired generations
                               still within their grace period, REVIEWBOT_INDEX_GRACE_S)
    disk_mb, disk_parts_mb     … and once they are gone (one generation), by part (`disk_parts`)
    cold_ask_s, cold_ask_runs  `reviewbot ask --no-llm` in a fresh process, wall clock
    load                       [1-min load average before, after]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import synth
from bench.vectors import PooledEmbedder
from retrieval.engine import Engine
from retrieval.evaluation import dev_set_path
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

_ANSWER = """
import json, sys
from pathlib import Path
from retrieval.engine import Engine

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024

engine = Engine(Path(sys.argv[1]), Path(sys.argv[2]))
engine.critics()
opened = status("VmRSS:")
for q in json.loads(sys.argv[3]):
    engine.ask(q, use_llm=False)
print(json.dumps({"rss_open_mb": opened, "rss_peak_mb": status("VmHWM:")}))
"""


class TimedEmbedder:
    """An embedder that adds up the time spent in it (to split a reindex into embed vs rest)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        t = time.perf_counter()
        try:
            return np.asarray(self.inner.embed_documents(texts))
        finally:
            self.seconds += time.perf_counter() - t

    def embed_query(self, text: str) -> np.ndarray:
        t = time.perf_counter()
        try:
            return np.asarray(self.inner.embed_query(text))
        finally:
            self.seconds += time.perf_counter() - t


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def disk_parts(index: Path) -> dict[str, float]:
    """MB by part: Chroma's SQLite and HNSW files, the segments' passage vectors (*.p.npy),
    sentence vectors (*.s.npy), tables (*.npz) and review records (*.json), the generations'
    BM25 indexes and manifests, and anything else."""
    parts: dict[str, float] = {}

    def add(name: str, size: int) -> None:
        parts[name] = parts.get(name, 0.0) + size / 2**20

    for f in index.rglob("*"):
        if not f.is_file():
            continue
        rel = f.relative_to(index).parts
        size = f.stat().st_size
        if rel[0].startswith("chroma"):
            add("chroma_sqlite" if f.name.startswith("chroma.sqlite3") else "chroma_hnsw", size)
        elif rel[0] == "segments":
            kind = {".npy": f.name.rsplit(".", 2)[-2] + ".npy", ".npz": "npz", ".json": "json"}
            add("segments_" + kind.get(f.suffix, "other"), size)
        elif rel[0].startswith("gen-"):
            add("gen_bm25" if "bm25" in rel else "gen_manifest", size)
        else:
            add("other", size)
    return {k: round(v, 1) for k, v in sorted(parts.items())}


def _fresh(script: str, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=REPO, check=True
    )
    return run.stdout.strip().splitlines()[-1]


def _dev_questions(n: int) -> list[str]:
    lines = dev_set_path(REPO).read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def measure(reviews: int, work: Path, runs: int, questions: int) -> dict[str, Any]:
    data, index = work / "reviews", work / "index"
    emb = default_embedder(MODEL_DIR)
    out: dict[str, Any] = {"reviews": reviews, "load": [os.getloadavg()[0]]}
    if not index.exists():
        shutil.rmtree(work, ignore_errors=True)
        synth.generate(data, reviews, max(5, reviews // 20), seed=7, films=50)
        t = time.perf_counter()
        Engine(data, index, embedder=PooledEmbedder(emb)).index()
        out["build_s"] = time.perf_counter() - t
    timed = TimedEmbedder(emb)
    engine = Engine(data, index, embedder=timed)
    snap = engine.snapshot()
    assert snap is not None
    out["reviews"] = len(snap.reviews)
    out["passages"] = len(snap.passages)

    opens = [float(_fresh(_OPEN, str(data), str(index))) for _ in range(runs)]
    out["open_s"], out["open_runs"] = statistics.median(opens), opens
    asked = json.dumps(_dev_questions(questions))
    out.update(json.loads(_fresh(_ANSWER, str(data), str(index), asked)))

    target = sorted(data.glob("*.md"))[1]
    original = target.read_text(encoding="utf-8")
    total, embed, back, nothing = [], [], [], []
    try:
        for _ in range(runs):
            # A sentence never stored before (earlier runs' versions stay stored): embedded.
            added = f"\nOne more sentence, added here ({time.time_ns()}).\n"
            target.write_text(original + added, "utf-8")
            timed.seconds = 0.0
            t = time.perf_counter()
            engine.index()
            total.append(time.perf_counter() - t)
            embed.append(timed.seconds)
            target.write_text(original, encoding="utf-8")
            t = time.perf_counter()
            engine.index()  # back: that version is still stored, so nothing is embedded
            back.append(time.perf_counter() - t)
            t = time.perf_counter()
            engine.index()
            nothing.append(time.perf_counter() - t)
    finally:
        target.write_text(original, encoding="utf-8")
    out["reindex_one_s"] = statistics.median(total)
    out["reindex_one_embed_s"] = statistics.median(embed)
    out["reindex_one_rest_s"] = statistics.median(t - e for t, e in zip(total, embed, strict=True))
    out["reindex_one_runs"] = total
    out["reindex_back_s"] = statistics.median(back)
    out["reindex_nothing_s"] = statistics.median(nothing)
    out["disk_after_mb"] = round(du_mb(index), 1)
    # Once the retired generations' grace period is over, one generation is left.
    os.environ["REVIEWBOT_INDEX_GRACE_S"] = "0"
    engine.index()
    out["disk_mb"] = round(du_mb(index), 1)
    out["disk_parts_mb"] = disk_parts(index)

    cmd = [str(Path(sys.executable).parent / "reviewbot"), "--data", str(data), "--index",
           str(index), "ask", "What did critics say about the action?", "--no-llm"]  # fmt: skip
    colds = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=REPO, check=True)
        colds.append(time.perf_counter() - t)
    out["cold_ask_s"], out["cold_ask_runs"] = statistics.median(colds), colds
    out["load"].append(os.getloadavg()[0])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=882)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes / reindexes per row")
    parser.add_argument("--questions", type=int, default=10, help="questions for the peak RSS")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.reviews, args.work, args.runs, args.questions), indent=2))


if __name__ == "__main__":
    main()
