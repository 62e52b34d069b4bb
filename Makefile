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
# `make test-dates` runs the tests marked `dates` once at each of these moments (Asia/Shanghai):
# the 1st (also before 09:30 and while UTC is still on the day before), the 28th to the 31st,
# a leap day, New Year's Eve and Day, the 15th (bills' due day) at night.
TEST_DATES ?= 2027-01-01T00:30,2026-12-31T23:50,2027-01-31T12:00,2027-02-28T10:00,2028-02-29T10:00,2027-03-01T07:30,2027-04-30T21:00,2027-06-15T03:00

.PHONY: run test test-dates install system-packages lint format messages clean lock upgrade assets

install: system-packages $(VENV)/.installed node_modules/.installed messages assets

# gettext, a CJK font and (for the tests) Chromium, from apt-get where they are missing.
system-packages:
	@bin/system-packages $(if $(filter test,$(MAKECMDGOALS)),test,run)

# Installs exactly what the lock file says (every package pinned, every file hashed).
$(VENV)/.installed: requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The pages' stylesheets and icon font (bin/build-assets.mjs, into build/assets/): rebuilt when
# anything that can name a class changes (templates, our .py and .js files, the CSS sources).
ASSET_INPUTS := $(shell find templates static -type f 2>/dev/null) \
	$(shell find . -name '*.py' -not -path './.venv/*' -not -path './node_modules/*' -not -path './var/*' -not -path './tests/*' -not -path './bench/*' -not -path './build/*' 2>/dev/null)
assets: build/assets.built

build/assets.built: bin/build-assets.mjs node_modules/.installed $(VENV)/.installed $(ASSET_INPUTS)
	node bin/build-assets.mjs

# .po files are committed; the compiled .mo files are built here.
messages: $(VENV)/.installed
	@$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Static files as in production: hashed names, gzip and Brotli copies (config/settings/local.py),
# collected again when the built assets, our static files or the npm packages change.
staticfiles/.collected: build/assets.built node_modules/.installed $(shell find static -type f 2>/dev/null)
	$(BIN)/python manage.py collectstatic --noinput -v0
	touch $@

run: install staticfiles/.collected
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  居民端   http://$(HOST):$(PORT)/"
	@echo "  物业端   http://$(HOST):$(PORT)/staff/"
	@echo "  平台管理 http://$(HOST):$(PORT)/admin/"
	@echo "  服务商端 http://$(HOST):$(PORT)/provider/"
	@echo "  (web + Celery worker + beat; Ctrl-C stops all of them)"
	@echo ""
	@$(BIN)/python bin/run_local.py -f Procfile.dev

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-dates: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_WORKERS) -m dates --today=$(TEST_DATES) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The lock files come from pyproject.toml: `make lock` after changing a dependency there keeps
# every other pin; `make upgrade` takes the newest releases pyproject.toml allows.
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.11
lock: $(VENV)/.installed
	$(LOCK) $(LOCK_ARGS) --extra dev -o requirements/dev.txt
	$(LOCK) $(LOCK_ARGS) -c requirements/dev.txt -o requirements/production.txt

upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

clean:
	rm -rf $(VENV) node_modules var build staticfiles
