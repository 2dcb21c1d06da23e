# reviewbot — the Discord bot in a container (docs/deploy.md: volumes, first start, upgrades).
#   docker build -t reviewbot .
#   docker compose up -d            # see docker-compose.yml
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    ANONYMIZED_TELEMETRY=False \
    HOME=/var/lib/reviewbot \
    REVIEWBOT_DATA_DIR=/data/reviews \
    REVIEWBOT_INDEX_DIR=/var/lib/reviewbot/index \
    REVIEWBOT_FEEDBACK_DB=/var/lib/reviewbot/feedback.sqlite3 \
    REVIEWBOT_MODEL_DIR=/opt/reviewbot/models

WORKDIR /app
RUN python -m venv /opt/venv

# torch first, pinned and CPU-only, as the Makefile does: without the pin sentence-transformers
# pulls a newer CUDA build (~18 nvidia packages, several GB). PyTorch's CPU index serves the CPU
# wheel; an empty TORCH_INDEX_URL (--build-arg) uses pip's configured index instead (a mirror).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0

# The project, editable in /app (prompts/ is read from beside the code).
COPY . /app
RUN pip install -e /app

# The embedding model's one-time ONNX export, done at build time so the first start is quick and
# answering never imports torch.
RUN python -c "from pathlib import Path; from retrieval.onnx_embedding import export_onnx; print(export_onnx(Path('/opt/reviewbot/models')))"

# A non-root user owning only what the bot writes: the reviews (/review add) and its state.
# The shipped reviews seed a fresh /data/reviews volume.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/reviewbot reviewbot \
    && mkdir -p /data/reviews /var/lib/reviewbot/index \
    && cp -r /app/data/reviews/. /data/reviews/ \
    && chown -R reviewbot:reviewbot /data/reviews /var/lib/reviewbot

# Build-time smoke test: the command runs and knows its version.
RUN reviewbot --version

USER reviewbot
VOLUME ["/data/reviews", "/var/lib/reviewbot"]

# Local checks only (token set, reviews, index, model, feedback folder): no call to Discord or the
# LLM every interval. The first start indexes the reviews, hence the long start period.
HEALTHCHECK --interval=5m --timeout=30s --start-period=10m --retries=3 \
    CMD ["reviewbot", "doctor", "--skip-llm"]

# SIGTERM (docker stop) disconnects cleanly.
STOPSIGNAL SIGTERM
CMD ["reviewbot", "discord"]
