"""Query latency, memory and the filter plans on one (large) index, in a fresh process.

    python -m bench.scale --data DIR --index DIR --model FILE [--rounds 5]

Run by `bench.run` as a subprocess so that the peak RSS it prints belongs to a process that only
opened the index and answered questions. Prints one JSON document on stdout.

Besides the engine's own timings it measures the dense side of a filtered query three ways on
the same index: Chroma's `where` on the `review_id` metadata (the plan the issue measured at
98-295 ms), Chroma's `where` with the filter written as `$in`, and exact dot products over the
filtered rows of the memory-mapped `vectors.npy` (the engine's plan).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.engine import Engine
from retrieval.evaluation import dev_set_path
from retrieval.onnx_embedding import OnnxEmbedder

DEV = dev_set_path(Path(__file__).resolve().parents[1])


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


def pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    return {
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
        "max": float(a.max()),
        "n": len(a),
    }


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def current_rss_mb() -> float:
    return _status_mb("VmRSS:")


def peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across fork + exec, so a
    child of a big parent reports the parent's size."""
    return _status_mb("VmHWM:")


def measure(data: Path, index: Path, model: Path, qs: list[str], rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    engine = Engine(data, index, embedder=OnnxEmbedder(model))
    snap = engine.snapshot()
    assert snap is not None, f"no index at {index}"
    out["open_s"] = time.perf_counter() - t0
    out["passages"] = len(snap.passages)
    out["reviews"] = len(snap.reviews)
    out["rss_after_open_mb"] = current_rss_mb()

    # Filters: one critic (= one review: the engine's critic filter), the biggest and the
    # smallest film (many reviews / few reviews).
    by_film: dict[str, list[str]] = {}
    for r in snap.reviews.values():
        by_film.setdefault(r.film, []).append(r.id)
    films = sorted(by_film, key=lambda f: -len(by_film[f]))
    rows = snap.rows_by_review
    critics = [r for r in engine.critics() if r.critic][:: max(1, len(snap.reviews) // 7)][:7]

    def share(ids: list[str]) -> float:
        return sum(len(rows[i]) for i in ids) / len(snap.passages)

    broad, narrow = by_film[films[0]], by_film[films[-1]]
    cases: list[tuple[str, dict[str, Any], list[str] | None]] = [
        ("no filter", {}, None),
        ("critic (one review)", {"critic": "*"}, None),
        (f"film, broad ({share(broad):.1%} of passages)", {"film": films[0]}, broad),
        (f"film, narrow ({share(narrow):.2%})", {"film": films[-1]}, narrow),
    ]
    engine.ask(qs[0], use_llm=False)  # warm: caches, first Chroma query
    # ...and the overall-verdict examples (overall.py), embedded once a process when, as here,
    # the engine is given its embedder rather than a model folder to keep their vectors in
    engine.ask("is it any good?", use_llm=False)
    results = []
    for label, kw, _ in cases:
        retrieval, search, total = [], [], []
        for rnd in range(rounds):
            for qi, q in enumerate(qs):
                args = dict(kw)
                if args.get("critic") == "*":
                    args["critic"] = critics[(rnd + qi) % len(critics)].critic
                t = time.perf_counter()
                ans = engine.ask(q, use_llm=False, **args)
                total.append((time.perf_counter() - t) * 1e3)
                tm = ans.timings_ms
                retrieval.append(tm.get("embed_ms", 0.0) + tm.get("search_ms", 0.0))
                search.append(tm.get("search_ms", 0.0))
        results.append(
            {"filter": label, "retrieval": pct(retrieval), "search": pct(search), "ask": pct(total)}
        )
    out["queries"] = results
    # Before the plan comparison below: Chroma's `where` filters load far more than the engine.
    out["peak_rss_engine_mb"] = peak_rss_mb()

    # The dense side of a filtered query, two plans, same query vectors.
    col = engine._store.collection(snap)
    qvecs = [engine.embedder.embed_query(q) for q in qs]
    one = critics[0].id
    plan_cases = [("critic (one review)", [one], {"review_id": one})] + [
        (label, ids, {"film": snap.reviews[ids[0]].film})
        for label, _, ids in cases[2:]
        if ids is not None
    ]
    plans = []
    for label, ids, where in plan_cases:
        sel = np.concatenate([rows[i] for i in ids])
        chroma, dot = [], []
        for qv in qvecs:
            t = time.perf_counter()
            col.query(query_embeddings=[qv], n_results=48, where=where, include=["distances"])
            chroma.append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            sims = np.asarray(snap.vectors[sel] @ qv)
            top = np.argpartition(-sims, min(47, len(sims) - 1))[:48]
            _ = sel[top[np.argsort(-sims[top])]]
            dot.append((time.perf_counter() - t) * 1e3)
        plans.append(
            {"filter": label, "where": where, "chroma_where": pct(chroma), "numpy_rows": pct(dot)}
        )
    out["dense_plans"] = plans
    out["rss_final_mb"] = current_rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    out["torch_imported"] = "torch" in sys.modules
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    result = measure(args.data, args.index, args.model, questions(args.questions), args.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
