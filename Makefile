# The commands a newcomer needs. The virtualenv is built once and reused while
# pyproject.toml is unchanged: its stamp file depends on pyproject.toml, so an
# edited dependency list rebuilds it from scratch (never a half-updated venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: run test clean

# `make run` needs only the core install; `make test` the test extra. Each
# stamp records what was installed, so switching between them adds the extra
# once instead of rebuilding.
$(VENV)/.stamp: pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.stamp
	$(BIN)/authmock serve --host $(HOST) --port $(PORT)

test: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis .pytest_cache .pytest-counts .schemathesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
