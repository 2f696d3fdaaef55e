# mulu — one entry point for set-up, the local chain, tests and benchmarks.
# Every target sets up what is missing first (.venv/ and node_modules/), idempotently.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MULU := $(VENV)/bin/mulu
STAMP := .make
export MULU_HOME ?= $(HOME)/.mulu

.PHONY: setup run test test-fast bench soak contracts check-contracts check-hardhat lint clean

setup: $(STAMP)/venv $(STAMP)/npm

$(STAMP)/venv: pyproject.toml setup.py catalog/_canon.c sm_crypto/_sm3bulk.c
	@mkdir -p $(STAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## compile the contracts and rewrite contracts/artifacts/
contracts: setup
	$(PY) -m chain_client.compile

## fail when the committed artifacts are stale
check-contracts: setup
	$(PY) -m chain_client.compile --check

## Hardhat compiles the same sources offline to the same bytecode
check-hardhat: setup
	npx --no-install hardhat compile --quiet 2>&1 | grep -v -i -E 'not fully supported|stack traces|solidity-support|^$$' || true
	node scripts/js/check-hardhat.js

## start the local node, bootstrap identities and contracts, seed the demo, serve the API
run: setup
	$(MULU) node start
	$(MULU) dev bootstrap
	$(MULU) demo
	@echo ""
	@echo "  API docs        http://127.0.0.1:8000/docs"
	@echo "  health          http://127.0.0.1:8000/health"
	@echo "  a project       http://127.0.0.1:8000/v1/projects/BJ-2026-0101"
	@echo "  deadlines       http://127.0.0.1:8000/v1/deadlines?within_days=90"
	@echo ""
	$(MULU) serve --host 127.0.0.1 --port 8000

## the whole suite (what CI runs)
test: setup check-hardhat
	$(PY) -m pytest -n 3 --dist worksteal -q

test-fast: setup
	$(PY) -m pytest -n 2 -q -m "not anvil and not slow"

## benchmarks: bench/results.json
bench: setup
	$(PY) scripts/bench.py

## fault tests at full size: kill -9 / RPC outage during a 5,000-catalog batch run, then an audit
## of every catalog (MULU_SOAK_CATALOGS sets the size, MULU_SOAK_BATCH the batch size)
soak: setup
	MULU_SOAK_CATALOGS=$${MULU_SOAK_CATALOGS:-5000} $(PY) -m pytest -q -p no:cacheprovider tests/faults/test_kill9.py

lint: setup
	$(VENV)/bin/ruff check sm_crypto catalog chain_client api mulu scripts tests
	$(VENV)/bin/mypy sm_crypto catalog chain_client api mulu

clean:
	rm -rf $(STAMP) artifacts-hardhat cache build catalog/_canon*.so sm_crypto/_sm3bulk*.so
