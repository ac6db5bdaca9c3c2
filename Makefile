# The two commands: `make run` starts the suite on its embedded dev stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PACKAGES := libs/events infra/devstack services/tickets services/assets services/training services/metrics
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
# The official AsyncAPI parser (npm), which a unit test runs on the generated document.
ASYNCAPI_CHECK := tests/support/asyncapi
NODE_STAMP := $(ASYNCAPI_CHECK)/node_modules/.installed

.PHONY: install run test test-unit test-integration test-e2e bench lint schemas clean

install: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

$(NODE_STAMP): $(ASYNCAPI_CHECK)/package.json $(ASYNCAPI_CHECK)/package-lock.json
	npm ci --prefix $(ASYNCAPI_CHECK) --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

run: install
	$(PY) -m devstack.run

test: install $(NODE_STAMP)
	$(PY) -m pytest

# The tiers by the I/O they need: none; real Postgres (and the broker for the spine); REST in, Kafka across.
test-unit: install $(NODE_STAMP)
	$(PY) -m pytest tests/unit

test-integration: install $(NODE_STAMP)
	$(PY) -m pytest tests/integration

test-e2e: install $(NODE_STAMP)
	$(PY) -m pytest tests/e2e

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-bench.txt
	$(PY) -m bench $(ARGS)

lint: install
	$(VENV)/bin/ruff check .

schemas: install
	$(PY) -m events.schemas write

clean:
	rm -rf $(VENV) .run
