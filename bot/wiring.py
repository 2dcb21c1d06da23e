"""Build the engine (and its LLM client) from settings: the one place clients are made."""

from __future__ import annotations

from bot.config import Settings
from retrieval import LLM, Engine


def llm_from_settings(settings: Settings) -> LLM | None:
    """The LLM the settings ask for (an OpenAI-compatible completion), or None when it is off."""
    if not settings.llm_enabled:
        return None
    return LLM.openai(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        context_tokens=settings.llm_context_tokens,
        answer_tokens=settings.llm_answer_tokens,
        max_answer_chars=settings.llm_max_answer_chars,
    )


def build_engine(settings: Settings) -> Engine:
    """An Engine over the configured reviews and index, with the LLM when one is configured."""
    return Engine(
        settings.data_dir,
        settings.index_dir,
        llm=llm_from_settings(settings),
        model_dir=settings.model_dir,
        max_question_chars=settings.max_question_chars,
        default_k=settings.default_k,
        max_review_bytes=settings.max_review_bytes,
    )
