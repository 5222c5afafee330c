# leadwire — the front door. Every target installs what it needs on first use:
#   .tools/     pinned uv (bootstrapped with the machine's python3 + pip) and the SAM CLI
#   .venv/      the development environment, synced from uv.lock
# Needs only python3 (>= 3.11) and make; `make build` also wants a python3.13 (pyenv is fine).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
PYTHON313_VERSION ?= 3.13
PORT ?= 3000
PYTEST_ARGS ?=
BENCH_ARGS ?=

UV_VERSION := 0.13.8
SAM_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30
# The SAM CLI and checkov live in their own environments (their boto3 pins clash with ours);
# resolving their dependencies as of this date keeps them reproducible without more lock files.
SAM_EXCLUDE_NEWER := 2026-11-20T00:00:00Z

TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
SAM := $(TOOLS)/bin/sam
CHECKOV := $(TOOLS)/bin/checkov
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
SAM_STAMP := $(TOOLS)/.sam-$(SAM_VERSION)
CHECKOV_STAMP := $(TOOLS)/.checkov-$(CHECKOV_VERSION)
VENV_STAMP := $(VENV)/.synced
RUFF := $(VENV)/bin/ruff
TEMPLATE := template.yaml

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_TOOL_DIR := $(CURDIR)/$(TOOLS)/uv-tools
export UV_TOOL_BIN_DIR := $(CURDIR)/$(TOOLS)/bin
export SAM_CLI_TELEMETRY := 0

# Local targets never need a real AWS account: fake credentials and a region unless the caller
# set their own. Not applied to `deploy` (and not needed by `build`).
test test-browser lint run demo whatif review bench: export AWS_DEFAULT_REGION ?= us-east-1
test test-browser lint run demo whatif review bench: export AWS_ACCESS_KEY_ID ?= testing
test test-browser lint run demo whatif review bench: export AWS_SECRET_ACCESS_KEY ?= testing

# The bench measures cold starts with the runtime's Python; the bench test runs it --quick.
test bench: export LEADWIRE_BENCH_PYTHON ?= $(PY313_FOUND)

# A python3.13 that really runs (a pyenv shim for python3.13 can be on PATH and still fail):
# PYTHON313 if given, then PATH, then `pyenv prefix 3.13`, then a uv-managed one.
PY313_PROBE = $(shell '$(1)' -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null)
PY313_FOUND = $(firstword \
	$(if $(PYTHON313),$(call PY313_PROBE,$(PYTHON313))) \
	$(call PY313_PROBE,python3.13) \
	$(call PY313_PROBE,$(shell pyenv prefix $(PYTHON313_VERSION) 2>/dev/null)/bin/python3.13) \
	$(call PY313_PROBE,$(shell $(UV) python find --no-project $(PYTHON313_VERSION) 2>/dev/null)))
PY313_PATH = $(dir $(PY313_FOUND)):$(PATH)
# Ship bytecode: Lambda's /opt and /var/task are read-only, so without it every cold start
# compiles the whole layer. unchecked-hash: zip round trips change mtimes, hashes do not.
COMPILE_BUILD = '$(PY313_FOUND)' -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build \
	&& echo "compiled $$(find .aws-sam/build -name '*.pyc' | wc -l) .pyc files (python3.13) into .aws-sam/build"

.PHONY: help test test-browser lint format typecheck run demo whatif review bench build deploy lock clean

help: ## Show this help
	@echo "Usage: make <target>   (PORT=$(PORT), PYTEST_ARGS='...' for test)"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

test: lint $(VENV_STAMP) ## Lint, validate the template, run all tests (unit, functional, e2e, browser)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-browser: $(VENV_STAMP) ## Only the browser tests: the form, the board and the lead page in headless Chromium
	$(VENV)/bin/pytest tests/e2e/test_browser.py tests/e2e/test_board_browser.py tests/e2e/test_lead_page_browser.py $(PYTEST_ARGS)

lint: $(VENV_STAMP) $(SAM_STAMP) $(CHECKOV_STAMP) ## ruff, sam validate --lint (cfn-lint), checkov, mypy (strict) on the layer
	$(RUFF) check .
	$(RUFF) format --check .
	$(SAM) validate --lint --template $(TEMPLATE) --region us-east-1
	$(CHECKOV) --file $(TEMPLATE) --framework cloudformation --skip-download --compact --quiet
	$(VENV)/bin/mypy

format: $(VENV_STAMP) ## Apply ruff fixes and formatting
	$(RUFF) check --fix-only --quiet .
	$(RUFF) format .

typecheck: $(VENV_STAMP) ## mypy (strict) on the layer package
	$(VENV)/bin/mypy

run: $(VENV_STAMP) ## Run the local stack on http://127.0.0.1:PORT (default 3000)
	$(VENV)/bin/leadwire serve --host 127.0.0.1 --port $(PORT) --data-dir .leadwire

demo: $(VENV_STAMP) ## Bob's journey and the qualification scenarios (against make run if it runs)
	$(VENV)/bin/leadwire demo

whatif: $(VENV_STAMP) ## What a rules change would do: make whatif RULES=path/to/rules.yaml
	@if [ -z "$(RULES)" ]; then echo "usage: make whatif RULES=path/to/rules.yaml" >&2; exit 2; fi
	$(VENV)/bin/leadwire whatif --rules "$(RULES)" --data-dir .leadwire

review: $(VENV_STAMP) ## The quarterly review of the last 90 days (make run's stack or snapshot)
	$(VENV)/bin/leadwire review --data-dir .leadwire

bench: $(VENV_STAMP) $(UV_STAMP) ## Run the benchmarks (BENCH_ARGS=--quick: a few rounds, to see they run)
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

build: $(SAM_STAMP) ## sam build (needs python3.13; skipped with a message if there is none)
	@if [ -z "$(PY313_FOUND)" ]; then \
		echo "python3.13 not found; skipping sam build (install with pyenv install 3.13)"; \
		exit 0; \
	fi; \
	echo "sam build with $(PY313_FOUND)"; \
	PATH='$(PY313_PATH)' $(SAM) build --template $(TEMPLATE); \
	$(call COMPILE_BUILD)

deploy: $(SAM_STAMP) ## sam build + sam deploy --guided (uses your real AWS credentials)
	@if [ -z "$(PY313_FOUND)" ]; then \
		echo "python3.13 not found; cannot build for deploy (install with pyenv install 3.13)" >&2; \
		exit 1; \
	fi
	PATH='$(PY313_PATH)' $(SAM) build --template $(TEMPLATE)
	$(call COMPILE_BUILD)
	$(SAM) deploy --guided

lock: $(UV_STAMP) ## Re-resolve uv.lock after editing pyproject.toml
	$(UV) lock

clean: ## Remove the environments, build output and caches
	rm -rf $(VENV) $(TOOLS) .aws-sam .leadwire .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +

# --- installs (file targets: redone only when their inputs change) ---------------------------

$(UV_STAMP):
	rm -f $(TOOLS)/.uv-*
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

$(VENV_STAMP): pyproject.toml uv.lock $(UV_STAMP)
	$(UV) sync --locked --python $(PYTHON) || { \
		echo "uv sync failed (if uv.lock is out of date with pyproject.toml, run: make lock)" >&2; \
		exit 1; }
	touch $@

$(SAM_STAMP): $(UV_STAMP)
	rm -f $(TOOLS)/.sam-*
	$(UV) tool install --quiet --python $(PYTHON) --exclude-newer $(SAM_EXCLUDE_NEWER) \
		aws-sam-cli==$(SAM_VERSION)
	touch $@

# checkov's --skip-download: no call home for guidelines (and none possible offline).
$(CHECKOV_STAMP): $(UV_STAMP)
	rm -f $(TOOLS)/.checkov-*
	$(UV) tool install --quiet --python $(PYTHON) --exclude-newer $(SAM_EXCLUDE_NEWER) \
		checkov==$(CHECKOV_VERSION)
	touch $@
