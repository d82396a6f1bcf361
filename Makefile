# Two commands do the whole set-up on a fresh Debian machine with Python 3.11:
#   make demo   the customer area on SQLite at http://127.0.0.1:8000, with demo data
#   make test   the whole test suite, browser tests included
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format messages deps system-packages browser apt bench clean

# The demo runs on its own SQLite file, made anew each time so that its dates start from today.
demo: export CONSERVA_DEBUG ?= 1
demo: export DATABASE_URL ?= sqlite:///$(CURDIR)/var/demo.sqlite3
demo: export CONSERVA_EMAIL_FILE_PATH ?= $(CURDIR)/var/demo-mail
demo: deps messages
	@mkdir -p var && rm -rf var/demo.sqlite3 var/demo-mail var/archive
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) seed_demo
	@echo "Starting the task worker and the web server (Ctrl-C stops both)."
	@trap 'kill 0' EXIT INT TERM; \
	  $(MANAGE) db_worker --no-reload & \
	  $(MANAGE) runserver --noreload $(HOST):$(PORT)

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
	$(BIN)/python bench/order_pages.py
	$(BIN)/python bench/payments.py
	$(BIN)/python bench/statement_import.py
	$(BIN)/python bench/archive.py

# The virtual environment, rebuilt when a requirements file changes.
deps: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@# Debian ships venv apart from Python itself (python3-venv).
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(MAKE) --no-print-directory apt PACKAGES=python3-venv; $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Translations are compiled here, never committed.
messages: deps system-packages
	$(MANAGE) compilemessages --ignore=.venv -v 0

# Debian packages: gettext for the translations, libmagic for the archive's format identification
# (python-magic loads it as ctypes does), Chromium for the browser tests.
system-packages:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
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
