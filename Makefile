# ask4mdp — the two commands of the README, and the steps they are made of.
SHELL := /bin/bash
PY := .venv/bin/python
UV := .venv/bin/uv
EMBEDDED_ENV := ASK4MDP_EMBEDDED=1 DEBUG=1
TEST_ENV := SECRET_KEY=test-secret-key-only-for-the-test-suite-0123456789 \
	DATABASE_URL=postgres://postgres@localhost:5432/ask4mdp REDIS_URL=redis://localhost:6379/0 HTTPS=false
PORT ?= 8000

.PHONY: demo test env services system-packages migrate-demo lint messages docs benchmark clean

## demo: set up and run the site with demo data on the embedded default (SQLite, eager Celery, var/)
demo: env
	scripts/system-packages.sh demo
	$(EMBEDDED_ENV) $(PY) manage.py migrate --noinput
	$(EMBEDDED_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0
	$(EMBEDDED_ENV) $(PY) manage.py load_demo
	$(EMBEDDED_ENV) $(PY) manage.py runserver $(PORT)

## test: set up and run every test against PostgreSQL, Redis, real Celery workers and Chromium
test: env system-packages services
	$(PY) -m ruff check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

env: .venv/.synced
.venv/.synced: pyproject.toml uv.lock
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv .venv
	@test -x $(UV) || $(PY) -m pip install -q "uv==0.13.9"
	$(UV) sync --frozen --python $(PY)
	@touch $@

services:
	scripts/services.sh

system-packages:
	scripts/system-packages.sh

## messages: refresh the translation catalogues (then translate the new French strings)
messages: env
	$(EMBEDDED_ENV) $(PY) manage.py makemessages -l fr --ignore=.venv --ignore=var --no-obsolete

## docs: regenerate the permission matrix, the FSM diagram and the schemas from the code
docs: env
	$(EMBEDDED_ENV) $(PY) manage.py generate_docs

lint: env
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

benchmark: env services
	$(TEST_ENV) $(PY) benchmarks/dictionary_pages.py
	$(TEST_ENV) $(PY) benchmarks/extraction.py

clean:
	rm -rf var/ask4mdp.sqlite3 var/media var/deliveries var/screenshots
