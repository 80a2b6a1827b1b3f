# make dev   - the whole stack on http://127.0.0.1:3000 (AWS emulator on :4566)
# make test  - every test against a fresh emulator, then cfn-lint
VENV   := .venv
PYTHON ?= python3
CARGO  ?= cargo

.PHONY: dev test build lint clean venv

$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

build:
	$(CARGO) build --workspace

dev: venv
	$(CARGO) run --quiet -p local --bin capsule-local

test: venv
	local/with-emulator.sh $(CARGO) test --workspace
	$(VENV)/bin/cfn-lint template.yaml

lint: venv
	$(CARGO) clippy --workspace --all-targets
	$(VENV)/bin/cfn-lint template.yaml

clean:
	rm -rf $(VENV) target
