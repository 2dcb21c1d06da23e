"""Logging, configured once at the entry point (`configure`), for operators to read.

- Level: `REVIEWBOT_LOG_LEVEL` if set; else INFO for `reviewbot discord` and with `-v`, WARNING
  for the other commands. Noisy libraries (bm25s, httpx, chromadb, …) stay at WARNING unless the
  level is DEBUG.
- Format (`REVIEWBOT_LOG_FORMAT`): `text` — `2026-11-22T06:30:01.123Z INFO bot.x: message` — or
  `json`: one object per line with `time`, `level`, `logger`, `message`, plus the structured
  fields a record carries in `extra={"reviewbot": {...}}` (the per-question line: question id,
  guild, user hash, mode, timings, citations count, fallback reason).
- Every record is written through `Redactor`: the API key, the Discord token and credentials
  inside URLs (`https://user:pass@…`, `?api_key=…`) become `***` — in the message, its
  arguments, the traceback and the structured fields — whoever logged it (httpx included).
- Structured fields are sanitised: a raw `user_id` becomes `user_hash` (salted SHA-256) and the
  question text of a DM (no guild) is dropped.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from bot.config import Settings, redact
from bot.feedback import user_hash

NOISY = (
    "bm25s",
    "httpx",
    "httpcore",
    "chromadb",
    "sentence_transformers",
    "transformers",
    "urllib3",
    "onnxruntime",
    "openai",
    "discord.gateway",
    "discord.http",
)
# The extras key of structured records (`log.info("question", extra={FIELDS: {...}})`).
FIELDS = "reviewbot"
_QUESTION_TEXT_KEYS = ("question", "question_text", "text")


class Redactor:
    """Makes the copy of a record that gets written: secrets hidden, structured fields sanitised.

    A copy, not a logging.Filter: on Python 3.11 a filter can only change the shared record, which
    every other handler (pytest's caplog, an embedding host's handlers) would then see altered.
    """

    def __init__(self, secrets: Iterable[str] = (), salt: str = "") -> None:
        self.secrets = [s for s in secrets if s]
        self.salt = salt

    def __call__(self, record: logging.LogRecord) -> logging.LogRecord:
        copy = logging.makeLogRecord(record.__dict__)
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            clean = self._sanitise(fields)
            # A message that embeds the fields as JSON (`log.info("question %s", json.dumps(f))`)
            # is rebuilt from the sanitised copy, so the text line cannot leak what JSON hides.
            if (
                isinstance(record.msg, str)
                and record.msg.endswith("%s")
                and isinstance(record.args, tuple)
                and len(record.args) == 1
                and record.args[0] == json.dumps(fields)
            ):
                copy.args = (json.dumps(clean),)
            setattr(copy, FIELDS, clean)
        copy.msg = redact(copy.getMessage(), self.secrets)
        copy.args = None
        if record.exc_info:
            copy.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            copy.exc_info = None
        elif record.exc_text:
            copy.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            copy.stack_info = redact(record.stack_info, self.secrets)
        return copy

    def _sanitise(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        clean = dict(fields)
        if "user_id" in clean:
            raw = clean.pop("user_id")
            clean["user_hash"] = None if raw is None else user_hash(int(raw), self.salt)
        if clean.get("guild_id") is None:  # a DM: its words are private
            for key in _QUESTION_TEXT_KEYS:
                clean.pop(key, None)
        text = redact(json.dumps(clean, default=str), self.secrets)
        return dict(json.loads(text))


class TextFormatter(logging.Formatter):
    """`2026-11-22T06:30:01.123Z LEVEL logger: message` (UTC), redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return super().format(self.redactor(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, structured fields, traceback."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        record = self.redactor(record)
        doc: dict[str, Any] = {
            "time": _iso(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            doc.update({k: v for k, v in fields.items() if k not in doc})
        if record.exc_text:
            doc["traceback"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever sys.stderr is when a record arrives (tests and hosts swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _iso(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
        f".{int(record.msecs):03d}Z"
    )


def level_for(settings: Settings, *, command: str | None, verbose: bool) -> int:
    """REVIEWBOT_LOG_LEVEL, else INFO for the bot (and -v), WARNING otherwise; -v caps at INFO."""
    if settings.log_level:
        level = logging.getLevelNamesMapping()[settings.log_level]
        return min(level, logging.INFO) if verbose else level
    return logging.INFO if verbose or command == "discord" else logging.WARNING


def configure(
    settings: Settings,
    *,
    command: str | None = None,
    verbose: bool = False,
    salt: str = "",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install the one handler on the root logger (replacing one installed before) and return it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_reviewbot", False)]:
        root.removeHandler(old)
    handler: logging.StreamHandler[Any] = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    setattr(handler, "_reviewbot", True)  # noqa: B010 — a marker to find our handler again
    redactor = Redactor(settings.secrets(), salt)
    handler.setFormatter(
        JsonFormatter(redactor) if settings.log_format == "json" else TextFormatter(redactor)
    )
    root.addHandler(handler)
    level = level_for(settings, command=command, verbose=verbose)
    root.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    if command == "discord":  # the bot's Python warnings get timestamps like everything else
        logging.captureWarnings(True)
    return handler


def question_fields(
    *,
    question_id: int | str,
    guild_id: int | None,
    user_id: int | None,
    salt: str,
    answer: Any,
    source: str,
    answer_id: str | None = None,
) -> dict[str, Any]:
    """The per-question line's structured fields (never the question text, never a raw user id).

    `answer` is a retrieval Answer. Log it with
    `log.info("question answered", extra={"reviewbot": question_fields(...)})`.
    """
    return {
        "event": "question",
        "question_id": str(question_id),
        "answer_id": answer_id,
        "guild_id": guild_id,
        "user_hash": None if user_id is None else user_hash(user_id, salt),
        "source": source,
        "mode": answer.mode,
        "found": answer.found,
        "citations": len(answer.citations),
        "quotes": dict(answer.quotes or {}),
        "review_ids": list(dict.fromkeys(p.passage.review_id for p in answer.passages)),
        "timings_ms": {k: round(v) for k, v in (answer.timings_ms or {}).items()},
        "fallback_reason": answer.fallback_reason,
    }
