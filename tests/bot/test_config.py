"""Settings: env names in errors, where relative folders resolve, and secrets kept out of sight."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from unittest import mock

import pytest

from bot.config import (
    Settings,
    SettingsError,
    load_settings,
    redact,
    redact_url,
    warn_insecure_base_url,
)
from retrieval import defaults

CREDS_URL = "https://alice:hunter2-pass@llm.example.com/v1?api_key=qs-SECRET-123"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"REVIEWBOT_K": "0"}, "REVIEWBOT_K='0'"),
        ({"REVIEWBOT_K": "abc"}, "REVIEWBOT_K='abc'"),
        ({"REVIEWBOT_LLM_TIMEOUT": "-1"}, "REVIEWBOT_LLM_TIMEOUT='-1'"),
        ({"REVIEWBOT_LLM_MAX_ANSWER_CHARS": "0"}, "REVIEWBOT_LLM_MAX_ANSWER_CHARS='0'"),
        ({"REVIEWBOT_LOG_FORMAT": "xml"}, "REVIEWBOT_LOG_FORMAT='xml'"),
        ({"REVIEWBOT_LOG_LEVEL": "loud"}, "REVIEWBOT_LOG_LEVEL='loud'"),
        ({"REVIEWBOT_ALLOW_PRIVATE_URLS": "maybe"}, "REVIEWBOT_ALLOW_PRIVATE_URLS='maybe'"),
        ({"DISCORD_GUILD_ID": "my server"}, "DISCORD_GUILD_ID='my server'"),
    ],
)
def test_bad_values_name_the_environment_variable(env: dict[str, str], variable: str) -> None:
    """Each bad value raises SettingsError whose one line starts with the variable and value."""
    with pytest.raises(SettingsError) as err:
        load_settings(env, dotenv=False)
    message = str(err.value)
    assert message.startswith(variable) and "\n" not in message and "-k" not in message


def test_values_are_parsed_and_new_fields_have_defaults() -> None:
    """Numbers, booleans and levels parse; the new fields default as documented."""
    s = load_settings(
        {"REVIEWBOT_K": " 5 ", "REVIEWBOT_ALLOW_PRIVATE_URLS": "true",
         "REVIEWBOT_LOG_LEVEL": "debug", "REVIEWBOT_LOG_FORMAT": "JSON", "REVIEWBOT_K_UNUSED": "x"},
        dotenv=False,
    )  # fmt: skip
    assert s.default_k == 5 and s.allow_private_urls is True
    assert s.log_level == "DEBUG" and s.log_format == "json"
    d = load_settings({}, dotenv=False)
    assert (d.llm_max_answer_chars, d.max_review_bytes) == (2000, 1_000_000)
    assert d.allow_private_urls is False and d.log_level is None and d.log_format == "text"
    assert d.feedback_db == d.index_dir.parent / "feedback.sqlite3"


def test_with_validates_and_feedback_db_follows_the_index(tmp_path: Path) -> None:
    """with_() returns a validated copy; a derived feedback_db moves with index_dir."""
    s = load_settings({}, dotenv=False)
    moved = s.with_(index_dir=tmp_path / "idx")
    assert moved.feedback_db == tmp_path / "feedback.sqlite3"
    pinned = s.with_(feedback_db=tmp_path / "votes.db").with_(index_dir=tmp_path / "other")
    assert pinned.feedback_db == tmp_path / "votes.db"
    with pytest.raises(SettingsError, match="REVIEWBOT_K"):
        s.with_(default_k=0)
    with pytest.raises(Exception):  # noqa: B017 — frozen: pydantic's own error type
        s.default_k = 3  # type: ignore[misc]


def test_dotenv_paths_resolve_against_its_folder_and_env_paths_against_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative folders from .env resolve at the .env's folder; from the environment, at the cwd."""
    project = tmp_path / "project"
    project.mkdir()
    dotenv = project / ".env"
    dotenv.write_text("REVIEWBOT_DATA_DIR=data/reviews\nREVIEWBOT_K=4\nDISCORD_TOKEN=a.b.c\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for var in ("REVIEWBOT_DATA_DIR", "REVIEWBOT_INDEX_DIR", "REVIEWBOT_MODEL_DIR", "REVIEWBOT_K"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWBOT_INDEX_DIR", "my-index")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    s = load_settings(dotenv=dotenv)
    assert s.data_dir == project / "data" / "reviews"
    assert s.index_dir == elsewhere / "my-index"
    assert s.model_dir == project / ".reviewbot" / "models"  # a default: the project folder
    assert s.default_k == 4 and s.discord_token == "a.b.c"
    monkeypatch.setenv("REVIEWBOT_K", "6")  # the environment wins over .env
    assert load_settings(dotenv=dotenv).default_k == 6


def test_settings_built_directly_never_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings(...) uses only what it is given (tests build bots with it)."""
    monkeypatch.setenv("DISCORD_TOKEN", "from.the.env")
    monkeypatch.setenv("REVIEWBOT_K", "3")
    s = Settings(discord_guild_id=42)
    assert s.discord_token is None and s.default_k == 8 and s.discord_guild_id == 42


def test_repr_hides_the_key_the_token_and_url_credentials() -> None:
    """repr/str show neither key nor token, and the base URL with its credentials redacted."""
    s = load_settings(
        {"OPENAI_API_KEY": "sk-KEY-SECRET", "DISCORD_TOKEN": "tok.SECRET.xyz",
         "OPENAI_BASE_URL": CREDS_URL},
        dotenv=False,
    )  # fmt: skip
    for shown in (repr(s), str(s)):
        assert "SECRET" not in shown and "hunter2" not in shown and "alice" not in shown
        assert "https://***@llm.example.com/v1?api_key=***" in shown
    assert s.openai_base_url == CREDS_URL  # the real value still reaches the client


def test_redaction_helpers() -> None:
    """URL user info and secret query values become ***; known secrets are blanked anywhere."""
    assert redact_url(CREDS_URL) == "https://***@llm.example.com/v1?api_key=***"
    assert redact_url("http://h/v1?model=x&token=abc&x=1") == "http://h/v1?model=x&token=***&x=1"
    assert redact_url("no url here") == "no url here"
    assert redact("key sk-123456 and sk-123456", ["sk-123456"]) == "key *** and ***"


def test_bad_base_url_is_named_without_its_credentials() -> None:
    """A base URL that is not http(s) is refused, and the error hides its credentials."""
    with pytest.raises(SettingsError) as err:
        load_settings({"OPENAI_BASE_URL": "ftp://bob:pw-SECRET@h/v1"}, dotenv=False)
    assert "OPENAI_BASE_URL" in str(err.value) and "SECRET" not in str(err.value)


def test_plain_http_remote_base_url_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """http:// to another host warns once per process; loopback and https never warn."""
    caplog.set_level(logging.WARNING, logger="bot.config")
    remote = load_settings(
        {"OPENAI_BASE_URL": "http://gpu-box.lan:8000/v1", "OPENAI_API_KEY": "k"}, dotenv=False
    )
    warn_insecure_base_url(remote)
    warn_insecure_base_url(remote)
    for url in ("http://127.0.0.1:11434/v1", "http://localhost:1/v1", "https://api.x.com/v1"):
        warn_insecure_base_url(load_settings({"OPENAI_BASE_URL": url}, dotenv=False))
    warnings = [r for r in caplog.records if "plain http" in r.getMessage()]
    assert len(warnings) == 1 and "gpu-box.lan" in warnings[0].getMessage()


def test_defaults_come_from_the_one_home() -> None:
    """An empty environment gives retrieval.defaults' values, and no LLM."""
    s = load_settings({}, dotenv=False)
    assert (s.default_k, s.max_question_chars) == (defaults.K, defaults.MAX_QUESTION_CHARS)
    assert (s.data_dir, s.index_dir, s.model_dir) == (
        defaults.DATA_DIR, defaults.INDEX_DIR, defaults.MODEL_DIR
    )  # fmt: skip
    assert s.llm_model == defaults.LLM_MODEL and s.llm_max_answer_chars == 2000
    assert not s.llm_enabled


def test_environment_overrides_and_llm_switches_on() -> None:
    """Variables override defaults; a base URL alone enables the LLM; NO_LLM is not needed."""
    s = load_settings(
        {"REVIEWBOT_K": "5", "REVIEWBOT_DATA_DIR": "/tmp/r", "OPENAI_BASE_URL": "http://x:1/v1",
         "REVIEWBOT_LLM_MAX_ANSWER_CHARS": "3000"},
        dotenv=False,
    )  # fmt: skip
    assert s.default_k == 5 and s.data_dir == Path("/tmp/r") and s.llm_enabled
    assert s.llm_max_answer_chars == 3000


def test_answer_cap_cannot_be_raised_past_4000() -> None:
    """REVIEWBOT_LLM_MAX_ANSWER_CHARS above the hard cap is held at 4000."""
    s = load_settings({"REVIEWBOT_LLM_MAX_ANSWER_CHARS": "99999"}, dotenv=False)
    assert s.llm_max_answer_chars == defaults.LLM_MAX_ANSWER_CHARS_CAP == 4000


@pytest.mark.parametrize("raw", ["abc", "-1"])
def test_bad_numbers_name_the_variable(raw: str) -> None:
    """A non-number or a negative number is a SettingsError naming the variable."""
    with pytest.raises(SettingsError, match="REVIEWBOT_K"):
        load_settings({"REVIEWBOT_K": raw}, dotenv=False)


def test_secrets_stay_out_of_repr() -> None:
    """Neither the OpenAI key nor the Discord token appears in the settings' repr."""
    s = load_settings({"OPENAI_API_KEY": "sk-secret", "DISCORD_TOKEN": "tok-secret"}, dotenv=False)
    assert "sk-secret" not in repr(s) and "tok-secret" not in repr(s)


def test_env_example_documents_every_variable_and_loads() -> None:
    """.env.example names every setting's variable and loads without an error."""
    from tests.conftest import ROOT

    example = ROOT / ".env.example"
    text = example.read_text()
    for field in Settings.model_fields.values():
        if isinstance(field.validation_alias, str):
            assert field.validation_alias in text, field.validation_alias
    with mock.patch.dict(os.environ):  # load_dotenv adds the file's values to os.environ
        assert load_settings(dotenv=example).data_dir == ROOT / "data" / "reviews"
