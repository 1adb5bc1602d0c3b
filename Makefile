# TuneCamp — the two commands that matter: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
HOST ?= 127.0.0.1
PORT ?= 8000

# Every test and demo starts Python processes (`tunecamp serve`, workers, peers): without bytecode
# caches each one compiles the daemon and its libraries again, 4 s of CPU where 2 s would do.
# Some machines set this variable for everything; our commands want the caches.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: redis-server demo test test-serial test-fast lint bench install relink lock clean vendor messages

# A venv with the pinned dependencies; rebuilt when the lock or pyproject changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(UV) pip sync -q --python $(BIN)/python requirements.lock
	$(MAKE) relink
	touch $@

install: $(VENV)/.installed

# The package is installed editable in strict mode (type checkers need it, see DESIGN.md);
# strict mode links files one by one, so new modules and templates need a relink (under a second).
relink:
	$(UV) pip install -q --python $(BIN)/python --no-deps --reinstall-package tunecamp -e . --config-settings editable_mode=strict

# The demo serves a working copy of the example catalog (.demo/content), so publishing from the
# dashboard never edits the repository's own content/; files added to content/ later are copied in.
DEMO := .demo
demo: install relink
	mkdir -p $(DEMO)/content && cp -R -n content/. $(DEMO)/content/
	cd $(DEMO) && ../$(BIN)/tunecamp serve --content content --public public --data data --host $(HOST) --port $(PORT)

# The browser tests' tools (axe-core, the Nu Html Checker), pinned in tests/e2e/package-lock.json.
E2E_TOOLS := tests/e2e/node_modules/.package-lock.json
$(E2E_TOOLS): tests/e2e/package-lock.json
	cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund

# The Fedify peer the federation tests run (tests/peers/fedify): installed from its lock when missing.
PEER := tests/peers/fedify
$(PEER)/node_modules/.package-lock.json: $(PEER)/package-lock.json
	cd $(PEER) && npm ci --no-audit --no-fund

# The Redis backends' tests run a real redis-server (Debian's package), installed here when missing
# (as root, as on CI); tests/redis_server.py starts one per test process on a loopback port.
# The deploy/ tests check and run the proxies (nginx, HAProxy) in front of several daemons.
TEST_DEBS := redis-server:redis-server nginx:nginx-light haproxy:haproxy
redis-server:
	@need=""; for pair in $(TEST_DEBS); do command -v $${pair%%:*} >/dev/null || need="$$need $${pair#*:}"; done; \
	if [ -n "$$need" ]; then export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends $$need >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$need >/dev/null; }; fi

# One test process per core (at most 4): most tests wait on servers, ffmpeg or a browser, and a
# 2-core CI machine runs the suite in well under its 15 minutes. Every test owns its ports and
# folders, so any order and any split works; `make test-serial` for a single-process run. Not
# `--dist loadfile`: it reports schemathesis' per-operation failures as passes.
test: install relink redis-server $(E2E_TOOLS) $(PEER)/node_modules/.package-lock.json
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist worksteal

test-serial: install relink redis-server $(E2E_TOOLS) $(PEER)/node_modules/.package-lock.json
	$(BIN)/python -m pytest -q

test-fast: install relink redis-server
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 -m "not slow"

lint: install relink
	$(BIN)/ruff check .
	$(BIN)/ruff format --check generator daemon themes tests bench
	$(BIN)/mypy

bench: install relink
	$(BIN)/python bench/build.py
	$(BIN)/python bench/audio.py

lock:
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf public data build .pytest_cache .mypy_cache $(DEMO)

# hls.js for live broadcasts, pinned in themes/package-lock.json, copied into the theme (committed).
vendor:
	cd themes && npm ci --ignore-scripts --no-audit --no-fund
	cp themes/node_modules/hls.js/dist/hls.light.min.js themes/node_modules/hls.js/LICENSE themes/default/static/vendor/
	mv themes/default/static/vendor/LICENSE themes/default/static/vendor/hls.js.LICENSE.txt

# Extract the strings of the theme, its scripts and the daemon's pages into the catalogs'
# templates, merge them into every language's .po, then compile (.mo and the scripts' JSON;
# `make install` compiles too, through setup.py). See docs/translating.md.
LOCALE := themes/locale
LANGUAGES := de fr es it pt_BR ja ar
messages: install
	$(BIN)/pybabel -q extract -F $(LOCALE)/site.cfg -k N_ -k plural:2,3 -k t -k tn:1,2 --no-wrap --sort-by-file \
		--project TuneCamp --copyright-holder "TuneCamp contributors" --ignore-dirs "node_modules tests content bench public data build" -o $(LOCALE)/site.pot .
	$(BIN)/pybabel -q extract -F $(LOCALE)/dashboard.cfg -k N_ -k plural:2,3 -k translate:2 -k translate_plural:2,3 --no-wrap --sort-by-file \
		--project TuneCamp --copyright-holder "TuneCamp contributors" --ignore-dirs "node_modules tests content bench public data build" -o $(LOCALE)/dashboard.pot .
	for domain in site dashboard; do for lang in $(LANGUAGES); do \
		if [ -f $(LOCALE)/$$lang/LC_MESSAGES/$$domain.po ]; then \
			$(BIN)/pybabel -q update --no-wrap --ignore-obsolete -D $$domain -i $(LOCALE)/$$domain.pot -d $(LOCALE) -l $$lang; \
		else $(BIN)/pybabel -q init --no-wrap -D $$domain -i $(LOCALE)/$$domain.pot -d $(LOCALE) -l $$lang; fi; \
	done; done
	$(BIN)/python scripts/compile_messages.py $(LOCALE)
