# tcpkit book — the two commands a reader or maintainer needs:
#   make book    set up .venv, build the book (HTML in _build/html), then `make serve` to read it on localhost
#   make test    set up .venv (+ Chromium via apt if missing), run every test: tcpkit, the book build,
#                every chapter executed, the browser tests (static site + JupyterLab) and Binder's install path
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# The in-browser book (tools/lite/): an official Pyodide 0.27.7 distribution (release tarball or folder)
# instead of npm pyodide + the PyPI transport, e.g. `make book PYODIDE_DIST=~/pyodide-0.27.7.tar.bz2`.
PYODIDE_DIST ?= $(TCPKIT_PYODIDE_DIST)
export TCPKIT_PYODIDE_DIST := $(PYODIDE_DIST)
PYODIDE_VENV := .venv-pyodide

.PHONY: install book pdf serve test test-fast e2e binder lint lab bench bench-quick clean system-deps test-pyodide-pins lite

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP)

# The execution cache (jupyter-cache) keys on a chapter's code only: drop it when tcpkit changes.
TCPKIT_SRC := $(shell find tcpkit -name '*.py' -o -name '*.csv')
_build/.tcpkit-stamp: $(TCPKIT_SRC)
	rm -rf _build/.jupyter_cache
	mkdir -p _build && touch $@

book: $(STAMP) _build/.tcpkit-stamp
	rm -rf _build/html _build/.doctrees
	mkdir -p _build
	set -o pipefail; $(VENV)/bin/jupyter-book build . -W --keep-going 2>&1 | tee _build/build.log
	@if command -v chromium >/dev/null 2>&1 || test -x "$$TCPKIT_CHROMIUM"; then $(MAKE) pdf; \
	 else echo "No Chromium: the PDF (_build/html/tcpkit-book.pdf) was not printed — run 'make system-deps' then 'make pdf'"; fi
	@echo "The book is in _build/html/index.html — run 'make serve' to read it at http://127.0.0.1:$(PORT)/"

# The whole book as one PDF (tools/build_pdf.py): a singlehtml build (same execution cache) printed by Chromium.
pdf: $(STAMP) _build/.tcpkit-stamp
	$(PY) tools/build_pdf.py

serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving the book at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

system-deps:
	bash .ci/install-system.sh

test: $(STAMP) system-deps
	$(VENV)/bin/ruff check tcpkit tests bench tools
	$(VENV)/bin/mypy
	$(MAKE) book
	TCPKIT_SITE=$(CURDIR)/_build/html $(PY) -m pytest
	$(MAKE) test-pyodide-pins

# tcpkit's model and widget tests on the browser's versions (Pyodide 0.27.7: Python 3.12, numpy 2.0.2,
# matplotlib 3.8.4, networkx 3.4.2; tools/lite/pyodide-pins.txt), so drift shows before a reader meets it.
$(PYODIDE_VENV)/.installed: tools/lite/pyodide-pins.txt
	@py=$$(for c in $(PY312) python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	  $$c -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo $$c && break; done); \
	test -n "$$py" || { echo "test-pyodide-pins needs Python 3.12 (Pyodide 0.27.7 is 3.12.7): set PY312=/path/to/python3.12"; exit 1; }; \
	rm -rf $(PYODIDE_VENV) && $$py -m venv $(PYODIDE_VENV)
	$(PYODIDE_VENV)/bin/python -m pip install --quiet -r tools/lite/pyodide-pins.txt
	touch $@

test-pyodide-pins: $(PYODIDE_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(PYODIDE_VENV)/bin/python -m pytest -m "not book and not browser and not binder and not kernel" \
	  --ignore=tests/e2e --ignore=tests/test_book.py --ignore=tests/test_headings.py --ignore=tests/test_packaging.py \
	  --ignore=tests/test_lite_tools.py --ignore=tests/test_drill.py --ignore=tests/test_pdf.py --ignore=tests/test_typography.py

# Rebuild only the in-browser part (_build/html/lite) of an already built book.
lite: $(STAMP)
	$(PY) tools/lite/build.py --site

e2e:
	TCPKIT_SITE=$(CURDIR)/_build/html $(PY) -m pytest tests/e2e -m browser

binder:
	$(PY) -m pytest tests/e2e -m binder -s

test-fast: $(STAMP)
	$(PY) -m pytest -m "not book and not browser and not binder" --ignore=tests/e2e

lint: $(STAMP)
	$(VENV)/bin/ruff check tcpkit tests bench tools
	$(VENV)/bin/mypy

lab: $(STAMP)
	mkdir -p .jupyter-config
	JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter-config $(VENV)/bin/jupytext-config set-default-viewer
	JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter-config $(VENV)/bin/jupyter lab --ip=127.0.0.1 book/intro.md

bench: $(STAMP)
	$(PY) bench/run_all.py --no-fail $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(PY) bench/run_all.py --no-fail --no-book

clean:
	rm -rf _build .pytest_cache .hypothesis
