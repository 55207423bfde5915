# Two commands on a fresh machine with Python 3.11 and make:
#   make run    runs the flagship JLR 2025 scenario into results/jlr_2025/
#   make test   runs the whole test suite
#   make test-fast  lint and the quick tests only, for local iteration (not the slow ones, notebooks, Dask or browser)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean

$(STAMP): pyproject.toml
	@echo "First run: creating .venv and installing supplysim and its dependencies (about 3 minutes; only once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,serve]'
	# compiled once here, as PYTHONDONTWRITEBYTECODE may stop Python caching them (which every command would
	# otherwise pay for: benchmarks/README.md); checked-hash: a cached module is used only while its source is unchanged
	$(BIN)/python -m compileall -q --invalidation-mode checked-hash sim
	# the daily loops are compiled (numba) on first use and cached in sim/__pycache__: do it once here
	$(BIN)/python -c "from sim import load_scenario, simulate; simulate(load_scenario('scenarios/jlr_2025.yaml'))"
	touch $(STAMP)
	@echo "Installed: .venv/bin/supplysim is ready"

run: $(STAMP)
	$(BIN)/supplysim run scenarios/jlr_2025.yaml --out results/jlr_2025 --force

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks docs
	$(BIN)/ruff format --check sim tests benchmarks docs
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# for quick local iteration: lint and every test but the slow ones, notebooks, Dask clusters and the browser
test-fast: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks docs
	$(BIN)/ruff format --check sim tests benchmarks docs
	$(BIN)/python -m pytest -q -m "not slow and not notebooks and not dask and not browser"

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks docs
	$(BIN)/ruff format --check sim tests benchmarks docs
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) results/*/ .pytest_cache .mypy_cache
