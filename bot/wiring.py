"""Build the engine (and its LLM client) from settings: the one place clients are made."""

from __future__ import annotations

from bot.config import Settings
from retrieval.engine import Engine


def build_engine(settings: Settings) -> Engine:
    """An Engine over the configured reviews and index, with the LLM when one is configured."""
    llm = None
    if settings.llm_enabled:
        from retrieval.answer.llm import answerer_from_settings

        llm = answerer_from_settings(settings)
    return Engine(
        settings.data_dir,
        settings.index_dir,
        llm=llm,
        model_dir=settings.model_dir,
        max_question_chars=settings.max_question_chars,
        default_k=settings.default_k,
    )
