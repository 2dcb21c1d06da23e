"""`reviewbot doctor`: every check passes on a ready host, and each one fails once on its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.doctor import report, run_checks
from retrieval.engine import Engine
from tests.conftest import MODEL_DIR, REVIEWS, ROOT

KEY = "sk-doctor-KEYSECRET"
TOKEN = "MTIz.TOKENSECRET.abc"


class ModelsServer:
    """GET /v1/models on 127.0.0.1: 200 with a model list for KEY, 401 for any other key."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests.append({"path": self.path, "auth": self.headers["Authorization"]})
                ok = self.headers["Authorization"] == f"Bearer {KEY}"
                body = {"data": [{"id": "gpt-4o-mini"}]} if ok else {"error": "bad key"}
                data = json.dumps(body).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def llm() -> Iterator[ModelsServer]:
    """A local /models endpoint."""
    server = ModelsServer()
    yield server
    server.close()


@pytest.fixture
def ready(engine: Engine, llm: ModelsServer, tmp_path: Path) -> Settings:
    """Settings of a host where everything is in place (real index, exported model, LLM up)."""
    return Settings(
        discord_token=TOKEN, data_dir=REVIEWS, index_dir=engine.index_dir, model_dir=MODEL_DIR,
        openai_api_key=KEY, openai_base_url=llm.base_url, feedback_db=tmp_path / "fb.sqlite3",
    )  # fmt: skip


def failing(settings: Settings) -> dict[str, str]:
    return {c.name: c.detail for c in run_checks(settings) if not c.ok}


def test_a_ready_host_passes_every_check(ready: Settings, llm: ModelsServer) -> None:
    """All ✓ and exit 0; the LLM check asked /models with the key; no secret is printed."""
    checks = run_checks(ready)
    text, status = report(checks, as_json=False)
    assert status == 0, text
    assert [c.name for c in checks] == [
        "Discord token", "Message Content intent", "Reviews", "Index", "Embedding model",
        "Feedback database", "LLM",
    ]  # fmt: skip
    assert text.splitlines()[-1] == "all checks passed"
    assert "5 review file(s)" in text and "model gpt-4o-mini is listed" in text
    assert llm.requests[-1]["path"] == "/v1/models"
    assert "SECRET" not in text


def test_missing_token(ready: Settings) -> None:
    """No DISCORD_TOKEN: ✗ saying where to put it."""
    assert "DISCORD_TOKEN is not set" in failing(ready.with_(discord_token=None))["Discord token"]


def test_missing_reviews(ready: Settings, tmp_path: Path) -> None:
    """A missing reviews folder, and an empty one, each fail the Reviews check."""
    assert "is not a folder" in failing(ready.with_(data_dir=tmp_path / "nope"))["Reviews"]
    (tmp_path / "empty").mkdir()
    assert "no review files" in failing(ready.with_(data_dir=tmp_path / "empty"))["Reviews"]


def test_index_missing_or_from_another_model(ready: Settings, tmp_path: Path) -> None:
    """No index → 'run reviewbot index'; an index from another model → its model is named."""
    assert "reviewbot index" in failing(ready.with_(index_dir=tmp_path / "none"))["Index"]
    copy = tmp_path / "index"
    shutil.copytree(ready.index_dir, copy)
    head = json.loads((copy / "CURRENT").read_text())
    (copy / "CURRENT").write_text(json.dumps({**head, "model": "other/model", "dim": 768}))
    detail = failing(ready.with_(index_dir=copy))["Index"]
    assert "other/model" in detail and "reviewbot index" in detail


def test_model_not_exported(ready: Settings, tmp_path: Path) -> None:
    """An empty model folder: ✗ saying the first start exports it."""
    assert "not exported" in failing(ready.with_(model_dir=tmp_path / "m"))["Embedding model"]


def test_llm_key_rejected_and_llm_unreachable(ready: Settings) -> None:
    """A 401 is 'reachable but rejected the key'; a closed port is 'unreachable'."""
    detail = failing(ready.with_(openai_api_key="sk-wrong"))["LLM"]
    assert "reachable but rejected the key (HTTP 401)" in detail
    closed = ready.with_(openai_base_url="http://127.0.0.1:9/v1")
    assert "unreachable" in failing(closed)["LLM"]


def test_cli_doctor_exit_status_and_json(ready: Settings) -> None:
    """`reviewbot doctor --json` (a real process): a list of checks, exit 1 when one fails."""
    env = {
        **os.environ, "DISCORD_TOKEN": "", "REVIEWBOT_DATA_DIR": str(REVIEWS),
        "REVIEWBOT_INDEX_DIR": str(ready.index_dir), "REVIEWBOT_MODEL_DIR": str(MODEL_DIR),
        "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "",
    }  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor", "--json", "--skip-llm"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    checks = {c["name"]: c for c in json.loads(proc.stdout)}
    assert not checks["Discord token"]["ok"] and checks["Index"]["ok"] and checks["Reviews"]["ok"]
    env["DISCORD_TOKEN"] = TOKEN
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor", "--skip-llm"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "TOKENSECRET" not in proc.stdout + proc.stderr
    assert all(line[0] in "✓i" for line in proc.stdout.splitlines()[:-1])
