# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DATA ?= demo-data

.PHONY: help venv java browser test test-fast lint format demo clean

help:
	@echo "make demo   create $(VENV), install, and run the pipelines end to end on demo data"
	@echo "make test   run the whole test suite on two workers (ruff and mypy included)"
	@echo "make test-fast   the tests that need no Spark, but the slow property tests (a minute)"
	@echo "make lint   ruff and mypy"
	@echo "make browser  Chromium and chromedriver for the web pages' browser tests (apt-get, as root)"
	@echo "make clean  remove $(VENV), caches and demo data"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "oncall needs Python 3.11 or newer, found %s: run make with PYTHON=/path/to/python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	@# keep pip's byte-compiling: where PYTHONDONTWRITEBYTECODE is set, nothing else writes it
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,connect]'
	@touch $@

java: venv
	@$(BIN)/python -m pipelines.java

# the web pages' browser tests drive the system's Chromium (docs/web.md); never a downloaded one
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; \
	else \
		echo "the browser tests need /usr/bin/chromium and /usr/bin/chromedriver:" \
			"run as root: apt-get install chromium chromium-driver" >&2; exit 1; \
	fi

test: venv java browser
	@# the suite's JVMs share one archive of Spark's classes: dumped on the idle core while lint runs
	@$(BIN)/python -m tests.jvm --start
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadscope

test-fast: venv browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto -m "not spark and not cluster and not slow"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: venv java
	$(BIN)/oncall validate
	$(BIN)/oncall owners
	$(BIN)/oncall runbook profit
	$(BIN)/pipeline list
	$(BIN)/pipeline demo-data --out $(DEMO_DATA) --faults $(or $(DEMO_FAULTS),all)
	$(BIN)/pipeline run all --data $(DEMO_DATA) --as-of "$$($(BIN)/python -m pipelines.demo.manifest $(DEMO_DATA) replay.month_close)"
	$(BIN)/pipeline run profit engagement aggregated --data $(DEMO_DATA)
	@# the demo data has faults planted on purpose: diagnose exits 1 when a check fails
	$(BIN)/pipeline diagnose all --data $(DEMO_DATA) || test $$? -eq 1
	$(BIN)/oncall handoff

clean:
	rm -rf $(VENV) $(DEMO_DATA) .pytest_cache .ruff_cache .mypy_cache .hypothesis
