# incident_hub: `make help` lists the targets.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The venv is installed from the lock; this marker is touched after each install, so a newer lock re-installs.
INSTALLED := $(VENV)/.installed
UV_VERSION ?= 0.13.9
export FLASK_APP := wsgi

.PHONY: help venv lock run test lint format migration bench faults clean translations

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(INSTALLED): requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	touch $(INSTALLED)

venv: $(INSTALLED) ## create the virtual environment and install everything from requirements.lock

# uv runs from a throwaway venv (never installed into .venv, never committed). It keeps the pins
# already in the lock unless requirements*.txt need a change; `make lock LOCK_ARGS=--upgrade` takes
# the newest versions allowed.
lock: ## regenerate requirements.lock (dev tree) and requirements-runtime.lock (the image's), with hashes
	@tool=$$(mktemp -d) && trap 'rm -rf "$$tool"' EXIT && \
	$(PY) -m venv "$$tool" && "$$tool/bin/pip" install -q "uv==$(UV_VERSION)" && \
	"$$tool/bin/uv" pip compile requirements-dev.txt --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" --no-strip-extras --quiet $(LOCK_ARGS) -o requirements.lock && \
	"$$tool/bin/uv" pip compile requirements.txt -c requirements.lock --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" --quiet -o requirements-runtime.lock

translations: venv ## extract the strings people read and update every catalogue (then translate the new entries)
	scripts/translations update

run: venv ## migrate, seed the demo on a new database, serve on http://127.0.0.1:5000 with the scheduler
	scripts/run

test: venv ## lint, then the whole suite on SQLite and PostgreSQL (what .ci/run calls)
	scripts/test

lint: venv ## ruff check, ruff format --check, import-linter contracts (pyproject.toml), mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check incident_hub tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy incident_hub

format: venv ## apply ruff's fixes and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format incident_hub tests bench

migration: venv ## new Alembic revision from the models: make migration m="what changed"
	$(BIN)/flask db migrate -m "$(m)"

bench: venv ## print the benchmark figures
	$(BIN)/python -m bench

faults: venv ## kill -9 under load, database outage, scheduler killed mid-tick (bench/faults; minutes, not in `test`)
	$(BIN)/python -m bench.faults

clean: ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output
