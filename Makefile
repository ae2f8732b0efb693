# The two commands that matter: `make demo` and `make test`. Both work on a fresh machine:
# they create .venv, and start an embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL
# name real servers.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The project's apps (the folders holding actions.py / access.py / selectors.py), tests excluded.
APPS = $(filter-out tests bench scripts static templates docs locale bin,$(patsubst %/,%,$(wildcard */)))

.PHONY: demo test browser venv messages extract migrate lint check pytest services-stop audit backup restore clean-run

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

messages: venv
	$(PY) -m lacs.i18n

# Extract an app's strings into its own catalogue: `make extract APP=ethics` (APP=. for the core).
extract: venv
	@test -n "$(APP)" || (echo "usage: make extract APP=<app folder>" && exit 2)
	mkdir -p $(APP)/locale/en/LC_MESSAGES
	cd $(APP) && LACS_PROFILE=test DJANGO_SETTINGS_MODULE=lacs.settings_test PYTHONPATH=$(CURDIR) \
	  $(CURDIR)/$(BIN)/django-admin makemessages -l en --no-location \
	  $(if $(filter .,$(APP)),--ignore=cases --ignore=whistleblowing --ignore=ethics --ignore=procurement --ignore=oversight --ignore=tests --ignore=bench --ignore=.venv --ignore=.run --ignore=scripts)

migrate: messages
	LACS_PROFILE=$${LACS_PROFILE:-demo} $(PY) manage.py migrate --no-input

demo: migrate
	LACS_PROFILE=demo $(PY) manage.py demo_seed
	LACS_PROFILE=demo HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) bash bin/demo

# mypy checks every app's actions, access policy and selectors (new apps' files are picked up).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy lacs/audit.py lacs/crypto.py lacs/keys.py \
	    $$(ls $(addsuffix /actions.py,$(APPS)) $(addsuffix /access.py,$(APPS)) \
	       $(addsuffix /selectors.py,$(APPS)) 2>/dev/null)

check: messages
	LACS_PROFILE=test DJANGO_SETTINGS_MODULE=lacs.settings_test $(PY) manage.py makemigrations --check --dry-run
	LACS_PROFILE=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=integridad.cdmx.gob.mx \
	  DATABASE_URL=postgres://lacs@db.invalid/lacs REDIS_URL=redis://redis.invalid:6379/0 \
	  LACS_INTAKE_PUBLIC_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
	  $(PY) manage.py check --deploy --fail-level WARNING

pytest: messages
	$(PY) -m pytest $(PYTEST_ARGS)

# A Chromium for the browser journeys: the system's, Playwright's, or one installed now (apt-get
# on Debian, else Playwright's download); when none can be had it says what to do.
browser: venv
	@$(PY) -m tests.browser.chromium --install >/dev/null

test: lint check browser pytest

audit: venv
	$(BIN)/pip-audit -r requirements.lock --progress-spinner off

backup: messages
	LACS_PROFILE=$${LACS_PROFILE:-demo} $(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: messages
	@test -n "$(FILE)" || (echo "usage: make restore FILE=.run/backups/lacs-....tar.enc [KEY=backup-private-key-file]" && exit 2)
	LACS_PROFILE=$${LACS_PROFILE:-demo} $(PY) manage.py restore $(FILE) --yes $(if $(KEY),--private-key $(KEY))
	LACS_PROFILE=$${LACS_PROFILE:-demo} $(PY) manage.py audit_verify

services-stop: venv
	$(PY) -m lacs.embedded stop

clean-run: services-stop
	rm -rf .run
