# crimeplan: `make render` renders the latest quarter, `make test` runs the tests.
# Both set up .venv/ themselves (Python >= 3.11 required). `make quarto` installs the
# Quarto kit into .tools/quarto; every target then has it on PATH (so `make render` uses
# Quarto and `make test` runs the Quarto tests). Without it the built-in renderer is used.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUARTER ?= latest
JOBS ?=
QUARTO_KIT ?= ../shared/tools/quarto
QUARTO_PREFIX := .tools/quarto
ifneq ($(wildcard $(QUARTO_PREFIX)/bin/quarto),)
export PATH := $(CURDIR)/$(QUARTO_PREFIX)/bin:$(PATH)
endif

# The git filter .gitattributes names: notebooks are staged without outputs, cell ids kept
# (so a notebook executed in place, by JupyterLab or `quarto render --profile lab`, never
# commits its outputs). Only inside a git work tree.
# Executing a notebook fills in its language_info; the committed notebooks keep only its name.
NBSTRIPOUT_EXTRA_KEYS = $(foreach key,codemirror_mode file_extension mimetype nbconvert_exporter pygments_lexer version,metadata.language_info.$(key))
NBSTRIPOUT_FILTER = if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '"$(CURDIR)/$(BIN)/python" -m nbstripout --keep-id' && \
	  git config filter.nbstripout.extrakeys '$(NBSTRIPOUT_EXTRA_KEYS)' && \
	  git config filter.nbstripout.smudge cat && \
	  git config diff.ipynb.textconv '"$(CURDIR)/$(BIN)/python" -m nbstripout -t'; fi

.PHONY: render render-all test test-fast lint lab check bench clean setup quarto

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(NBSTRIPOUT_FILTER)
	touch $(STAMP)

render: $(STAMP)
	$(BIN)/crimeplan render $(QUARTER) $(if $(JOBS),--jobs $(JOBS))

render-all: $(STAMP)
	$(BIN)/crimeplan render --all $(if $(JOBS),--jobs $(JOBS))

check: $(STAMP)
	$(BIN)/crimeplan check

# pytest with Python's bytecode cache on even where the environment turns it off: the
# second run of the tests skips compiling them (and pytest's assertion rewriting) again.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

# The whole suite on two workers; a test file's tests stay on one worker (its module fixtures
# render once) unless the file spreads them (tests/conftest.py: SPREAD_MODULES).
test: $(STAMP)
	$(PYTEST) -n 2 --durations=25 $(PYTEST_ARGS)

# The unit tests only (no CLI, kernels, renderer or browser), on two workers.
test-fast: $(STAMP)
	$(PYTEST) -m "not e2e" -n 2 -q $(PYTEST_ARGS)

# ruff (lint and format check), mypy on the library, and the import-linter layer contract
# (pyproject.toml holds their settings). `pre-commit install` runs ruff and nbstripout on commit.
LINTED := src tests benchmarks notebooks
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/render_bench.py $(if $(RUNS),--runs $(RUNS))

# JupyterLab on the whole project (data/, params/, outputs/ in reach), opening on notebooks/;
# as root (a container) it needs --allow-root, which is added then.
lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks

clean:
	rm -rf outputs/

# Quarto for developers and CI, from the Quarto kit (Quarto built from source, installed
# from PyPI and npm; see $(QUARTO_KIT)/README.md). Users install Quarto from quarto.org.
quarto:
	@test -f $(QUARTO_KIT)/install.sh || { \
	  echo "make quarto: the Quarto kit is not at $(QUARTO_KIT)/install.sh (set QUARTO_KIT=DIR)." >&2; \
	  echo "Install Quarto from https://quarto.org/docs/get-started/ instead; the built-in renderer needs nothing." >&2; \
	  exit 1; }
	bash $(QUARTO_KIT)/install.sh $(QUARTO_PREFIX)
	@echo "Quarto is in $(QUARTO_PREFIX)/bin (make puts it on PATH for render and test)."
