# Two commands matter: `make run` (set up and serve the embedded default) and
# `make test` (every test tier). Everything else is a building block of those.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FTC_DATA ?= ../shared/data/ftc-dnc/complaint_numbers_2025-10-28_to_2025-11-26.csv.gz

.PHONY: install run migrate seed test test-unit test-integration test-e2e lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/pepper db upgrade

# Imports the shared FTC data when it is present; a second run finds it already imported.
seed: migrate
	-$(BIN)/pepper model install-default  # a refused default leaves reputation scoring on
	@if [ -f "$(FTC_DATA)" ]; then $(BIN)/pepper import ftc "$(FTC_DATA)"; \
	else echo "no FTC data at $(FTC_DATA): starting without it"; fi

run: seed
	exec $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Two test processes (pytest-xdist, one file each at a time): half the tests wait on
# servers, sleeps and timeouts, so two CPUs run the suite in about two thirds the time.
test: install
	$(BIN)/pytest -n 2 --dist loadfile --durations=10 tests

test-unit: install
	$(BIN)/pytest tests/unit

test-integration: install
	$(BIN)/pytest tests/integration

test-e2e: install
	$(BIN)/pytest tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# A local multi-server cluster (cluster/pepper-cluster): three gunicorn instances behind
# haproxy, its own PostgreSQL and Redis, a job worker. State in var/cluster/.
.PHONY: cluster cluster-down cluster-test cluster-test-short
cluster: install
	cluster/pepper-cluster up

cluster-down:
	cluster/pepper-cluster down

# The cluster under mixed load and faults, with the verdict (exits 1 on a missed target).
# flock: one heavy run at a time on this machine.
cluster-test: install
	flock /tmp/pepper-heavy.lock $(BIN)/python -m bench.cluster_scenario

cluster-test-short: install
	flock /tmp/pepper-heavy.lock $(BIN)/python -m bench.cluster_scenario --short
