# The two commands: `make run` starts the suite on its embedded dev stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PACKAGES := libs/events infra/devstack services/tickets services/assets services/training services/metrics
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: install run test bench lint schemas clean

install: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

run: install
	$(PY) -m devstack.run

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-bench.txt
	$(PY) -m bench $(ARGS)

lint: install
	$(VENV)/bin/ruff check .

schemas: install
	$(PY) -m events.schemas write

clean:
	rm -rf $(VENV) .run
