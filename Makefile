# Every target installs what it needs first, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 18080
SCENARIO ?= tests/emulator/scenarios/sample.yaml
LINT_DIRS := $(wildcard shared tests functions)

.PHONY: setup test lint emulator docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/vermin --target=3.10- --no-tips --violations --quiet $(LINT_DIRS)

demo: setup
	$(PY) -m tests.demo

emulator: setup
	$(PY) -m tests.emulator --scenario $(SCENARIO) --port $(PORT)

docs: setup
	$(PY) -m aliaudit.docs docs/checks.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
