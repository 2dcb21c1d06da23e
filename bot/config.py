"""Settings, built once at the entry point from the environment (and `.env`) and passed in.

Nothing here runs at import time: call `load_settings()`.

Where values come from, strongest first: the real environment, then the project's `.env` file
(found next to the package, as python-dotenv's `find_dotenv` does from here), then the defaults.
Relative folders resolve against the `.env` file's folder when they come from that file (and for
the defaults when a `.env` file was found: it marks the project folder), and against the current
directory when they come from the environment — so a bot started from another folder still
finds its reviews and index.

pydantic-settings validates and converts every value; a bad one raises `SettingsError` whose
one-line message names the environment variable. The raw strings are collected here rather than
by pydantic-settings' own env/dotenv sources because those neither resolve relative paths per
source nor read a given mapping (`load_settings(env=...)`, used by tests and benchmarks), and
`Settings(...)` built directly must not read the environment at all.

Secrets: the API key and the Discord token never appear in `repr`; credentials inside
`OPENAI_BASE_URL` (`https://user:pass@host/v1`, `?api_key=…`) are redacted by `redact_url`, which
the repr and the log formatter (bot/logs.py) both use.

Long because the secret helpers (redaction, the plain-http warning) live beside the settings
whose values they protect.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from retrieval import defaults

log = logging.getLogger(__name__)

# Default values live in retrieval/defaults.py (the one home); these names stay for importers.
DEFAULT_DATA_DIR = defaults.DATA_DIR
DEFAULT_INDEX_DIR = defaults.INDEX_DIR
DEFAULT_MODEL_DIR = defaults.MODEL_DIR
DEFAULT_LLM_MODEL = defaults.LLM_MODEL
FEEDBACK_DB_NAME = "feedback.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_PATH_FIELDS = ("data_dir", "index_dir", "model_dir", "feedback_db")


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def _env(name: str) -> Any:
    """The field reads the environment variable `name` (and keeps its field name for code)."""
    return name


class Settings(BaseSettings):
    """Every setting, validated; frozen. Change a copy with `with_(...)`."""

    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", validate_default=False
    )

    data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias=_env("REVIEWBOT_DATA_DIR"))
    index_dir: Path = Field(DEFAULT_INDEX_DIR, validation_alias=_env("REVIEWBOT_INDEX_DIR"))
    # Where the embedding model's one-time ONNX export is kept.
    model_dir: Path = Field(DEFAULT_MODEL_DIR, validation_alias=_env("REVIEWBOT_MODEL_DIR"))
    # LLM (any OpenAI-compatible server). LLM mode is on when a key or a base URL is set.
    openai_api_key: str | None = Field(None, validation_alias="OPENAI_API_KEY", repr=False)
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    llm_model: str = Field(DEFAULT_LLM_MODEL, validation_alias="REVIEWBOT_LLM_MODEL", min_length=1)
    llm_timeout: float = Field(defaults.LLM_TIMEOUT, validation_alias="REVIEWBOT_LLM_TIMEOUT", gt=0)
    llm_max_retries: int = Field(
        defaults.LLM_MAX_RETRIES, validation_alias="REVIEWBOT_LLM_MAX_RETRIES", ge=0, le=20
    )
    llm_context_tokens: int = Field(
        defaults.LLM_CONTEXT_TOKENS, validation_alias="REVIEWBOT_LLM_CONTEXT_TOKENS", ge=1
    )
    llm_answer_tokens: int = Field(
        defaults.LLM_ANSWER_TOKENS, validation_alias="REVIEWBOT_LLM_ANSWER_TOKENS", ge=1
    )
    # The LLM reply is cut at a sentence boundary past this many characters; a larger value is
    # held at the hard cap (4000).
    llm_max_answer_chars: int = Field(
        defaults.LLM_MAX_ANSWER_CHARS, validation_alias="REVIEWBOT_LLM_MAX_ANSWER_CHARS", ge=1
    )
    no_llm: bool = False
    # Questions
    max_question_chars: int = Field(
        defaults.MAX_QUESTION_CHARS, validation_alias="REVIEWBOT_MAX_QUESTION_CHARS", ge=1
    )
    default_k: int = Field(defaults.K, validation_alias="REVIEWBOT_K", ge=1, le=100)
    # Review files larger than this are rejected (one line each).
    max_review_bytes: int = Field(
        defaults.MAX_REVIEW_BYTES, validation_alias="REVIEWBOT_MAX_REVIEW_BYTES", ge=1
    )
    # Adding reviews from URLs that resolve to private/loopback addresses (off: SSRF guard).
    allow_private_urls: bool = Field(False, validation_alias="REVIEWBOT_ALLOW_PRIVATE_URLS")
    # Discord
    discord_token: str | None = Field(None, validation_alias="DISCORD_TOKEN", repr=False)
    discord_guild_id: int | None = Field(None, validation_alias="DISCORD_GUILD_ID", ge=0)
    discord_admin_role_id: int | None = Field(
        None, validation_alias="REVIEWBOT_ADMIN_ROLE_ID", ge=0
    )
    cooldown_seconds: float = Field(10.0, validation_alias="REVIEWBOT_COOLDOWN_SECONDS", ge=0)
    cooldown_rate: int = Field(3, validation_alias="REVIEWBOT_COOLDOWN_RATE", ge=0)
    # Operations
    log_level: str | None = Field(None, validation_alias="REVIEWBOT_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", validation_alias="REVIEWBOT_LOG_FORMAT")
    # 👍/👎 votes (SQLite); default: feedback.sqlite3 beside the index folder.
    feedback_db: Path | None = Field(None, validation_alias="REVIEWBOT_FEEDBACK_DB")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what is passed in: load_settings() gathers the environment and .env (see above).
        return (init_settings,)

    @field_validator("llm_max_answer_chars")
    @classmethod
    def _cap(cls, value: int) -> int:
        return min(value, defaults.LLM_MAX_ANSWER_CHARS_CAP)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if value is None:
            return None
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> Any:
        return str(value).strip().lower()

    @field_validator("openai_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must start with http:// or https://")
        return value

    def model_post_init(self, context: Any, /) -> None:
        if self.feedback_db is None:  # frozen: set once, at construction
            object.__setattr__(self, "feedback_db", self.index_dir.parent / FEEDBACK_DB_NAME)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise SettingsError(_one_line(err)) from None

    @property
    def llm_enabled(self) -> bool:
        return not self.no_llm and bool(self.openai_api_key or self.openai_base_url)

    @property
    def feedback_path(self) -> Path:
        """`feedback_db`, typed as always set."""
        assert self.feedback_db is not None
        return self.feedback_db

    def with_(self, **changes: Any) -> Settings:
        """A validated copy with `changes` (field names); a derived feedback_db follows index."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        if (
            "index_dir" in changes
            and "feedback_db" not in changes
            and self.feedback_db == self.index_dir.parent / FEEDBACK_DB_NAME
        ):
            data["feedback_db"] = None
        return type(self)(**{**data, **changes})

    def secrets(self) -> list[str]:
        """Every secret string these settings hold (for log redaction): key, token, URL creds."""
        found = [s for s in (self.openai_api_key, self.discord_token) if s]
        if self.openai_base_url:
            found.extend(url_secrets(self.openai_base_url))
        return found

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "openai_base_url" and value else value


def _one_line(err: ValidationError) -> str:
    """The first problem as `VARIABLE='value': reason`, naming the environment variable."""
    first = err.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "setting"
    field = Settings.model_fields.get(name)
    if field is not None and isinstance(field.validation_alias, str):
        name = field.validation_alias  # given by field name: still name the variable
    reason = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    if name in ("OPENAI_BASE_URL",) and isinstance(value, str):
        value = redact_url(value)
    if name in ("OPENAI_API_KEY", "DISCORD_TOKEN"):
        return f"{name}: {reason}"
    return f"{name}={value!r}: {reason}" if isinstance(value, str) else f"{name}: {reason}"


# --------------------------------------------------------------------------- loading

_ALIASES = {
    f.validation_alias: name
    for name, f in Settings.model_fields.items()
    if isinstance(f.validation_alias, str)
}


def find_dotenv() -> Path | None:
    """The project's `.env`: the nearest one above this package (as python-dotenv finds it)."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def _pick(source: Mapping[str, str | None], base: Path) -> dict[str, Any]:
    """Our variables from one source, blanks dropped, relative folders made absolute at `base`."""
    picked: dict[str, Any] = {}
    for alias, field in _ALIASES.items():
        raw = source.get(alias)
        if raw is None or not raw.strip():
            continue
        value: Any = raw.strip()
        if field in _PATH_FIELDS:
            path = Path(value).expanduser()
            value = path if path.is_absolute() else base / path
        picked[alias] = value
    return picked


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool | Path = True) -> Settings:
    """Build settings from `env`, or from os.environ over the project's `.env` (if present).

    `dotenv`: False reads no file; a path reads that file instead of the project's `.env`.
    """
    if env is not None:
        return Settings(**_pick(env, Path.cwd()))
    environ = dict(os.environ)  # before load_dotenv adds the file's values to it
    values: dict[str, Any] = {}
    if isinstance(dotenv, Path):
        dotenv_file: Path | None = dotenv if dotenv.is_file() else None
    else:
        dotenv_file = find_dotenv() if dotenv else None
    if dotenv_file is not None:
        from dotenv import dotenv_values, load_dotenv

        project = dotenv_file.resolve().parent
        values.update(_pick(dotenv_values(dotenv_file), project))
        for alias, default in (
            ("REVIEWBOT_DATA_DIR", DEFAULT_DATA_DIR),
            ("REVIEWBOT_INDEX_DIR", DEFAULT_INDEX_DIR),
            ("REVIEWBOT_MODEL_DIR", DEFAULT_MODEL_DIR),
        ):
            values.setdefault(alias, project / default)
        # Other tools' variables in .env (e.g. TIKTOKEN_CACHE_DIR) still reach the environment.
        load_dotenv(dotenv_file, override=False)
    values.update(_pick(environ, Path.cwd()))
    return Settings(**values)


# --------------------------------------------------------------------------- secrets

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@?#]+@")
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:api[_-]?key|key|token|access[_-]?token|auth|password|secret|sig)=)[^&#\s]+",
    re.IGNORECASE,
)
REDACTED = "***"


def redact_url(text: str) -> str:
    """`text` with URL credentials hidden: `https://***@host/v1`, `?api_key=***`."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    return _SECRET_PARAM.sub(lambda m: f"{m['key']}{REDACTED}", text)


def url_secrets(url: str) -> list[str]:
    """The credential strings inside `url` (user info and secret query values)."""
    found = []
    parts = urlsplit(url)
    if parts.password:
        found.append(parts.password)
    if parts.username and parts.password:
        found.append(f"{parts.username}:{parts.password}")
    for m in _SECRET_PARAM.finditer(url):
        found.append(url[m.end("key") : m.end()])
    return [s for s in found if len(s) >= 4]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each known secret and any URL credentials replaced by `***`."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:  # a 1–3 character "secret" would blank ordinary words
            text = text.replace(secret, REDACTED)
    return redact_url(text)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_base_url(settings: Settings) -> bool:
    """True when the key would travel in clear text: plain http to a host other than loopback."""
    if not settings.openai_base_url:
        return False
    parts = urlsplit(settings.openai_base_url)
    return parts.scheme == "http" and not _loopback(parts.hostname or "")


_warned_urls: set[str] = set()


def warn_insecure_base_url(settings: Settings) -> None:
    """Log once per process and URL when OPENAI_BASE_URL is plain http to a remote host."""
    url = settings.openai_base_url
    if url and insecure_base_url(settings) and url not in _warned_urls:
        _warned_urls.add(url)
        log.warning(
            "OPENAI_BASE_URL %s is plain http to a host that is not this machine: questions%s "
            "travel unencrypted; use https",
            redact_url(url),
            " and the API key" if settings.openai_api_key else "",
        )
