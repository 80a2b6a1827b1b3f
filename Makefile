# make dev   - the whole stack on http://127.0.0.1:3000 (AWS emulator on :4566)
# make test  - the TypeScript checks, every test against a fresh emulator, then cfn-lint
# make client - the TypeScript client's types again from openapi.yaml (after changing it)
# make storefront - the storefront's script again from storefront/src/*.ts
# make console - the operators' console's script again from console/src/*.ts
# make bench - cold starts of the release binaries, pricing, the emulator's rates as data
#              grows, the outbox, checkouts (see BENCHMARKS.md)
# make simulate - a flash sale through the whole stack, its invariants checked (report in target/sim/)
# make release - every function's release binary (the profile in Cargo.toml; sam build
#              makes the arm64 ones)
VENV   := .venv
PYTHON ?= python3
CARGO  ?= cargo
NPM    ?= npm
CLIENT := clients/typescript
FUNCTIONS := $(notdir $(wildcard functions/*))

.PHONY: dev test build release lint clean venv browser bench simulate client storefront console ts-check

$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

# A TypeScript package's tools (clients/typescript, storefront, console), again only when its lock
# file changed. The client's `prepare` builds its dist/.
%/node_modules/.installed: %/package-lock.json
	cd $* && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

# The client's types are generated from openapi.yaml and committed: run this after changing
# the contract, then commit src/schema.ts.
client: $(CLIENT)/node_modules/.installed
	cd $(CLIENT) && $(NPM) run --silent generate && $(NPM) run --silent build

# The storefront's one script, bundled from storefront/src/ and committed (the gateway
# embeds it at compile time, so cargo alone builds the stack).
storefront: storefront/node_modules/.installed
	cd storefront && $(NPM) run --silent build

# The operators' console's one script, likewise (its build shares storefront/bundle.mjs).
console: console/node_modules/.installed
	cd console && $(NPM) run --silent build

# Quick, so before the Rust tests: the client's types are what openapi.yaml generates, tsc
# --strict over the client, its example, its tests, the storefront and the console, the
# client's tests, and each dist/app.js is what its src/ builds.
ts-check: $(CLIENT)/node_modules/.installed storefront/node_modules/.installed console/node_modules/.installed
	cd $(CLIENT) && $(NPM) run --silent check
	cd storefront && $(NPM) run --silent check
	cd console && $(NPM) run --silent check

build:
	$(CARGO) build --workspace

release:
	$(CARGO) build --release $(addprefix -p ,$(FUNCTIONS))

# `make dev PAYMENTS=stripe`: Stripe mode against a localstripe of its own.
dev: venv storefront console
	PAYMENTS=$(PAYMENTS) $(CARGO) run --quiet -p local --bin capsule-local

# The browser test drives Debian's chromium through chromium-driver; installed here when
# possible, else that one test says why it is skipped (under CI=true or
# CAPSULE_REQUIRE_BROWSER=1 it fails instead).
browser:
	@if [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver for the browser test (about a minute)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
	      || echo "WARNING: apt-get could not install chromium: the browser test will be skipped (fail under CI)"; \
	  else \
	    echo "WARNING: chromium-driver is missing and this is not root: the browser test will be skipped (fail under CI)" \
	         "(install it with: sudo apt-get install chromium chromium-driver)"; \
	  fi; \
	fi

test: venv browser ts-check
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider local/tests
	local/with-emulator.sh $(CARGO) test --workspace
	$(VENV)/bin/cfn-lint template.yaml

# Flags for the bench binary, e.g. BENCH_FLAGS="--sizes 1000,10000 --seconds 5", or
# BENCH_FLAGS="--sections emulator" to skip the cold starts (the release build stays a
# prerequisite: nothing to do once built).
BENCH_FLAGS ?=
# The bench binary holds the whole local stack: built with the bench-local profile (the
# release code generation without fat LTO, see Cargo.toml) so that the stack it measures
# is a release build.
bench: venv release
	$(CARGO) run --quiet --profile bench-local -p capsule-bench -- $(BENCH_FLAGS)
	$(CARGO) bench -p shared --bench pricing

# Flags for the simulator, e.g. SIM_FLAGS="--buyers 200 --units 20 --concurrency 16"
# (`cargo run -p sim -- --help` lists them all).
SIM_FLAGS ?=
simulate: venv
	$(CARGO) run --quiet -p sim --bin capsule-sim -- $(SIM_FLAGS)

lint: venv
	$(CARGO) clippy --workspace --all-targets
	$(VENV)/bin/cfn-lint template.yaml

clean:
	rm -rf $(VENV) target $(CLIENT)/node_modules $(CLIENT)/dist $(CLIENT)/build storefront/node_modules console/node_modules
