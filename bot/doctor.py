"""`reviewbot doctor`: is this host ready to run the bot? One line per check, ✓ or ✗ + what to do.

Checks, cheapest first: the Discord token is set (never printed), the Message Content intent (a
note: it can only be seen by connecting), the reviews folder, the index (readable, built by this
embedding model), the model folder (the one-time ONNX export), the feedback database's folder,
and — when an LLM is configured — one `GET {base}/models` with a short timeout (401/403 means
"reachable, key rejected"). Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.config import Settings, insecure_base_url, redact_url

OPENAI_BASE = "https://api.openai.com/v1"
LLM_TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    note: bool = False  # informational: never fails the run

    def line(self) -> str:
        mark = "i" if self.note else ("✓" if self.ok else "✗")
        return f"{mark} {self.name}: {self.detail}"


def check_token(settings: Settings) -> Check:
    if not settings.discord_token:
        return Check(
            "Discord token", False,
            "DISCORD_TOKEN is not set — put it in .env or the environment (docs/discord.md step 1)",
        )  # fmt: skip
    if settings.discord_token.count(".") != 2:
        return Check(
            "Discord token", False,
            "DISCORD_TOKEN is set but does not look like a bot token (three dot-separated parts) "
            "— copy it again from the portal's Bot tab",
        )  # fmt: skip
    return Check("Discord token", True, "DISCORD_TOKEN is set (not shown)")


def check_intents(settings: Settings) -> Check:
    return Check(
        "Message Content intent", True,
        "seen only when connecting: without it @mentions still work and the bot logs a warning "
        "at start (docs/discord.md, step 1.3)",
        note=True,
    )  # fmt: skip


def check_data(settings: Settings) -> Check:
    folder = settings.data_dir
    if not folder.is_dir():
        return Check(
            "Reviews", False,
            f"{folder} is not a folder — create it and put review files (*.md) in it, or set "
            "REVIEWBOT_DATA_DIR",
        )  # fmt: skip
    if not os.access(folder, os.R_OK | os.X_OK):
        return Check("Reviews", False, f"{folder} is not readable by this user — fix its mode")
    count = sum(1 for p in folder.rglob("*.md") if p.is_file())
    if not count:
        return Check("Reviews", False, f"{folder} has no review files (*.md) — add some")
    return Check("Reviews", True, f"{folder}: {count} review file(s)")


def check_index(settings: Settings) -> Check:
    from retrieval import Engine, ReviewbotError

    # Opening the index reads its manifest only: no model is loaded, nothing is built.
    engine = Engine(settings.data_dir, settings.index_dir, model_dir=settings.model_dir)
    try:
        snapshot = engine.snapshot()
    except ReviewbotError as err:  # another embedding model or format, unreadable
        return Check("Index", False, str(err))
    except (OSError, ValueError, KeyError) as err:
        return Check(
            "Index", False,
            f"{settings.index_dir} is unreadable ({type(err).__name__}) — run `reviewbot index`",
        )  # fmt: skip
    if snapshot is None:
        return Check(
            "Index", False,
            f"no index at {settings.index_dir} — run `reviewbot index` (the bot also builds it "
            "at its first start)",
        )  # fmt: skip
    return Check(
        "Index", True,
        f"{settings.index_dir}: {len(snapshot.reviews)} review(s), {len(snapshot.passages)} "
        f"passages, built with {snapshot.model}",
    )  # fmt: skip


def check_model(settings: Settings) -> Check:
    # The export's file name carries a fingerprint of the packaged model (retrieval's own detail);
    # any export present means the first question will not need torch.
    exported = sorted(settings.model_dir.glob("*.onnx")) if settings.model_dir.is_dir() else []
    if not exported:
        return Check(
            "Embedding model", False,
            f"not exported to ONNX in {settings.model_dir} yet — `reviewbot index` or the bot's "
            "first start exports it once (~10 s, imports torch)",
        )  # fmt: skip
    return Check("Embedding model", True, f"ONNX export present: {exported[-1]}")


def check_feedback(settings: Settings) -> Check:
    db = settings.feedback_path
    folder = next((p for p in (db.parent, *db.parent.parents) if p.exists()), Path("/"))
    target = db if db.exists() else folder
    if not os.access(target, os.W_OK):
        return Check("Feedback database", False, f"{target} is not writable — fix its owner/mode")
    state = "present" if db.exists() else "created at the first vote"
    return Check("Feedback database", True, f"{db} ({state})")


def check_llm(settings: Settings, timeout: float = LLM_TIMEOUT) -> Check:
    if not settings.llm_enabled:
        return Check(
            "LLM", True, "not configured: answers are extractive quotes (set OPENAI_API_KEY or "
            "OPENAI_BASE_URL for LLM answers)", note=True,
        )  # fmt: skip
    import httpx

    base = (settings.openai_base_url or OPENAI_BASE).rstrip("/")
    shown = redact_url(base)
    headers = (
        {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
    )
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=timeout)
    except httpx.HTTPError as err:
        return Check(
            "LLM", False,
            f"{shown} is unreachable ({type(err).__name__}) — check OPENAI_BASE_URL and that the "
            "server is running; answers fall back to quotes meanwhile",
        )  # fmt: skip
    if response.status_code in (401, 403):
        return Check(
            "LLM", False,
            f"{shown} is reachable but rejected the key (HTTP {response.status_code}) — check "
            "OPENAI_API_KEY",
        )  # fmt: skip
    if response.status_code >= 400:
        return Check(
            "LLM", False, f"{shown} answered HTTP {response.status_code} to GET /models — check "
            "OPENAI_BASE_URL (it usually ends in /v1)",
        )  # fmt: skip
    listed = ""
    try:
        ids = {m.get("id") for m in response.json().get("data", [])}
        if ids:
            listed = (
                f"; model {settings.llm_model} is listed"
                if settings.llm_model in ids
                else f"; model {settings.llm_model} is NOT among the {len(ids)} listed — check "
                "REVIEWBOT_LLM_MODEL"
            )
    except (ValueError, AttributeError):
        pass
    warning = (
        " (plain http to another host: the key travels unencrypted)"
        if insecure_base_url(settings)
        else ""
    )
    return Check("LLM", True, f"{shown} is reachable{listed}{warning}")


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_token,
    check_intents,
    check_data,
    check_index,
    check_model,
    check_feedback,
)


def run_checks(settings: Settings, *, llm: bool = True) -> list[Check]:
    """Every check, in order (the LLM one last, and only when `llm`)."""
    results = [check(settings) for check in CHECKS]
    if llm:
        results.append(check_llm(settings))
    return results


def report(checks: list[Check], *, as_json: bool) -> tuple[str, int]:
    """(what to print, exit status): one line per check, or a JSON list."""
    status = 0 if all(c.ok for c in checks) else 1
    if as_json:
        return json.dumps([asdict(c) for c in checks], ensure_ascii=False, indent=2), status
    lines = [c.line() for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append("all checks passed" if not failed else f"{failed} check(s) failed")
    return "\n".join(lines), status
