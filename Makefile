# The two commands: `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install neo4j chromium bench lock clean
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# requirements.lock pins every package the install pulls in: a fresh machine gets the
# versions CI tested. After changing pyproject.toml's dependencies: `make lock`.
$(BIN)/refgraph: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

install: $(BIN)/refgraph

neo4j: install
	$(BIN)/refgraph neo4j fetch

run: neo4j
	$(BIN)/refgraph serve --demo-if-empty

# The browser tests drive Debian's Chromium (never a browser downloaded at run time).
chromium:
	@command -v chromium >/dev/null || [ -n "$$REFGRAPH_CHROMIUM" ] || \
		{ command -v apt-get >/dev/null && \
		  $(SUDO) sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null'; } || \
		{ echo "the browser tests need Chromium: install it, or set REFGRAPH_CHROMIUM=/path/to/chromium"; exit 1; }

test: neo4j chromium
	$(BIN)/pytest $(PYTEST_ARGS)

bench: neo4j
	$(BIN)/python -m bench.suite $(BENCH_ARGS)
	$(BIN)/python -m bench.events_cost $(EVENTS_BENCH_ARGS)
	$(BIN)/python -m bench.search $(SEARCH_BENCH_ARGS)
	$(BIN)/python -m bench.isolation $(ISOLATION_BENCH_ARGS)

lock:  # not after install: a changed pyproject.toml may not fit the old lock
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --no-header \
		--annotation-style line -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
