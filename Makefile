# Quick start: `make chat` (talk to the bot locally) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: help install dev chat run sync test lint check bench clean

help:
	@echo "make chat   - talk to the bot in this terminal (no Discord token needed)"
	@echo "make test   - lint, content check and the whole test suite"
	@echo "make run    - start the bot on Discord (needs DISCORD_TOKEN in .env)"
	@echo "make sync   - register slash commands with Discord (GUILD=<id> for one server)"
	@echo "make bench  - run the benchmarks in quick mode"

# Installing writes its output to $(VENV)/install.log and shows it only if it fails, so that
# `printf '/faq ...' | make -s chat` prints nothing but the bot's answer, even on the first run.
INSTALL_LOG := $(VENV)/install.log
QUIET_INSTALL = > $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG) >&2; echo "install failed (log: $(INSTALL_LOG))" >&2; exit 1; }

$(BIN)/python:
	@echo "setting up $(VENV) (first run only)..." >&2
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip $(QUIET_INSTALL)

$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip install --quiet -e . $(QUIET_INSTALL)
	@touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip install --quiet -e '.[dev]' $(QUIET_INSTALL)
	@touch $@ $(STAMP)

install: $(STAMP)
dev: $(DEVSTAMP)

chat: $(STAMP)
	$(BIN)/supportbot chat $(if $(USER_NAME),--user $(USER_NAME))

run: $(STAMP)
	@$(BIN)/supportbot run

sync: $(STAMP)
	$(BIN)/supportbot sync $(if $(GUILD),--guild $(GUILD))

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

check: $(STAMP)
	$(BIN)/supportbot content check

# The suite is spread over every core (pytest-xdist; tests share no files or ports): on two cores
# it takes about half the time of one process. PYTEST_ARGS= runs it in one process. Tests marked
# with one xdist_group run on one worker (they share vectors a session fixture remembers).
PYTEST_ARGS ?= -n auto --dist loadgroup

test: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/supportbot content check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(DEVSTAMP)
	@for b in faq faq_close checkins burst triage e2e watch privacy backup; do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
