# tinhuy: `make demo` runs the pipeline once through Airflow against the offline demo portal;
# `make test` runs the test suite. Both create .venv from uv.lock first when it is missing or stale.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .cache/uv/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced
PYTEST_ARGS ?= --timeout=900

.PHONY: demo test eval bench lint venv clean-demo

venv: $(SYNCED)

# uv itself, pinned, in its own small venv (not on the system).
$(UV):
	$(PYTHON) -m venv .cache/uv
	.cache/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The project and its dev group, exactly as locked.
$(SYNCED): pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --group dev
	touch $@

demo: $(SYNCED)
	$(VENV)/bin/tinhuy demo

test: $(SYNCED)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Cleaner and parser against every gold page: with site profiles, then as if every portal were new.
eval: $(SYNCED)
	$(VENV)/bin/python -m etl.evaluate --check
	$(VENV)/bin/python -m etl.evaluate --generic --check

# Speed on a generated corpus of portal pages (data/bench/, reused while unchanged) against the
# targets in the README's "Benchmark" section: prints a table, writes data/bench.json. About 10 minutes.
bench: $(SYNCED)
	$(VENV)/bin/python -m bench

# A syntax check of everything; a full linter is not in the lock yet.
lint: $(SYNCED)
	$(VENV)/bin/python -m compileall -q etl dags tests

# Forget the demo's Airflow home and generated data (the warehouse, raw pages, runs, outbox).
clean-demo:
	rm -rf .airflow data
