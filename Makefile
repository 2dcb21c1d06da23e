# The README's words: make demo, make test, make bench, make lint.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
QUESTION ?= What did critics say about Keanu's cameo?

export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test bench lint clean docker-check

install: $(STAMP)

# torch first, pinned: without the pin sentence-transformers pulls a CUDA build (~18 packages).
# -qq: pip still prints errors, but not the machine's per-package index warnings.
$(STAMP): pyproject.toml
	@echo "Installing into $(VENV) (the first time takes a few minutes)…"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq torch==2.13.0
	$(PY) -m pip install -qq -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	$(VENV)/bin/reviewbot index
	$(VENV)/bin/reviewbot ask "$(QUESTION)"

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench.run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy retrieval bot

# Replays the Dockerfile's steps in a throwaway venv (minutes; where docker build cannot run).
docker-check:
	deploy/check-dockerfile-steps.sh

clean:
	rm -rf .reviewbot .pytest_cache .mypy_cache .ruff_cache
