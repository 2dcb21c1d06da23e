"""Settings, built once at the entry point from the environment (and `.env`) and passed in.

Nothing here runs at import time: call `load_settings()`. Default values live in
`retrieval/defaults.py`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from retrieval import defaults

DEFAULT_DATA_DIR = defaults.DATA_DIR
DEFAULT_INDEX_DIR = defaults.INDEX_DIR
DEFAULT_MODEL_DIR = defaults.MODEL_DIR
DEFAULT_LLM_MODEL = defaults.LLM_MODEL


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    index_dir: Path = DEFAULT_INDEX_DIR
    # Where the embedding model's one-time ONNX export is kept.
    model_dir: Path = DEFAULT_MODEL_DIR
    # LLM (any OpenAI-compatible server). LLM mode is on when a key or a base URL is set.
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    llm_model: str = DEFAULT_LLM_MODEL
    llm_timeout: float = defaults.LLM_TIMEOUT
    llm_max_retries: int = defaults.LLM_MAX_RETRIES
    llm_context_tokens: int = defaults.LLM_CONTEXT_TOKENS
    llm_answer_tokens: int = defaults.LLM_ANSWER_TOKENS
    # The reply is cut at a sentence boundary after this many characters (at most 4000).
    llm_max_answer_chars: int = defaults.LLM_MAX_ANSWER_CHARS
    no_llm: bool = False
    # Questions
    max_question_chars: int = defaults.MAX_QUESTION_CHARS
    default_k: int = defaults.K
    # Discord
    discord_token: str | None = field(default=None, repr=False)
    discord_guild_id: int | None = None
    discord_admin_role_id: int | None = None
    cooldown_seconds: float = 10.0
    cooldown_rate: int = 3

    @property
    def llm_enabled(self) -> bool:
        return not self.no_llm and bool(self.openai_api_key or self.openai_base_url)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def _num(env: Mapping[str, str], name: str, kind: type, default: Any) -> Any:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build settings from `env` (default: os.environ after loading `.env` if present)."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        env = os.environ
    return Settings(
        data_dir=Path(_get(env, "REVIEWBOT_DATA_DIR") or DEFAULT_DATA_DIR),
        index_dir=Path(_get(env, "REVIEWBOT_INDEX_DIR") or DEFAULT_INDEX_DIR),
        model_dir=Path(_get(env, "REVIEWBOT_MODEL_DIR") or DEFAULT_MODEL_DIR),
        openai_api_key=_get(env, "OPENAI_API_KEY"),
        openai_base_url=_get(env, "OPENAI_BASE_URL"),
        llm_model=_get(env, "REVIEWBOT_LLM_MODEL") or DEFAULT_LLM_MODEL,
        llm_timeout=_num(env, "REVIEWBOT_LLM_TIMEOUT", float, defaults.LLM_TIMEOUT),
        llm_max_retries=_num(env, "REVIEWBOT_LLM_MAX_RETRIES", int, defaults.LLM_MAX_RETRIES),
        llm_context_tokens=_num(
            env, "REVIEWBOT_LLM_CONTEXT_TOKENS", int, defaults.LLM_CONTEXT_TOKENS
        ),
        llm_answer_tokens=_num(env, "REVIEWBOT_LLM_ANSWER_TOKENS", int, defaults.LLM_ANSWER_TOKENS),
        llm_max_answer_chars=min(
            _num(env, "REVIEWBOT_LLM_MAX_ANSWER_CHARS", int, defaults.LLM_MAX_ANSWER_CHARS),
            defaults.LLM_MAX_ANSWER_CHARS_CAP,
        ),
        max_question_chars=_num(
            env, "REVIEWBOT_MAX_QUESTION_CHARS", int, defaults.MAX_QUESTION_CHARS
        ),
        default_k=_num(env, "REVIEWBOT_K", int, defaults.K),
        discord_token=_get(env, "DISCORD_TOKEN"),
        discord_guild_id=_num(env, "DISCORD_GUILD_ID", int, None),
        discord_admin_role_id=_num(env, "REVIEWBOT_ADMIN_ROLE_ID", int, None),
        cooldown_seconds=_num(env, "REVIEWBOT_COOLDOWN_SECONDS", float, 10.0),
        cooldown_rate=_num(env, "REVIEWBOT_COOLDOWN_RATE", int, 3),
    )
