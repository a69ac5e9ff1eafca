# Two entry points (README Quick start): `make run` and `make test`.
# Both set up everything on a fresh machine: a virtualenv with the project and its tools.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench setup system-deps

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# fonts for the generated-PDF tests, Chromium for the browser test and the Virtuoso SPARQL server
# for the remote-store tests (Debian); skipped quietly where apt is unavailable (those tests then
# skip with the reason)
system-deps:
	@{ test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc && test -x /usr/bin/chromium && \
	   test -x /usr/bin/virtuoso-t; } || \
	  { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei \
	      chromium chromium-driver virtuoso-opensource) >/dev/null 2>&1 || \
	    echo "note: could not install fonts-wqy-microhei / chromium / virtuoso-opensource; the PDF, browser and Virtuoso tests will skip"; }

run: $(STAMP)
	$(BIN)/govrule build corpus/
	$(BIN)/govrule app

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run_all.py
