# The README's commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/consult_hk
REDIS_URL ?= redis://127.0.0.1:6379/0
# make bench: 10,000 and 100,000 submissions; make bench SIZE=1000000 for the million
# (several sizes in one table: make bench SIZE="10000 100000 1000000").
SIZE ?=
BENCH_URL ?= postgres://postgres@127.0.0.1:5432/consult_bench

.PHONY: run test test-sqlite lint format bench bench-chord bench-chunks bench-import bench-pages bench-load setup messages openapi clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core (npm) for the browser tests' accessibility checks; the lock file pins it.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed

## Fresh clone to the running product on http://127.0.0.1:8000 (SQLite, filesystem broker).
run: setup
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py generate_responses va-custody --count 300 --seed 7 --if-empty
	scripts/run-dev.sh

# The suite's pytest-xdist workers (README, "Tests in parallel"): each has its own test database
# (test_consult_hk_gw0, ...) and Redis database (REDIS_URL's plus its number); 0 runs the suite in
# one process, without xdist: make test PYTEST_WORKERS=0.
PYTEST_WORKERS ?= 4
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup
# The 25 slowest tests and set-ups are listed at the end of every run: where the suite's time goes.
PYTEST_DURATIONS := --durations=25

## Fresh clone to a passing suite on PostgreSQL, Redis and Debian's chromium, after `lint`
## (ruff, lint-imports, mypy).
test: setup lint
	scripts/ensure-system.sh
	$(MAKE) node_modules/.installed
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(PG_URL) TEST_BROKER_URL=$(REDIS_URL) $(VENV)/bin/pytest $(PYTEST_PARALLEL) $(PYTEST_DURATIONS)

## The same suite on SQLite (no PostgreSQL-only tests are skipped silently: they say so); each
## xdist worker has its own in-memory test database.
test-sqlite: setup node_modules/.installed
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 TEST_BROKER_URL=$(REDIS_URL) \
		$(VENV)/bin/pytest $(PYTEST_PARALLEL)

## Style, the architecture's rules (import-linter contracts in pyproject.toml) and types.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: setup
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hant --no-obsolete -i node_modules -i var
	DEBUG=1 $(PY) manage.py compilemessages -l zh_Hant -i .venv -i node_modules

## The API's OpenAPI schema, checked into the repository (tests/api/test_schema.py compares).
openapi: setup
	DEBUG=1 $(PY) manage.py spectacular --format openapi-json --validate --file api/openapi.json

bench: setup
	scripts/ensure-system.sh
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench $(foreach size,$(SIZE),--size $(size))

## A chunked report of the million on four real Celery workers (Redis db 10 as broker and result
## backend): which worker took each chunk, each chunk's time, the wall time, merged == one-pass.
CHORD_SLUG ?= bench-otc-1000000
CHORD_CHUNK ?= 100000
CHORD_REDIS ?= redis://127.0.0.1:6379/10
bench-chord: setup
	scripts/ensure-system.sh
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.chord --slug $(CHORD_SLUG) --chunk-size $(CHORD_CHUNK) --redis $(CHORD_REDIS)

## The chunked path's costs step by step (per chunk read, reduce, memory; merge; render; COPY rate;
## table sizes): what docs/SCALING.md extrapolates from.
bench-chunks: setup
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.chunk_costs --slug $(CHORD_SLUG) --chunk-size $(CHORD_CHUNK)

## The respondent pages under load: gunicorn + locust on 127.0.0.1, 20 and 100 users.
# make bench-import: a bulk import of ROWS responses (100,000 by default), timed.
ROWS ?= 100000
bench-import: setup
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.imports --rows $(ROWS)

bench-pages: setup
	scripts/ensure-system.sh
	DATABASE_URL=$(BENCH_URL) $(PY) -m bench.load

## The load-without-loss test at a larger size: gunicorn on PostgreSQL, respondents at once.
LOAD_RESPONDENTS ?= 500
LOAD_CONCURRENCY ?= 100
bench-load: setup
	scripts/ensure-system.sh
	DATABASE_URL=$(PG_URL) LOAD_RESPONDENTS=$(LOAD_RESPONDENTS) LOAD_CONCURRENCY=$(LOAD_CONCURRENCY) \
		$(VENV)/bin/pytest tests/reliability/test_load.py -s

clean:
	rm -rf $(VENV) var
