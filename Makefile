# `make report` is the main job; `make test` runs the tests. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# A recorded snapshot to analyse, e.g. SNAPSHOT=../shared/data/github-search-2023-01.
# Empty: the newest snapshot under data/raw/.
SNAPSHOT ?=
export SNAPSHOT
# FORCE=1: run every step of the report again, even those whose inputs are unchanged.
FORCE ?=

.PHONY: report test lab collect clean help

help:
	@echo "make report [SNAPSHOT=DIR]  build data, execute notebooks, render paper and slides into _output/"
	@echo "                            (skips steps whose inputs are unchanged; FORCE=1 runs them all)"
	@echo "make test                   run the test suite"
	@echo "make lab [SNAPSHOT=DIR]     JupyterLab on notebooks/ with the project's kernel"
	@echo "make collect                record a fresh snapshot from the GitHub API into data/raw/<UTC date>/"

$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlops-ecosystem)" >/dev/null
	@touch $@

report: $(INSTALLED)
	$(PY) -m analysis report $(if $(SNAPSHOT),--snapshot "$(SNAPSHOT)") $(if $(filter 1,$(FORCE)),--force)

test: $(INSTALLED)
	$(PY) -m pytest

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

collect: $(INSTALLED)
	$(PY) -m analysis collect --out data/raw/$(shell date -u +%Y-%m-%d)

clean:
	rm -rf _output _build data/processed
