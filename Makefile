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
# The pages' browser libraries (npm, pinned in libs/events/web), copied into the kit's static files.
PAGES_WEB := libs/events/web
VENDOR := libs/events/src/events/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
# The browser the page tests drive: Debian's Chromium (Playwright's own builds need the internet).
CHROMIUM := /usr/bin/chromium

.PHONY: install run test test-unit test-integration test-e2e bench lint schemas clean

install: $(STAMP) $(VENDOR_STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

$(NODE_STAMP): $(ASYNCAPI_CHECK)/package.json $(ASYNCAPI_CHECK)/package-lock.json
	npm ci --prefix $(ASYNCAPI_CHECK) --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(VENDOR_STAMP): $(PAGES_WEB)/package.json $(PAGES_WEB)/package-lock.json
	npm ci --prefix $(PAGES_WEB) --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(PAGES_WEB)/node_modules/@picocss/pico/css/pico.min.css \
	   $(PAGES_WEB)/node_modules/chart.js/dist/chart.umd.min.js \
	   $(PAGES_WEB)/node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js $(VENDOR)/
	touch $(VENDOR_STAMP)

$(CHROMIUM):
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

run: install
	$(PY) -m devstack.run

test: install $(NODE_STAMP) $(CHROMIUM)
	$(PY) -m pytest

# The tiers by the I/O they need: none; real Postgres (and the broker for the spine); REST in, Kafka across.
test-unit: install $(NODE_STAMP) $(CHROMIUM)
	$(PY) -m pytest tests/unit

test-integration: install $(NODE_STAMP) $(CHROMIUM)
	$(PY) -m pytest tests/integration

test-e2e: install $(NODE_STAMP) $(CHROMIUM)
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
