"""Fresh `reviewbot` processes for the bench: their environment and cold-start wall time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale import pct

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def cli_env(data: Path, index: Path, models: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REVIEWBOT_"))}
    env.update(
        REVIEWBOT_DATA_DIR=str(data),
        REVIEWBOT_INDEX_DIR=str(index),
        REVIEWBOT_MODEL_DIR=str(models),
    )
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    return env


def reviewbot() -> list[str]:
    exe = Path(PY).with_name("reviewbot")
    return [str(exe)] if exe.exists() else [PY, "-m", "bot.cli"]


def cold_start(data: Path, index: Path, models: Path, question: str, runs: int) -> dict[str, Any]:
    """Wall time of fresh `reviewbot ask ... --json` processes (OS file cache warm)."""
    cmd = [*reviewbot(), "ask", question, "--json"]
    env = cli_env(data, index, models)
    first = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if first.returncode != 0:
        return {"error": (first.stderr or first.stdout).strip().splitlines()[-1:], "cmd": cmd}
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, check=True, timeout=300)
        walls.append(time.perf_counter() - t)
    doc = json.loads(first.stdout)
    bare = []
    for _ in range(max(3, runs // 2)):
        t = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t)
    return {
        "cmd": f'ask "{question}" --json',
        "wall_s": pct(walls),
        "python_startup_s": float(np.median(bare)),
        "mode": doc.get("mode"),
        "timings_ms": doc.get("timings_ms"),
    }


def query_process(data: Path, index: Path, model_file: Path, rounds: int) -> dict[str, Any]:
    """`python -m bench.scale` on one index: a fresh process that opens it and answers the dev
    questions with and without filters; its JSON (latencies, peak RSS)."""
    cmd = [PY, "-m", "bench.scale", "--data", str(data), "--index", str(index)]
    cmd += ["--model", str(model_file), "--rounds", str(rounds)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"bench.scale failed:\n{res.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out
