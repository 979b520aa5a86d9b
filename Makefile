# refapps: `make help` lists the targets. Each creates .venv on first use.
# Two stamps: `make train` installs the project (what training and the pages need); `make
# test` adds the dev extra on top, so after `make train` it installs only the test tools.
VENV := .venv
PY := $(VENV)/bin/python
BASE := $(VENV)/.installed-base
DEV := $(VENV)/.installed

.PHONY: help train test lint bench demo clean

help:  ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-8s %s\n", $$1, $$2}'

$(BASE): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1 || $(PY) -m pip install -q torch torchvision
	$(PY) -m pip install -q -e .
	touch $(BASE)

$(DEV): $(BASE)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(DEV)

train: $(BASE)  ## train the Titanic app with default settings (installs the project only)
	$(VENV)/bin/refapps titanic train

test: $(DEV)  ## ruff (lint + format check), then the whole test suite (adds the dev extra)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(DEV)  ## ruff check and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(DEV)  ## measure every app on REFAPPS_DATA and write bench/RESULTS.md
	$(VENV)/bin/refapps bench all

demo: $(BASE)  ## open the Streamlit hub
	$(VENV)/bin/refapps demo

clean:  ## remove the virtualenv and caches (keeps runs/)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
