# Two entry points a newcomer needs: `make run` and `make test`. Everything else is for developers.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := .budgetkg/sample
SEEDS ?= ../shared/seeds

.PHONY: run test lint bench bench-latency bench-scale venv clean sample

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
	$(MAKE) bench-latency

# API latency under 50 concurrent clients (issue #4; BENCHMARKS.md): the targets on the seeds + 1,000
# generated documents; the rdflib-endpoint ratio on the seeds + 20, as rdflib's in-memory store would
# need about 20 GiB for the 1,000-document export.
bench-latency: $(STAMP)
	$(BIN)/python tests/bench/bench_latency.py --n 1000 --no-peer --json .budgetkg/bench/latency-n1000.json
	$(BIN)/python tests/bench/bench_latency.py --n 20 --json .budgetkg/bench/latency-n20.json

# Scale (issue #5; BENCHMARKS.md): ingest with --jobs 1/2, bulk loads into Oxigraph and Virtuoso,
# and the named queries on four engines, at growing corpus sizes. SIZES=300,1000 for a shorter run.
SIZES ?= 300,1000,3000
bench-scale: $(STAMP)
	$(BIN)/python -m tests.bench.bench_scale --sizes $(SIZES) --json .budgetkg/bench/scale.json

clean:
	rm -rf $(VENV) .budgetkg .pytest_cache build *.egg-info
