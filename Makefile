# Two commands on a fresh clone: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Exported: the settings build the site's address (LINLI_SITE_URL) from them.
export HOST ?= 127.0.0.1
export PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

# Two test processes (pytest-xdist); the tests that start real Celery workers share one.
PYTEST_WORKERS ?= -n 2 --dist loadgroup

.PHONY: run test install lint format messages clean

install: $(VENV)/.installed node_modules/.installed messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# .po files are committed; the compiled .mo files are built here.
messages: $(VENV)/.installed
	@$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  居民端   http://$(HOST):$(PORT)/"
	@echo "  物业端   http://$(HOST):$(PORT)/staff/"
	@echo "  平台管理 http://$(HOST):$(PORT)/admin/"
	@echo "  (web + Celery worker + beat; Ctrl-C stops all of them)"
	@echo ""
	@$(BIN)/python bin/run_local.py -f Procfile.dev

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules var
