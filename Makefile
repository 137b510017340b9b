# crimeplan: `make render` renders the latest quarter, `make test` runs the tests.
# Both set up .venv/ themselves (Python >= 3.11 required).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUARTER ?= latest
JOBS ?=

.PHONY: render render-all test lab check bench clean setup

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

render: $(STAMP)
	$(BIN)/crimeplan render $(QUARTER) $(if $(JOBS),--jobs $(JOBS))

render-all: $(STAMP)
	$(BIN)/crimeplan render --all $(if $(JOBS),--jobs $(JOBS))

check: $(STAMP)
	$(BIN)/crimeplan check

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/render_bench.py $(if $(RUNS),--runs $(RUNS))

# JupyterLab on the whole project (data/, params/, outputs/ in reach), opening on notebooks/.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks

clean:
	rm -rf outputs/
