# Two commands on a machine with only Python 3.11+:  make run  /  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint install browser bench check clean test-rabbitmq

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils; }

run: install
	$(BIN)/python -m wms_project.runner

# The house rules: import contracts (layers and forbidden edges, in pyproject.toml), ruff, mypy on the services.
# django-stubs loads the settings; the URLs given to mypy are only parsed, so no embedded server starts for it.
lint: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	DATABASE_URL=postgres://lint@127.0.0.1:9/unused REDIS_URL=redis://127.0.0.1:9/0 $(BIN)/python -m mypy

test: install lint browser
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Optional: the tests that run a real Celery worker, against RabbitMQ instead of Redis (one must be running;
# RABBITMQ_URL defaults to a local broker with the guest account). `make test` needs nothing of it.
RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672//
test-rabbitmq: install
	CELERY_BROKER_URL=$(RABBITMQ_URL) $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS) \
	  $$(grep -rl "celery_worker" tests --include="test_*.py")

# Load comes from tools built for it: Debian's wrk (HTTP), installed here, and PostgreSQL's pgbench (the
# hot-row ceiling), which comes with the PostgreSQL server package.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

check: install
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) .data
