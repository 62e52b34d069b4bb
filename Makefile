# Two commands on a fresh clone: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

# Two test processes (pytest-xdist); the tests that start real Celery workers share one.
PYTEST_WORKERS ?= -n 2 --dist loadgroup
# `make test-dates` runs the tests marked `dates` once at each of these moments (Asia/Shanghai):
# the 1st (also before 09:30 and while UTC is still on the day before), the 28th to the 31st,
# a leap day, New Year's Eve and Day, the 15th (bills' due day) at night.
TEST_DATES ?= 2027-01-01T00:30,2026-12-31T23:50,2027-01-31T12:00,2027-02-28T10:00,2028-02-29T10:00,2027-03-01T07:30,2027-04-30T21:00,2027-06-15T03:00

.PHONY: run test test-dates install lint format messages clean

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
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-dates: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_WORKERS) -m dates --today=$(TEST_DATES) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules var
