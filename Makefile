# incident_hub: `make help` lists the targets.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: help venv run test lint format migration bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(BIN)/activate

venv: $(BIN)/activate ## create the virtual environment and install everything

run: venv ## migrate, seed the demo on a new database, serve on http://127.0.0.1:5000 with the scheduler
	scripts/run

test: venv ## lint, then the whole suite on SQLite and PostgreSQL (what .ci/run calls)
	scripts/test

lint: venv ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check incident_hub tests bench
	$(BIN)/mypy incident_hub

format: venv ## apply ruff's fixes and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format incident_hub tests bench

migration: venv ## new Alembic revision from the models: make migration m="what changed"
	$(BIN)/flask db migrate -m "$(m)"

bench: venv ## print the benchmark figures
	$(BIN)/python -m bench

clean: ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output
