# Two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
HOST ?= 127.0.0.1
PORT ?= 8000
APT := apt-get -o DPkg::Lock::Timeout=300
SUDO ?= $(if $(filter 0,$(shell id -u)),,sudo)
SYSTEM_PACKAGES := chromium poppler-utils zbar-tools fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test install install-run system-deps lint typecheck pytest docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

## The package with its test and lint tools (make test, make lint).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $(RUN_STAMP)

## The package alone: what running it needs (make run).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

install: $(STAMP)

install-run: $(RUN_STAMP)

## System packages the tests use (browser, PDF rasteriser, QR decoder), from Debian's apt.
## Waits up to 5 minutes for another apt/dpkg to finish; on failure shows apt's output.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  log="$$(mktemp)"; \
	  if ! { $(SUDO) $(APT) update -qq && \
	         $(SUDO) env DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $$missing; } >"$$log" 2>&1; then \
	    cat "$$log"; rm -f "$$log"; \
	    echo "system-deps: apt-get could not install:$$missing (its output is above)" >&2; \
	    exit 1; \
	  fi; \
	  rm -f "$$log"; \
	fi

## Serve the demo journal (a separate demo database, never your own) at http://$(HOST):$(PORT)
## (defaults 127.0.0.1:8000; e.g. `make run PORT=8123`). Installs only what running needs.
run: install-run
	@echo "microdose: opening the demo journal at http://$(HOST):$(PORT)"
	$(BIN)/microdose serve --demo --host '$(HOST)' --port '$(PORT)'

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

## The suite runs in PYTEST_WORKERS processes (pytest-xdist; each test has its own SQLite
## file or PostgreSQL schema); `make pytest PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= 2
pytest: install system-deps
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Everything the tests need, then lint, types and the whole suite (SQLite and PostgreSQL).
test: lint pytest

docs: install
	$(BIN)/python -m microdose.cli.reference > docs/cli.md

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
