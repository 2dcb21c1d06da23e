"""reviewbot's core: review files → passages → index → search → verified, cited answers.

This is the public API; adapters (bot/, bench/) import these names and nothing deeper (a test
walks bot/ to hold it). Names load on first use, so `import retrieval` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import defaults
    from .embeddings import Embedder
    from .engine import Engine
    from .errors import (
        BackendError,
        BadQuestion,
        DataDirError,
        DuplicateReview,
        IndexDirError,
        IndexMismatch,
        IngestError,
        LLMError,
        ReindexBusy,
        ReviewbotError,
        ReviewFileError,
        StoreError,
        UnknownCritic,
        UserError,
    )
    from .evaluation import dev_set_path, format_metrics, load_questions, run_eval
    from .films import Film
    from .indexing import Progress
    from .ingest import AddResult, Upload, add_reviews
    from .llm import LLM, Completion, OpenAICompletion, Usage
    from .models import (
        Answer,
        Citation,
        IndexReport,
        Part,
        Passage,
        Rejected,
        Review,
        ScoredPassage,
        render_plain,
        url_host,
    )

_WHERE = {
    "defaults": "",
    "Embedder": "embeddings",
    "Engine": "engine",
    **dict.fromkeys(
        [
            "BackendError",
            "BadQuestion",
            "DataDirError",
            "IndexDirError",
            "IndexMismatch",
            "IngestError",
            "DuplicateReview",
            "LLMError",
            "ReindexBusy",
            "ReviewbotError",
            "ReviewFileError",
            "StoreError",
            "UnknownCritic",
            "UserError",
        ],
        "errors",
    ),
    **dict.fromkeys(["AddResult", "Upload", "add_reviews"], "ingest"),
    **dict.fromkeys(["dev_set_path", "format_metrics", "load_questions", "run_eval"], "evaluation"),
    "Progress": "indexing",
    "Film": "films",
    **dict.fromkeys(["LLM", "Completion", "OpenAICompletion", "Usage"], "llm"),
    **dict.fromkeys(
        [
            "Answer",
            "Citation",
            "IndexReport",
            "Part",
            "Passage",
            "Rejected",
            "Review",
            "ScoredPassage",
            "render_plain",
            "url_host",
        ],
        "models",
    ),
}

__all__ = [
    "LLM",
    "AddResult",
    "Answer",
    "BackendError",
    "BadQuestion",
    "Citation",
    "Completion",
    "DataDirError",
    "DuplicateReview",
    "Embedder",
    "Engine",
    "Film",
    "IndexDirError",
    "IndexMismatch",
    "IndexReport",
    "IngestError",
    "LLMError",
    "OpenAICompletion",
    "Part",
    "Passage",
    "Progress",
    "ReindexBusy",
    "Rejected",
    "Review",
    "ReviewFileError",
    "ReviewbotError",
    "ScoredPassage",
    "StoreError",
    "UnknownCritic",
    "Upload",
    "Usage",
    "UserError",
    "add_reviews",
    "defaults",
    "dev_set_path",
    "format_metrics",
    "load_questions",
    "render_plain",
    "run_eval",
    "url_host",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    module = importlib.import_module(f"retrieval.{_WHERE[name] or name}")
    value = module if not _WHERE[name] else getattr(module, name)
    globals()[name] = value
    return value
