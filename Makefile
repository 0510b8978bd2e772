# Two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium poppler-utils zbar-tools fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test install system-deps lint typecheck pytest docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## System packages the tests use (browser, PDF rasteriser, QR decoder), from Debian's apt.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## Serve the demo journal (a separate demo database, never your own) at http://127.0.0.1:8000.
run: install
	@echo "microdose: opening the demo journal at http://127.0.0.1:8000"
	$(BIN)/microdose serve --demo --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

pytest: install system-deps
	$(BIN)/pytest -q $(PYTEST_ARGS)

## Everything the tests need, then lint, types and the whole suite (SQLite and PostgreSQL).
test: lint pytest

docs: install
	$(BIN)/python -m microdose.cli.reference > docs/cli.md

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
