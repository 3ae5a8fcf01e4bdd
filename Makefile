# The two commands of the README's Quick start: `make run` and `make test`.
# Both create .venv on first use; `make test` runs the suite on every core (pytest-xdist).
# torch is pinned to 2.13.0, which on a CPU-only
# machine of ours resolves to the local CPU wheel (never the multi-GB CUDA build).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: setup run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/studyapp

test: setup
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# ruff, the layer contracts (pyproject's [tool.importlinter]) and the types ([tool.mypy]),
# each run even when one before it fails, so one `make lint` shows every problem; the test
# suite runs the last two as well (tests/foundation/test_layers.py, test_code_checks.py)
lint: setup
	@status=0; \
	$(BIN)/ruff check studyapp tests benchmarks db || status=1; \
	$(BIN)/lint-imports --no-logo || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
