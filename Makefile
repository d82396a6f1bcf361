# Two commands do the whole set-up on a fresh Debian machine with Python 3.11:
#   make demo   the customer area on SQLite at http://127.0.0.1:8000, with demo data
#   make test   the whole test suite, browser tests included
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test lint format messages deps lock audit audit-refresh system-packages browser apt bench clean

# The demo runs on its own SQLite file, made anew each time so that its dates start from today.
demo: export CONSERVA_DEBUG ?= 1
demo: export DATABASE_URL ?= sqlite:///$(CURDIR)/var/demo.sqlite3
demo: export CONSERVA_EMAIL_FILE_PATH ?= $(CURDIR)/var/demo-mail
demo: deps messages
	@mkdir -p var && rm -rf var/demo.sqlite3 var/demo-mail var/archive
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) seed_demo
	@echo "Starting the task worker, the daily run (now, then every hour) and the web server (Ctrl-C stops them)."
	@trap 'kill 0' EXIT INT TERM; \
	  $(MANAGE) db_worker --no-reload & \
	  $(MANAGE) run_daily --every 3600 & \
	  $(MANAGE) runserver --noreload $(HOST):$(PORT)

# Production on this machine: gunicorn + WhiteNoise, the task worker and the daily run, from the
# environment (deploy/conserva.env.example); it refuses to start on a missing or wrong setting.
serve: deps messages
	$(MANAGE) serve

test: deps messages browser lint
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/lint-imports
	$(BIN)/mypy

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: deps
	@mkdir -p var && rm -f var/bench.sqlite3
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/order_pages.py
	$(BIN)/python bench/payments.py
	$(BIN)/python bench/statement_import.py
	$(BIN)/python bench/archive.py

# The virtual environment, rebuilt when a lock file changes. requirements*.in name what we need
# and why; requirements*.txt, compiled from them by `make lock`, pin every package (the transitive
# ones, pip and setuptools too) with its hashes, so pip installs exactly the files that were locked.
deps: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@# Debian ships venv apart from Python itself (python3-venv).
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(MAKE) --no-print-directory apt PACKAGES=python3-venv; $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

# Recompiles the lock files after a change to requirements*.in; the versions already locked stay
# unless asked otherwise: make lock LOCK_ARGS="--upgrade-package django".
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
lock: deps
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# The dependency audit, offline: every pinned package against the advisories shipped in
# security/advisories.json (the PyPA advisory database, trimmed to our packages). It fails when a
# pinned version is affected, and when the list is missing, too old or does not cover a package.
audit: deps
	$(BIN)/python -m security.audit_dependencies

# Rebuilds security/advisories.json from a clone of https://github.com/pypa/advisory-database:
#   git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database
#   make audit-refresh ADVISORY_DB=/tmp/advisory-database
audit-refresh: deps
	@test -n "$(ADVISORY_DB)" || { echo "Set ADVISORY_DB to a clone of https://github.com/pypa/advisory-database (git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database)"; exit 1; }
	$(BIN)/python -m security.refresh_advisories "$(ADVISORY_DB)"

# Translations are compiled here, never committed.
messages: deps system-packages
	$(MANAGE) compilemessages --ignore=.venv -v 0

# Debian packages: gettext for the translations, libmagic for the archive's format identification
# (python-magic loads it as ctypes does), curl and jq for the API guide's examples (a test runs
# them), Chromium for the browser tests.
system-packages:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	$(PYTHON) -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("magic"))' || missing="$$missing libmagic1"; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory apt PACKAGES="$$missing"; fi

browser:
	@command -v chromium >/dev/null || $(MAKE) --no-print-directory apt PACKAGES="chromium fonts-dejavu-core"

apt:
	@if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian packages:$(PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES) >/dev/null; \
	else \
	  echo "Please install the Debian packages:$(PACKAGES) (sudo apt-get install$(PACKAGES))"; exit 1; \
	fi

clean:
	rm -rf $(VENV) var test-artifacts
