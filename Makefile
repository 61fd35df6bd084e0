# Two entry points a newcomer needs: `make run` and `make test`. Everything else is for developers.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := .budgetkg/sample
SEEDS ?= ../shared/seeds

.PHONY: run test lint bench venv clean sample

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

sample: $(STAMP)
	$(BIN)/budgetkg synth --n 20 --seed 1 --out $(SAMPLE)

# Ingest the generated sample corpus (plus the seeds when ../shared is beside the checkout), then serve.
# A document that fails to ingest is reported; the server starts anyway (hence the leading -).
run: sample
	-$(BIN)/budgetkg ingest $(SAMPLE) $(wildcard $(SEEDS))
	$(BIN)/budgetkg serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python tests/bench/bench_ingest.py --n 1000

clean:
	rm -rf $(VENV) .budgetkg .pytest_cache build *.egg-info
