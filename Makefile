# Kubernetes for Data Scientists: two commands matter.
#   make lab    set up everything, start the cluster, open JupyterLab on lessons/
#   make test   everything CI runs
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTHON ?= python3
ENGINE := kdsutils/cluster/local/engine
NOTEBOOKS := $(wildcard lessons/*.ipynb exercises/*.ipynb solutions/*.ipynb)
# As after `. .venv/bin/activate`: kernels, JupyterLab's terminals and the tests find the
# course's kubectl, helm and kds before any other on the machine.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab test venv engine up down lint unit cluster-tests nbval learner-sweep offline-test conformance kind-node kind-test book browser notebooks bench clean

# WHEELHOUSE=DIR installs from an offline bundle's wheels/<platform>/ only (`kds bundle`).
WHEELHOUSE ?=
PIP_FROM := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)))
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version)). Set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(PIP_FROM) --upgrade pip
	$(BIN)/pip install -q $(PIP_FROM) -r requirements.txt
	touch $@

## engine: build the local engine (Kubernetes from its Go modules) and its images; cached
engine: venv
	$(PY) -c "from kdsutils.cluster import local; local.build()"

up: venv
	$(BIN)/kds up

down: venv
	$(BIN)/kds down

# JupyterLab refuses to run as root unless told; the local engine needs root on Linux.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: venv
	$(BIN)/kds up
	$(BIN)/jupyter lab $(LAB_ROOT) --notebook-dir=. lessons/

lint: venv
	$(BIN)/ruff check .

unit: venv
	$(BIN)/pytest -q tests/unit --doctest-modules kdsutils tests/nbval_parallel.py tests/conformance.py

## cluster-tests: the engine smoke suite and the helpers' integration tests (start the cluster)
# CLUSTER_TESTS='serial' or 'not serial' picks a part (a pytest -m expression; see pyproject.toml).
CLUSTER_TESTS ?=
cluster-tests: venv
	$(BIN)/pytest -q --durations=10 tests/engine tests/integration $(if $(CLUSTER_TESTS),-m "$(CLUSTER_TESTS)")

# Notebooks mostly wait for the cluster, so three runs share them, one topic (its lesson,
# exercises and solutions) never split between them (tests/nbval_parallel.py). On 2 cores,
# three runs took 12.7 min where two took 15.4.
NBVAL_RUNS ?= 3
nbval: venv
	@if [ -n "$(NOTEBOOKS)" ]; then $(PY) -m tests.nbval_parallel --runs $(NBVAL_RUNS) $(NOTEBOOKS); fi

## offline-test: a fresh clone installs its venv from the Linux wheelhouse with the package index out of reach
offline-test: venv
	$(BIN)/pytest -q tests/offline

## learner-sweep: execute every lesson a workshop learner may do, as two learners of one class
# (tests/learner_sweep.py; outputs are not compared). LEARNER_NOTEBOOKS picks the notebooks.
LEARNER_NOTEBOOKS ?= $(wildcard lessons/*.ipynb)
learner-sweep: venv
	$(PY) -m tests.learner_sweep --learners 2 $(LEARNER_NOTEBOOKS)

## conformance: Kubernetes' own conformance tests (neither Serial nor Disruptive) on the local engine
# (tests/conformance.py): builds e2e.test and its test images (cached), writes
# bench/results/conformance.json. CONFORMANCE=--subset runs the short set that make test runs.
CONFORMANCE ?=
conformance: venv
	$(PY) -m tests.conformance $(CONFORMANCE)

## kind-node: assemble kind's node image offline from the engine's parts, into Docker (cached by recipe)
kind-node: venv
	$(PY) -c "from kdsutils.cluster import kind; kind.build_node_image()"

## kind-test: the kind backend for real (tests/kind/run.sh): Docker, kind, the node image assembled
# here, kind's own tests beside the local engine, and KIND_NOTEBOOKS under nbval on kind
KIND_NOTEBOOKS ?= lessons/01-setup.ipynb lessons/11-pods.ipynb lessons/14-services.ipynb \
  lessons/19-storage.ipynb lessons/20-helm.ipynb
kind-test: venv
	bash tests/kind/run.sh $(KIND_NOTEBOOKS)

## notebooks: execute every notebook against the cluster and store the real outputs
notebooks: venv
	$(PY) -m tests.execute_notebooks $(NOTEBOOKS)

MERMAID_VERSION := 11.12.1
KDS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kds

## book: the site, from the notebooks' stored outputs; warnings are errors
book: venv _static/vendor/mermaid.min.js
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# The diagram script is served by the book itself (a workshop's wifi fails), from the npm registry.
_static/vendor/mermaid.min.js:
	mkdir -p $(KDS_CACHE)/npm _static/vendor
	test -f $(KDS_CACHE)/npm/mermaid-$(MERMAID_VERSION).tgz || \
	  (cd $(KDS_CACHE)/npm && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null)
	tar -xzf $(KDS_CACHE)/npm/mermaid-$(MERMAID_VERSION).tgz -O package/dist/mermaid.min.js > $@.partial
	mv $@.partial $@

## browser: open the built site in headless Chromium (pages load cleanly, solutions fold, search works)
# As root it runs in a network namespace of its own with only loopback: the cluster's veth
# interfaces coming and going would otherwise abort page loads with ERR_NETWORK_CHANGED.
browser: venv
	@if [ "$$(id -u)" = 0 ] && command -v unshare >/dev/null; then \
	  unshare --net sh -c 'ip link set lo up && $(BIN)/pytest -q tests/book'; \
	else $(BIN)/pytest -q tests/book; fi

bench: venv
	$(PY) bench/engine.py

test: venv
	bash .ci/test.sh

clean:
	rm -rf _build
