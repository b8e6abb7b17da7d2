# Two entry points: `make run` (install and run the baseline) and `make test` (the test suite).
# Python 3.12 is required; PYTHON may be set to its path. Without it we take `python3.12`
# from PATH, falling back to a pyenv-installed 3.12.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
            $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 \
            && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= configs/baseline.yaml
OUT ?= results/baseline

.PHONY: run test lint env clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 not found; set PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

env: $(VENV)/.installed

run: env
	$(BIN)/scenarios run $(CONFIG) --out $(OUT)

test: env
	$(BIN)/python -m pytest -n 2 -q

lint: env
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache .hypothesis
