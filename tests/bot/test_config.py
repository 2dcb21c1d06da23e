"""Settings from the environment: defaults from retrieval.defaults, numbers checked, caps held."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from retrieval import defaults


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
