# Every target installs what it needs first, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 18080
SCENARIO ?= tests/emulator/scenarios/sample.yaml
LINT_DIRS := $(wildcard shared tests functions)
FUNCTIONS ?=
S_VERSION ?= 3.1.10

.PHONY: setup test test-slow bench bench-org bench-mutelist bench-events lint emulator docs build deploy-files tools clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

# tests marked slow (PyPI downloads: the real function bundles); CI runs them after `make test`
test-slow: setup
	$(PY) -m pytest -m slow

# the benchmark (not part of the tests): SCALE=0.25 for a quarter of issue 7's account; results in bench/results.json.
# SIZES=small runs only the small sizes (sample account, scales 0.02 and 0.05, start-up; a few minutes), SIZES=large
# only the scaling table. ORG=50 adds the organisation case (50 medium accounts; about 10 more minutes on 2 cores);
# bench-org runs only it
SCALE ?= 1
ORG ?= 0
SIZES ?= all
bench: setup
	$(PY) -m tests.bench --scale $(SCALE) --org $(ORG) --sizes $(SIZES)

bench-org: setup
	$(PY) -m tests.bench --sizes "" --org $(if $(filter 0,$(ORG)),50,$(ORG)) --out bench/results-org.json

# event runs (issue 17: the four risky changes and a burst of 100, at each size of EVENTS): bench/results-events.json
EVENTS ?= 0.05,0.25
bench-events: setup
	$(PY) -m tests.bench --events $(EVENTS)

# the mutelist's costs (50,000 entries on 35 findings, a catastrophic pattern): bench/results-mutelist.json
bench-mutelist: setup
	$(PY) -m tests.bench --mutelist

lint: setup
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/mypy
	$(VENV)/bin/vermin --target=3.10- --no-tips --violations --quiet $(LINT_DIRS)

demo: setup
	$(PY) -m tests.demo

emulator: setup
	$(PY) -m tests.emulator --scenario $(SCENARIO) --port $(PORT)

docs: setup
	$(PY) -m aliaudit.docs docs/checks.md

# s.yaml and template.yml, generated from the check metadata
deploy-files: setup
	$(PY) -m aliaudit.deploy render

# build/layer/: the dependency layer (CPython 3.10 manylinux wheels, one for every function); build/<function>/: its code
# only; both byte-compiled by CPython 3.10 (pyenv) when there is one (FUNCTIONS="ram dispatcher" for some only)
build: setup
	$(PY) -m aliaudit.deploy build $(if $(FUNCTIONS),--only $(FUNCTIONS))

# Serverless Devs CLI (s preview) in a project-local folder
tools: .tools/node_modules/.bin/s

.tools/node_modules/.bin/s:
	npm install --prefix .tools --no-audit --no-fund --loglevel=error @serverless-devs/s@$(S_VERSION)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build .tools
