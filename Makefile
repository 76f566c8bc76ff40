# Two commands do everything: `make serve` (install + run the service) and `make test` (install + checks + tests).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: setup serve worker demo mcp-config test lint fuzz fuzz-render bench bench-status bench-cluster bench-preview

setup: $(VENV)/.installed
	@scripts/ensure-system-deps.sh

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench,cluster,cluster-test]'
	touch $@

serve: setup
	$(BIN)/capcut-mate serve --host $${HOST:-127.0.0.1} --port $${PORT:-30000}

worker: setup
	$(BIN)/capcut-mate worker

demo: setup
	$(BIN)/capcut-mate demo

# The mcpServers entry for Claude Desktop / Cursor with absolute paths (ARGS="--api-url http://127.0.0.1:30000"
# to use the service `make serve` runs, ARGS="--lang en" for English).
mcp-config: setup
	@$(BIN)/capcut-mate mcp-config $${ARGS:-}

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

test: lint
	$(BIN)/pytest

# Property tests of the renderer with many more generated drafts than the default test run (FUZZ_RENDER_EXAMPLES,
# default 1000), plus the full catalogue sweep (every animation and transition name); ffmpeg runs with glibc's heap
# checks (tests/render/heapcheck.py).
fuzz-render: setup
	HYPOTHESIS_PROFILE=fuzz CAPCUT_MATE_FULL_SWEEP=1 $(BIN)/pytest --timeout 0 tests/render/test_random_drafts.py \
		tests/render/test_time_rule.py tests/render/test_motion.py -q

# Schemathesis over /openapi.json, long: every phase, 200 examples per operation; prints the counts.
# (The default test run has the short version: 4 examples per operation, no boundary phase.)
fuzz: setup
	CAPCUT_MATE_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/pytest tests/api/test_fuzz.py -q -s

bench: setup
	$(PY) -m benchmarks.render_bench

bench-status: setup
	$(PY) -m benchmarks.status_load

bench-cluster: setup
	$(PY) -m benchmarks.cluster

bench-preview: setup
	$(PY) -m benchmarks.preview_bench
