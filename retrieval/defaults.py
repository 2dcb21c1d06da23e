"""The one home for defaults; settings (bot/config.py) and the engine both start from these."""

from __future__ import annotations

from pathlib import Path

# Where things live (relative to the working directory).
DATA_DIR = Path("data/reviews")
INDEX_DIR = Path(".reviewbot/index")
MODEL_DIR = Path(".reviewbot/models")  # the embedding model's one-time ONNX export

# Questions.
K = 8  # passages retrieved per question
MAX_QUESTION_CHARS = 1000

# Reviews: the largest review file read, in bytes (REVIEWBOT_MAX_REVIEW_BYTES). A 10 MB review
# took 17 minutes and 1.4 GB to index; real reviews are 5-50 kB.
MAX_REVIEW_BYTES = 1_000_000

# LLM (any OpenAI-compatible server).
LLM_MODEL = "gpt-4o-mini"
LLM_TIMEOUT = 20.0  # seconds for the whole answer: retries, streaming and verification
LLM_MAX_RETRIES = 2
LLM_CONTEXT_TOKENS = 16000
LLM_ANSWER_TOKENS = 600
LLM_MAX_ANSWER_CHARS = 2000  # the reply is cut at a sentence boundary before verification
LLM_MAX_ANSWER_CHARS_CAP = 4000  # no setting can raise it above this
