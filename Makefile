# `make report` is the main job; `make test` runs the tests. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# uv installs .venv from uv.lock and regenerates the lock (`make lock`): the version uv.lock names.
UV_VERSION := 0.13.9
# The project's Jupyter kernel: its own name, so that no other Jupyter takes it for the stock python3.
KERNEL := mlops-ecosystem
# In an activated conda environment made from environment.yml (`conda activate mlops-ecosystem`),
# every target uses that environment; otherwise they build and use .venv from PyPI.
ifeq ($(CONDA_DEFAULT_ENV),mlops-ecosystem)
ENV_DIR := $(CONDA_PREFIX)
INSTALL := $(ENV_DIR)/bin/python -m pip install --quiet --no-deps -e .
# uv comes with environment.yml: make installs none.
UV := $(ENV_DIR)/bin/uv
NEW_UV :=
else
ENV_DIR := .venv
# The pinned uv is installed once per machine, outside .venv, so a new .venv takes seconds.
UV_HOME := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mlops-ecosystem/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
NEW_UV := $(UV)
# Exactly the versions in uv.lock, plus pip (`make report` may pip-install Quarto). --inexact keeps what the
# lock does not name: pip, and that Quarto. --compile-bytecode writes every module's .pyc once, at install:
# uv writes none by default, and where PYTHONDONTWRITEBYTECODE is set (CI images, containers) Python never
# does, so every kernel and process would compile scikit-learn, SciPy and the rest from source each time.
INSTALL := $(UV) venv --quiet --seed --allow-existing --python $(PYTHON) $(ENV_DIR) \
	&& UV_PROJECT_ENVIRONMENT=$(ENV_DIR) $(UV) sync --quiet --locked --inexact --compile-bytecode --extra test --extra lint
endif
PY := $(ENV_DIR)/bin/python
INSTALLED := $(ENV_DIR)/.mlops-ecosystem-installed
NEED_PYTHON := @test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
# A recorded snapshot to analyse, e.g. SNAPSHOT=data/raw/2026-12-01. A relative path is made absolute here,
# from where make was run, so notebooks (whose kernels run in notebooks/) find it too.
# Empty: the newest snapshot under data/raw/, else the embedded 2023 one (data/recorded/).
SNAPSHOT ?=
override SNAPSHOT := $(if $(SNAPSHOT),$(abspath $(SNAPSHOT)))
export SNAPSHOT
# Extra arguments for `jupyter lab`, e.g. LAB_ARGS="--no-browser --port 8890 --ip 0.0.0.0".
LAB_ARGS ?=
# ALLOW_INCOMPLETE=1 analyses an interrupted or incomplete snapshot anyway (the documents say so).
ALLOW_INCOMPLETE ?=
export ALLOW_INCOMPLETE
# FORCE=1: run every step of the report again, even those whose inputs are unchanged.
FORCE ?=

.PHONY: report site refresh test test-fast lint lock lab collect follow clean help

help:
	@echo "make report [SNAPSHOT=DIR]  build data, execute notebooks, render paper and slides into _output/"
	@echo "                            (default: the newest snapshot in data/raw/, else the embedded 2023 one)"
	@echo "            [ALLOW_INCOMPLETE=1]  ... even from an interrupted or incomplete snapshot (the documents say so)"
	@echo "                            (skips steps whose inputs are unchanged; FORCE=1 runs them all)"
	@echo "            [COMPARE=OLD]   ... adding a comparison with an older snapshot"
	@echo "make site [SNAPSHOT=DIR] [COMPARE=OLD]  make report, then the static website in _site/"
	@echo "make refresh [ALLOW_INCOMPLETE=1]  collect today's snapshot, follow the previous one, report, site"
	@echo "make test                   run the test suite"
	@echo "make test-fast              run the unit tests alone (quick feedback; CI runs make test)"
	@echo "make lint                   linter, formatter check, type checker, notebooks without outputs, workflow checks"
	@echo "make lock                   update uv.lock to pyproject.toml (then commit both)"
	@echo "make lab [SNAPSHOT=DIR] [LAB_ARGS=...]  JupyterLab on notebooks/ with the project's kernel"
	@echo "make collect                record a fresh snapshot from the GitHub API into data/raw/<UTC date>/"
	@echo "make follow SNAPSHOT=DIR    ask GitHub what became of the snapshot's repositories (needs a token)"
	@echo "                            into data/followup/<snapshot name>/ (or FOLLOWUP=DIR); make report uses it"

ifneq ($(NEW_UV),)
# A machine with only Python and make: pip installs the pinned uv into a venv of its own.
$(NEW_UV):
	$(NEED_PYTHON)
	$(PYTHON) -m venv $(UV_HOME) && $(UV_HOME)/bin/python -m pip install --quiet uv==$(UV_VERSION)
endif

$(INSTALLED): pyproject.toml uv.lock Makefile | $(NEW_UV)
	$(NEED_PYTHON)
	$(INSTALL)
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3 ($(KERNEL))" >/dev/null
	@touch $@

report: $(INSTALLED)
	@$(PY) -m analysis report $(if $(SNAPSHOT),--snapshot "$(SNAPSHOT)") $(if $(filter 1,$(FORCE)),--force)

site: $(INSTALLED)
	$(PY) -m analysis site $(if $(SNAPSHOT),--snapshot "$(SNAPSHOT)")

# Resumable: run it again after an interruption. Needs a token (GITHUB_TOKEN) for enrichment and the follow-up.
refresh: $(INSTALLED)
	$(PY) -m analysis refresh $(if $(filter 1,$(ALLOW_INCOMPLETE)),--allow-incomplete)

# Tests run on a worker per core and one more (pytest-xdist; `auto` is set in tests/conftest.py), each module's
# tests on one worker, which builds its fixtures once; the modules in the order tests/conftest.py gives them
# (xdist would otherwise put those with the most tests first, and the whole-report modules, which have few,
# last: one worker then ran them while the other idled).
TEST_WORKERS ?= auto
test: $(INSTALLED)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The unit tests alone (no integration or notebook test), for quick feedback while editing; CI runs `make test`.
test-fast: $(INSTALLED)
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not integration and not notebooks"

# The workflow: actionlint (which runs the environment's shellcheck on its `run:` scripts) and zizmor.
lint: $(INSTALLED)
	$(PY) -m ruff check analysis tests benchmarks notebooks
	$(PY) -m ruff format --check analysis tests benchmarks notebooks
	$(PY) -m mypy
	$(PY) -m nbstripout --keep-id --verify notebooks/*.ipynb
	PATH="$(abspath $(ENV_DIR))/bin:$$PATH" $(ENV_DIR)/bin/actionlint .github/workflows/*.yml
	$(ENV_DIR)/bin/zizmor --offline --persona pedantic .github/workflows/

lock: | $(NEW_UV)
	$(UV) lock

lab: $(INSTALLED)
	$(PY) -m jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

collect: $(INSTALLED)
	$(PY) -m analysis collect --out data/raw/$(shell date -u +%Y-%m-%d)

# An older snapshot to compare with: `make report SNAPSHOT=NEW COMPARE=OLD` adds a comparison.
COMPARE ?=
override COMPARE := $(if $(COMPARE),$(abspath $(COMPARE)))
export COMPARE
# A snapshot's follow-up, where `make report` looks for it (FOLLOWUP=DIR chooses another folder).
FOLLOWUP ?=
override FOLLOWUP := $(if $(FOLLOWUP),$(abspath $(FOLLOWUP)))
export FOLLOWUP

follow: $(INSTALLED)
	@test -n "$(SNAPSHOT)" || { echo "make follow needs SNAPSHOT=DIR, the snapshot to follow up"; exit 1; }
	$(PY) -m analysis follow --snapshot "$(SNAPSHOT)"

clean:
	rm -rf _output _build _build-site _site data/processed
